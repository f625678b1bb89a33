//! The decision: SHIP iff at least one gate ran and every gate that ran is ok. The one rule,
//! used by the proof and again by `evidence verify` on packed gate artifacts. And whether a
//! NO-SHIP fails the command ([`Strict`]).

use crate::artifacts::proof::{Decision, GateReport};

/// SHIP iff at least one gate ran and every gate that ran is ok.
pub fn decide<'a>(gates: impl IntoIterator<Item = &'a GateReport>) -> Decision {
    let mut any = false;
    for gate in gates {
        if !gate.ok {
            return Decision::NoShip;
        }
        any = true;
    }
    if any {
        Decision::Ship
    } else {
        Decision::NoShip
    }
}

/// Whether NO-SHIP fails the command (exit 1), and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strict {
    /// It does not: `--no-strict`, or outside CI without `--strict`.
    Off,
    /// `--strict`.
    Flag,
    /// The run is in CI, where the verdict is the exit code unless `--no-strict` says otherwise:
    /// a red run must not show a green check.
    Ci,
}

impl Strict {
    /// `--strict` (`Some(true)`), `--no-strict` (`Some(false)`) or neither, in CI or not.
    pub fn resolve(flag: Option<bool>, in_ci: bool) -> Strict {
        match flag {
            Some(true) => Strict::Flag,
            Some(false) => Strict::Off,
            None if in_ci => Strict::Ci,
            None => Strict::Off,
        }
    }

    /// NO-SHIP fails the command.
    pub fn on(self) -> bool {
        self != Strict::Off
    }

    /// Why a NO-SHIP failed the command, for people.
    pub fn reason(self) -> &'static str {
        match self {
            Strict::Off => "NO-SHIP",
            Strict::Flag => "NO-SHIP under --strict",
            Strict::Ci => "NO-SHIP in CI (the verdict is the exit code; --no-strict exits 0)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Strict;

    #[test]
    fn the_verdict_is_the_exit_code_in_ci_unless_told_otherwise() {
        assert_eq!(Strict::resolve(None, true), Strict::Ci);
        assert_eq!(Strict::resolve(None, false), Strict::Off);
        assert_eq!(Strict::resolve(Some(false), true), Strict::Off);
        assert_eq!(Strict::resolve(Some(true), false), Strict::Flag);
        assert!(Strict::Ci.on() && Strict::Flag.on() && !Strict::Off.on());
    }
}

//! The decision: SHIP iff at least one gate ran and every gate that ran is ok. The one rule,
//! used by the proof and again by `evidence verify` on packed gate artifacts.

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

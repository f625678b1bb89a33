//! The lanes as this repository names them: `make ops-daily` where its Makefile includes
//! `sdetkit.mk` (the seed's make aliases), `sdetkit ops daily` everywhere else. A next command
//! the repository cannot run is worse than none.

use std::path::Path;

/// A lane an operator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// `ops daily`.
    Daily,
    /// `ops weekly`.
    Weekly,
    /// `ops premerge`.
    Premerge,
    /// `ops premerge --rehearsal`.
    PremergeFast,
}

impl Lane {
    /// The seed's make target (`ops-daily`).
    pub fn make_target(self) -> &'static str {
        match self {
            Lane::Daily => "ops-daily",
            Lane::Weekly => "ops-weekly",
            Lane::Premerge => "ops-premerge",
            Lane::PremergeFast => "ops-premerge-fast",
        }
    }

    /// The arguments of `sdetkit` that run it.
    pub fn args(self) -> &'static str {
        match self {
            Lane::Daily => "ops daily",
            Lane::Weekly => "ops weekly",
            Lane::Premerge => "ops premerge",
            Lane::PremergeFast => "ops premerge --rehearsal",
        }
    }

    /// The reference's v1 wording (`make ops-daily`), which the follow-up contract keeps.
    pub fn v1(self) -> String {
        format!("make {}", self.make_target())
    }
}

/// How lanes are named in one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lanes {
    make: bool,
}

impl Lanes {
    /// The naming `root` supports: make aliases only when its Makefile includes `sdetkit.mk`.
    pub fn of(root: &Path) -> Lanes {
        let make = ["GNUmakefile", "makefile", "Makefile"].iter().any(|name| {
            std::fs::read_to_string(root.join(name)).is_ok_and(|text| includes_aliases(&text))
        });
        Lanes { make }
    }

    /// The command that runs `lane` here.
    pub fn command(&self, lane: Lane) -> String {
        if self.make {
            lane.v1()
        } else {
            format!("sdetkit {}", lane.args())
        }
    }
}

/// Whether a Makefile includes `sdetkit.mk` (`include`, `-include` or `sinclude`).
fn includes_aliases(makefile: &str) -> bool {
    makefile.lines().any(|line| {
        let mut words = line.split_whitespace();
        matches!(words.next(), Some("include" | "-include" | "sinclude"))
            && words.any(|w| w.trim_start_matches("./") == "sdetkit.mk")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_aliases_only_where_the_makefile_includes_them() {
        assert!(includes_aliases("SDETKIT ?= x\ninclude sdetkit.mk\n"));
        assert!(includes_aliases("-include ./sdetkit.mk other.mk\n"));
        assert!(!includes_aliases(
            "# include sdetkit.mk\ntest:\n\tmake -f sdetkit.mk\n"
        ));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Lanes::of(dir.path()).command(Lane::Daily),
            "sdetkit ops daily"
        );
        std::fs::write(dir.path().join("Makefile"), "include sdetkit.mk\n").unwrap();
        assert_eq!(Lanes::of(dir.path()).command(Lane::Daily), "make ops-daily");
        assert_eq!(Lane::PremergeFast.v1(), "make ops-premerge-fast");
    }
}

//! Rust: CI's cargo commands when it runs any; otherwise `cargo fmt --check`, clippy and
//! `cargo test`, with `--workspace` when `Cargo.toml` has a `[workspace]` table. Where
//! cargo-nextest is installed or configured (`.config/nextest.toml`), the tests run with
//! `cargo nextest run` (faster, one process per test, every test read from the JUnit report
//! of sdetkit's nextest profile, see `gate::nextest`), and the doctests, which nextest does
//! not run, with `cargo test --doc` when there is a library.

use std::path::Path;

use super::{Candidate, Eco, EcoSteps, Kind, default, from_ci};

pub(super) fn steps(root: &Path, ci: Vec<Candidate>) -> Option<EcoSteps> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok();
    if manifest.is_none() && ci.is_empty() {
        return None;
    }
    let table = manifest
        .as_deref()
        .and_then(|m| m.parse::<toml::Table>().ok());
    let workspace = table.as_ref().is_some_and(|t| t.contains_key("workspace"));
    let (flag, from) = if workspace {
        (" --workspace", "default for Cargo.toml with [workspace]")
    } else {
        ("", "default for Cargo.toml")
    };
    let nextest = nextest(root);
    let nextest_run = format!("cargo nextest run{flag}");
    let test = match nextest {
        Some(why) => default(Eco::Rust, Kind::Test, "cargo-nextest", &nextest_run, why),
        None => default(
            Eco::Rust,
            Kind::Test,
            "cargo-test",
            &format!("cargo test{flag}"),
            from,
        ),
    };
    let mut notes = Vec::new();
    let steps = if ci.is_empty() {
        let mut steps = vec![
            default(
                Eco::Rust,
                Kind::Format,
                "cargo-fmt",
                "cargo fmt --check",
                from,
            ),
            default(
                Eco::Rust,
                Kind::Lint,
                "cargo-clippy",
                &format!("cargo clippy{flag} --all-targets -- -D warnings"),
                from,
            ),
            test,
        ];
        if nextest.is_some() && (workspace || has_library(root, table.as_ref())) {
            steps.push(default(
                Eco::Rust,
                Kind::Test,
                "cargo-doctest",
                &format!("cargo test{flag} --doc"),
                "nextest does not run doctests",
            ));
        }
        steps
    } else {
        let steps = from_ci(ci, &mut notes, Some(test), true);
        for (kind, what) in [
            (Kind::Format, "`cargo fmt --check`"),
            (Kind::Lint, "clippy"),
        ] {
            if !steps.iter().any(|c| c.check.kind == kind) {
                notes.push(format!("{what} not added: CI does not run it"));
            }
        }
        steps
    };
    // Said where the step is chosen (init's report, the comments of the sdetkit.toml it
    // writes): the command runs with options it does not show.
    if steps.iter().any(|c| c.check.run == nextest_run) {
        notes.push(NEXTEST_NOTE.to_string());
    }
    Some(EcoSteps {
        evidence: "Cargo.toml".into(),
        steps,
        notes,
    })
}

/// What becomes of `cargo nextest run`'s tests.
const NEXTEST_NOTE: &str = "`cargo nextest run` runs with sdetkit's nextest profile \
     (`--profile sdetkit`: the step's own profile plus a JUnit report), so every test reaches \
     the per-test history";

/// Why the tests run with nextest here, if they do: it is installed, or the repository
/// configures it.
fn nextest(root: &Path) -> Option<&'static str> {
    if root.join(".config/nextest.toml").is_file() {
        Some(".config/nextest.toml")
    } else if crate::tools::find("cargo-nextest").is_some() {
        Some("cargo-nextest is installed")
    } else {
        None
    }
}

/// Whether the package has a library target (the only kind with doctests).
fn has_library(root: &Path, manifest: Option<&toml::Table>) -> bool {
    root.join("src/lib.rs").is_file() || manifest.is_some_and(|t| t.contains_key("lib"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::detect::classify::Check;

    /// A one-package crate whose repository configures nextest (detected with or without it
    /// installed).
    fn configured() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"n\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join(".config")).unwrap();
        std::fs::write(dir.path().join(".config/nextest.toml"), "").unwrap();
        dir
    }

    fn runs(found: &EcoSteps) -> Vec<&str> {
        found.steps.iter().map(|c| c.check.run.as_str()).collect()
    }

    #[test]
    fn the_nextest_step_says_its_tests_reach_the_history() {
        let dir = configured();
        let found = steps(dir.path(), Vec::new()).unwrap();
        assert!(runs(&found).contains(&"cargo nextest run"));
        assert!(
            found.notes.iter().any(|n| n == NEXTEST_NOTE),
            "{:?}",
            found.notes
        );
    }

    #[test]
    fn a_ci_that_runs_cargo_test_keeps_it_and_says_nothing_of_nextest() {
        let dir = configured();
        let ci = Candidate::new(
            Check {
                eco: Eco::Rust,
                kind: Kind::Test,
                id: "cargo-test".into(),
                run: "cargo test --all-features".into(),
                note: None,
            },
            ".github/workflows/ci.yml:9",
        );
        let found = steps(dir.path(), vec![ci]).unwrap();
        assert_eq!(runs(&found), ["cargo test --all-features"]);
        assert!(!found.notes.iter().any(|n| n == NEXTEST_NOTE));
    }
}

//! Rust: CI's cargo commands when it runs any; otherwise `cargo fmt --check`, clippy and
//! `cargo test`, with `--workspace` when `Cargo.toml` has a `[workspace]` table. Where
//! cargo-nextest is installed or configured (`.config/nextest.toml`), the tests run with
//! `cargo nextest run` (faster, one process per test, its failures read per test), and the
//! doctests, which nextest does not run, with `cargo test --doc` when there is a library.

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
    let test = match nextest {
        Some(why) => default(
            Eco::Rust,
            Kind::Test,
            "cargo-nextest",
            &format!("cargo nextest run{flag}"),
            why,
        ),
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
    Some(EcoSteps {
        evidence: "Cargo.toml".into(),
        steps,
        notes,
    })
}

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

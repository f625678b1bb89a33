//! Rust: CI's cargo commands when it runs any; otherwise `cargo fmt --check`, clippy and
//! `cargo test`, with `--workspace` when `Cargo.toml` has a `[workspace]` table.

use std::path::Path;

use super::{Candidate, Eco, EcoSteps, Kind, default, from_ci};

pub(super) fn steps(root: &Path, ci: Vec<Candidate>) -> Option<EcoSteps> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok();
    if manifest.is_none() && ci.is_empty() {
        return None;
    }
    let workspace = manifest
        .as_deref()
        .and_then(|m| m.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("workspace"));
    let (flag, from) = if workspace {
        (" --workspace", "default for Cargo.toml with [workspace]")
    } else {
        ("", "default for Cargo.toml")
    };
    let test = default(
        Eco::Rust,
        Kind::Test,
        "cargo-test",
        &format!("cargo test{flag}"),
        from,
    );
    let mut notes = Vec::new();
    let steps = if ci.is_empty() {
        vec![
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
        ]
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

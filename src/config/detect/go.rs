//! Go: CI's go commands (gofmt, vet, test, linters) when it runs any; otherwise `go test ./...`
//! alone. gofmt and vet are proposed only when the project itself runs them: their verdicts
//! change with the Go version, and many green projects do not hold themselves to them.

use std::path::Path;

use super::{Candidate, Eco, EcoSteps, Kind, default, from_ci};

pub(super) fn steps(root: &Path, ci: Vec<Candidate>) -> Option<EcoSteps> {
    if !root.join("go.mod").is_file() && ci.is_empty() {
        return None;
    }
    let test = default(
        Eco::Go,
        Kind::Test,
        "go-test",
        "go test ./...",
        "default for go.mod",
    );
    let mut notes = Vec::new();
    let steps = if ci.is_empty() {
        notes.push(
            "gofmt and go vet not added: neither CI nor a Makefile target runs them".to_string(),
        );
        vec![test]
    } else {
        from_ci(ci, &mut notes, Some(test), true)
    };
    Some(EcoSteps {
        evidence: "go.mod".into(),
        steps,
        notes,
    })
}

//! The files a CI reads from a run, under `ci/`: GitLab's JUnit report and Code Quality report,
//! where a job's `artifacts:reports:junit` and `artifacts:reports:codequality` pick them up.
//! (GitHub Actions' job summary is the runner's own file, named by `$GITHUB_STEP_SUMMARY`:
//! [`super::append_atomic`] adds to it.)

use serde::{Deserialize, Serialize};

use super::{Doc, Page};

/// `ci/junit.xml`: every gate a testsuite, every step a test case, every failing test of a
/// step's structured results a test case (the same document `--junit-out` writes).
pub const JUNIT: Page = Page {
    rel: "ci/junit.xml",
};

/// `ci/gl-code-quality-report.json`: GitLab's Code Quality report (a JSON array of issues).
pub const CODE_QUALITY: Doc<Vec<CodeQualityIssue>> =
    Doc::new("ci/gl-code-quality-report.json", None);

/// One issue of a GitLab Code Quality report, in GitLab's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeQualityIssue {
    /// What is wrong, for people.
    pub description: String,
    /// The check: `<gate>/<step>` (`gate-fast/unit`, `doctor/secrets`).
    pub check_name: String,
    /// Stable identity of the issue across runs (sha256 of check, place and message).
    pub fingerprint: String,
    /// `info`, `minor`, `major`, `critical` or `blocker`.
    pub severity: String,
    /// Where.
    pub location: CodeQualityLocation,
}

/// Where a Code Quality issue is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeQualityLocation {
    /// The file, relative to the repository root.
    pub path: String,
    /// The line.
    pub lines: CodeQualityLines,
}

/// The lines of a Code Quality issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeQualityLines {
    /// The first line (1-based).
    pub begin: u64,
}

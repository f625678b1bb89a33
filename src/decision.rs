//! The decision: SHIP iff every executed gate is ok, and the decision snapshot
//! (`first-proof-summary.json`) that records it, compatible with the reference's v1 fields.

use serde::{Deserialize, Serialize};

use crate::gate::GateReport;
use crate::repo::git::GitFacts;
use crate::triage::FirstFailure;

/// Schema version of the decision snapshot (a superset of the reference's unversioned v1).
pub const SUMMARY_SCHEMA: &str = "sdetkit.first-proof-summary.v1";

/// SHIP or NO-SHIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    #[serde(rename = "SHIP")]
    Ship,
    #[serde(rename = "NO-SHIP")]
    NoShip,
}

impl Decision {
    /// `SHIP` or `NO-SHIP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Ship => "SHIP",
            Decision::NoShip => "NO-SHIP",
        }
    }

    /// `FIRST_PROOF_DECISION=…`.
    pub fn line(self) -> String {
        format!("FIRST_PROOF_DECISION={}", self.as_str())
    }
}

/// SHIP iff at least one gate ran and every gate that ran is ok.
pub fn decide(gates: &[&GateReport]) -> Decision {
    if !gates.is_empty() && gates.iter().all(|g| g.ok) {
        Decision::Ship
    } else {
        Decision::NoShip
    }
}

/// One gate in the snapshot: the reference's v1 step fields plus the gate's own verdict.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryStep {
    /// `gate-fast`, `gate-release` or `doctor`.
    pub name: &'static str,
    /// The equivalent command line.
    pub command: Vec<String>,
    /// What that command would exit with: 0 ok, 1 not ok.
    pub returncode: i32,
    /// The gate's text report.
    pub stdout_log: String,
    /// The gate's problems, one per line (empty when ok).
    pub stderr_log: String,
    /// The gate artifact.
    pub artifact: Option<String>,
    pub ok: bool,
    pub dry_run: bool,
    pub failed_steps: Vec<String>,
    pub duration_ms: u64,
}

/// `first-proof-summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema_version: &'static str,
    pub run_id: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub ok: bool,
    pub decision: Decision,
    pub decision_line: String,
    pub strict: bool,
    pub release_dry_run: bool,
    pub interrupted: bool,
    pub steps: Vec<SummaryStep>,
    /// Names of the gates that are not ok, in gate order.
    pub failed_steps: Vec<String>,
    /// The first failure of the first failed gate.
    pub first_failure: Option<FirstFailure>,
    pub git: GitFacts,
}

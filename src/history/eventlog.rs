//! The event log `build/first-proof/first-proof-learning-db.jsonl`: one row per lane run,
//! the reference's v1 fields plus the run's identity, so rows can be joined and split by
//! branch.

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decision::Summary;
use crate::error::Result;

/// File name of the event log under `build/first-proof/`.
pub const FILE: &str = "first-proof-learning-db.jsonl";

/// One gate of a run, as the log keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct StepEvent {
    /// `gate-fast`, `gate-release` or `doctor`.
    pub name: String,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// Wall time of the gate.
    pub duration_ms: u64,
}

/// One row as sdetkit writes it.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub captured_at: String,
    pub decision: &'static str,
    pub ok: bool,
    pub failed_steps: Vec<String>,
    pub step_count: usize,
    pub run_id: String,
    /// The lane that ran (`daily`, `daily-fast`).
    pub lane: String,
    pub branch: String,
    pub commit: Option<String>,
    pub release_dry_run: bool,
    pub steps: Vec<StepEvent>,
}

impl EventRow {
    /// The row recording `summary`, captured at `captured_at` on `branch`.
    pub fn new(summary: &Summary, lane: &str, branch: &str, captured_at: String) -> EventRow {
        EventRow {
            captured_at,
            decision: summary.decision.as_str(),
            ok: summary.ok,
            failed_steps: summary.failed_steps.clone(),
            step_count: summary.steps.len(),
            run_id: summary.run_id.clone(),
            lane: lane.to_string(),
            branch: branch.to_string(),
            commit: summary.git.commit.clone(),
            release_dry_run: summary.release_dry_run,
            steps: summary
                .steps
                .iter()
                .map(|s| StepEvent {
                    name: s.name.to_string(),
                    status: if s.ok { "passed" } else { "failed" },
                    duration_ms: s.duration_ms,
                })
                .collect(),
        }
    }

    /// Appends the row under the log's lock.
    pub fn append(&self, log: &Path) -> Result<()> {
        super::jsonl::append(log, &crate::json::to_value(self))
    }
}

/// The fields of a row the derived views read, borrowed from the line so a 100k-row scan
/// barely allocates. Rows written by the Python reference (no `branch`, no `run_id`) read
/// fine; a row without `decision` is not a run.
#[derive(Debug, Deserialize)]
pub struct RowView<'a> {
    #[serde(borrow, default)]
    pub captured_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub decision: Cow<'a, str>,
    #[serde(borrow, default)]
    pub failed_steps: Vec<Cow<'a, str>>,
    /// `None` for reference rows, which then count toward every branch.
    #[serde(borrow, default)]
    pub branch: Option<Cow<'a, str>>,
}

impl<'a> RowView<'a> {
    /// Parses one line of the log: the fast scanner for plain rows, `serde_json` for the
    /// rest (and for the error message of a corrupt row).
    pub fn parse(line: &'a str) -> Result<RowView<'a>, String> {
        match super::rowscan::row(line) {
            Some(view) => Ok(view),
            None => serde_json::from_str(line).map_err(|e| e.to_string()),
        }
    }

    /// Whether the run shipped.
    pub fn ship(&self) -> bool {
        self.decision == "SHIP"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows_parse_without_branch() {
        let line = r#"{"captured_at": "2026-11-25T14:15:56.787462+00:00", "decision": "NO-SHIP", "failed_steps": ["gate-fast"], "ok": false, "selected_python": "/usr/bin/python3", "step_count": 3}"#;
        let row = RowView::parse(line).unwrap();
        assert!(!row.ship());
        assert_eq!(row.branch, None);
        assert_eq!(row.failed_steps, vec!["gate-fast"]);
    }

    #[test]
    fn rows_without_a_decision_or_not_objects_are_rejected() {
        assert!(RowView::parse(r#"{"captured_at": "x"}"#).is_err());
        assert!(RowView::parse("[1, 2]").is_err());
        assert!(RowView::parse(r#"{"decision": "SHIP""#).is_err());
    }
}

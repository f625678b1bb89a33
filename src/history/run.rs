//! One event-log run as the KPIs, the guidance and the shared store read it. Tolerant by
//! design: sdetkit rows carry `run_id`, `branch`, `commit` and `steps[]`; rows written by the Python reference have only
//! `captured_at, decision, ok, failed_steps, step_count, selected_python`, and every missing
//! field takes its default.

use jiff::Timestamp;

use crate::artifacts::eventlog::{EventRow, Outcome};
use crate::artifacts::proof::GateKind;
use crate::runner::Status;

/// What happened to one gate in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateOutcome {
    /// The gate was not part of the run (e.g. `--skip-doctor`).
    NotRun,
    /// It passed.
    Passed,
    /// It failed.
    Failed,
}

/// One step's timing, for the guidance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTiming {
    /// The step, `gate-fast/unit` (a gate, `gate-fast`, in v1 rows).
    pub name: String,
    /// It did not pass.
    pub failed: bool,
    /// Its wall time, when recorded.
    pub duration_ms: Option<u64>,
}

/// A run inside the trend horizon, reduced to what the KPIs need.
#[derive(Debug, Clone)]
pub struct Run {
    /// When it was recorded.
    pub at: Timestamp,
    /// `run_id`, or `captured_at` for reference rows (which have no id).
    pub id: String,
    /// Whether the row has a real `run_id` (only those can have an evidence pack).
    pub has_run_id: bool,
    /// `None` for reference rows, which count toward every branch.
    pub branch: Option<String>,
    /// The commit checked.
    pub commit: Option<String>,
    /// The tree had uncommitted changes (`None`: not recorded).
    pub dirty: Option<bool>,
    /// It shipped.
    pub ship: bool,
    /// Outcome of each gate, in [`GateKind::ALL`] order.
    pub gates: [GateOutcome; 3],
    /// Each recorded step, in order: the steps of every gate in v2 rows, the gates in v1.
    pub steps: Vec<StepTiming>,
    /// The tests of steps with structured results (v2).
    pub tests: Vec<TestOutcome>,
    /// What the run checked (v2).
    pub input_digest: Option<String>,
    /// Steps the step cache stood in for.
    pub cached_steps: u64,
    /// The CI run it happened in, when the row recorded a link to it.
    pub ci_url: Option<String>,
}

/// One test in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// `step::test id`.
    pub name: String,
    /// It failed.
    pub failed: bool,
}

impl Run {
    /// The run of `row`; `Err(why)` for a row that is not a dated run.
    pub fn of(row: EventRow) -> Result<Run, String> {
        let at = crate::clock::parse(&row.captured_at).ok_or("unreadable captured_at")?;
        let gates = GateKind::ALL.map(|g| match row.gate(g) {
            None => GateOutcome::NotRun,
            Some(true) => GateOutcome::Failed,
            Some(false) => GateOutcome::Passed,
        });
        let steps = match &row.step_results {
            Some(results) => results
                .iter()
                // A cached step did not run in this run: no outcome, no duration of its own.
                .filter(|s| s.status != Status::Cached)
                .filter(|s| s.status.executed() || s.status.blocks())
                .map(|s| StepTiming {
                    name: format!("{}/{}", s.gate.name(), s.id),
                    failed: s.status.blocks(),
                    duration_ms: Some(s.duration_ms),
                })
                .collect(),
            None => row
                .steps
                .iter()
                .flatten()
                .map(|s| StepTiming {
                    name: s.name.clone(),
                    failed: s.failed(),
                    duration_ms: s.duration_ms,
                })
                .collect(),
        };
        let cached_steps = row
            .step_results
            .iter()
            .flatten()
            .filter(|s| s.status == Status::Cached)
            .count() as u64;
        let tests = row
            .tests
            .iter()
            .flatten()
            .filter(|t| t.status != "skipped")
            .map(|t| TestOutcome {
                name: format!("{}::{}", t.step, t.id),
                failed: t.status == "failed",
            })
            .collect();
        Ok(Run {
            at,
            has_run_id: row.run_id.is_some(),
            ship: row.outcome() == Outcome::Ship,
            id: row.run_id.unwrap_or(row.captured_at),
            branch: row.branch,
            commit: row.commit,
            dirty: row.dirty,
            input_digest: row.input_digest,
            gates,
            steps,
            tests,
            cached_steps,
            ci_url: row.ci.and_then(|c| c.url),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<Run, String> {
        Run::of(serde_json::from_str(line).map_err(|e| e.to_string())?)
    }

    #[test]
    fn reference_rows_ran_all_three_gates() {
        let run = run(r#"{"captured_at": "2026-11-25T14:15:56.787462+00:00", "decision": "NO-SHIP", "failed_steps": ["doctor"], "ok": false, "selected_python": "/usr/bin/python3", "step_count": 3}"#).unwrap();
        assert_eq!(run.id, "2026-11-25T14:15:56.787462+00:00");
        assert!(!run.has_run_id && !run.ship && run.branch.is_none());
        assert_eq!(
            run.gates,
            [
                GateOutcome::Passed,
                GateOutcome::Passed,
                GateOutcome::Failed
            ]
        );
    }

    #[test]
    fn sdetkit_rows_use_steps_and_a_missing_gate_did_not_run() {
        let r = run(r#"{"branch":"main","captured_at":"2026-11-25T14:15:56Z","decision":"SHIP","run_id":"r1","steps":[{"name":"gate-fast","status":"passed","duration_ms":5},{"name":"gate-release","status":"failed"}]}"#).unwrap();
        assert_eq!(r.id, "r1");
        assert_eq!(
            r.gates,
            [
                GateOutcome::Passed,
                GateOutcome::Failed,
                GateOutcome::NotRun
            ]
        );
        assert!(run(r#"{"decision":"SHIP"}"#).is_err());
        assert!(run(r#"{"captured_at":"x","decision":"SHIP"}"#).is_err());
    }
}

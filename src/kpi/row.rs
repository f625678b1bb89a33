//! One event-log row as the KPIs read it. Tolerant by design: sdetkit rows carry `run_id`,
//! `branch`, `commit` and `steps[]`; rows written by the Python reference have only
//! `captured_at, decision, ok, failed_steps, step_count, selected_python`, and every missing
//! field takes its default.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::Deserialize;

/// The three gates of a run, in the order the KPIs report them.
pub const GATES: [&str; 3] = ["gate-fast", "gate-release", "doctor"];

/// What happened to one gate in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateOutcome {
    /// The gate was not part of the run (e.g. `--skip-doctor`).
    NotRun,
    Passed,
    Failed,
}

/// One step's timing, for the guidance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTiming {
    pub name: String,
    pub failed: bool,
    pub duration_ms: Option<u64>,
}

/// A run inside the trend horizon, reduced to what the KPIs need.
#[derive(Debug, Clone)]
pub struct Run {
    pub at: Timestamp,
    /// `run_id`, or `captured_at` for reference rows (which have no id).
    pub id: String,
    /// Whether the row has a real `run_id` (only those can have an evidence pack).
    pub has_run_id: bool,
    /// `None` for reference rows, which count toward every branch.
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub ship: bool,
    /// Outcome of each of [`GATES`].
    pub gates: [GateOutcome; 3],
    pub steps: Vec<StepTiming>,
}

#[derive(Deserialize)]
struct RawRow<'a> {
    #[serde(borrow, default)]
    captured_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    decision: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    run_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    commit: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    failed_steps: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    steps: Option<Vec<RawStep<'a>>>,
}

#[derive(Deserialize)]
struct RawStep<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    status: Cow<'a, str>,
    #[serde(default)]
    duration_ms: Option<u64>,
}

impl Run {
    /// Parses one line; `Err(why)` for a row that is not a dated run.
    pub fn parse(line: &str) -> Result<Run, String> {
        let raw: RawRow = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let decision = raw.decision.ok_or("no decision")?;
        let captured = raw.captured_at.ok_or("no captured_at")?;
        let at = crate::clock::parse(&captured).ok_or("unreadable captured_at")?;
        let steps = raw.steps.map(|steps| steps.iter().map(timing).collect());
        Ok(Run {
            at,
            has_run_id: raw.run_id.is_some(),
            id: raw.run_id.unwrap_or(captured).into_owned(),
            branch: raw.branch.map(Cow::into_owned),
            commit: raw.commit.map(Cow::into_owned),
            ship: decision == "SHIP",
            gates: gates(steps.as_deref(), &raw.failed_steps),
            steps: steps.unwrap_or_default(),
        })
    }

    /// Whether the run counts toward `branch` (`None`: overall).
    pub fn on(&self, branch: Option<&str>) -> bool {
        match (branch, &self.branch) {
            (Some(wanted), Some(own)) => wanted == own,
            _ => true,
        }
    }
}

fn timing(step: &RawStep) -> StepTiming {
    StepTiming {
        name: step.name.to_string(),
        failed: step.status != "passed",
        duration_ms: step.duration_ms,
    }
}

/// Each gate's outcome: from `steps[]` when the row has it; reference rows have only
/// `failed_steps`, and the reference always ran the three gates.
fn gates(steps: Option<&[StepTiming]>, failed: &[Cow<str>]) -> [GateOutcome; 3] {
    GATES.map(|gate| match steps {
        Some(steps) => steps
            .iter()
            .find(|s| s.name == gate)
            .map_or(GateOutcome::NotRun, |s| outcome(s.failed)),
        None => outcome(failed.iter().any(|f| f == gate)),
    })
}

fn outcome(failed: bool) -> GateOutcome {
    if failed {
        GateOutcome::Failed
    } else {
        GateOutcome::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows_ran_all_three_gates() {
        let run = Run::parse(r#"{"captured_at": "2026-11-25T14:15:56.787462+00:00", "decision": "NO-SHIP", "failed_steps": ["doctor"], "ok": false, "selected_python": "/usr/bin/python3", "step_count": 3}"#).unwrap();
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
        let run = Run::parse(r#"{"branch":"main","captured_at":"2026-11-25T14:15:56Z","decision":"SHIP","run_id":"r1","steps":[{"name":"gate-fast","status":"passed","duration_ms":5},{"name":"gate-release","status":"failed"}]}"#).unwrap();
        assert_eq!(run.id, "r1");
        assert_eq!(
            run.gates,
            [
                GateOutcome::Passed,
                GateOutcome::Failed,
                GateOutcome::NotRun
            ]
        );
        assert!(Run::parse(r#"{"decision":"SHIP"}"#).is_err());
        assert!(Run::parse(r#"{"captured_at":"x","decision":"SHIP"}"#).is_err());
    }
}

//! The event log `first-proof/first-proof-learning-db.jsonl`: one row per lane run, the
//! reference's v1 fields plus the run's identity. This is its one row type ([`EventRow`]) and
//! its one reader ([`EventLog`]): every module that looks at past runs (history, KPIs,
//! status, contract health) reads through it. Rows written by the Python reference (no
//! `run_id`, `lane`, `branch`, `steps`) read fine; a row without `decision` is not a run.
//!
//! Most readers need only a few fields of every row, so the reader hands out a [`Row`]: the
//! cheap [`RowHead`], scanned without decoding the whole line (see [`scan`]), and the line
//! itself, decoded into an [`EventRow`] only on request.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Log;
use super::jsonl;
pub use super::proof::TestResult;
use super::proof::{Decision, GateKind, GateReport, Summary};
use crate::ci::CiRun;
use crate::error::Result;
use crate::runner::Status;
use crate::schemas;
use crate::triage::Classification;

mod scan;
pub mod union;

/// The event log.
pub const LOG: Log<EventRow> = Log::new(
    "first-proof/first-proof-learning-db.jsonl",
    &schemas::EVENT_ROW,
);

/// How a run ended, as far as the counts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// `SHIP`.
    Ship,
    /// `NO-SHIP`.
    NoShip,
    /// Any other decision string (the reference did not validate it).
    Other,
}

impl Outcome {
    /// The outcome of a decision as written in a row.
    pub fn of(decision: &str) -> Outcome {
        match decision {
            "SHIP" => Outcome::Ship,
            "NO-SHIP" => Outcome::NoShip,
            _ => Outcome::Other,
        }
    }
}

/// One gate of a run, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateEvent {
    /// `gate-fast`, `gate-release` or `doctor`.
    #[serde(default)]
    pub name: String,
    /// `passed` or `failed`.
    #[serde(default)]
    pub status: String,
    /// Wall time of the gate.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

impl GateEvent {
    /// Whether the gate did not pass.
    pub fn failed(&self) -> bool {
        self.status != "passed"
    }
}

/// Schema version of the rows sdetkit writes (the reference's rows have none).
pub const ROW_SCHEMA: &str = "sdetkit.event-log-row.v2";

/// One step of a gate in a run: what the event log keeps so that history, KPIs and guidance
/// can speak of steps, not only of gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// The gate (`fast`, `release`, `doctor`).
    pub gate: GateKind,
    /// The step or check id.
    pub id: String,
    /// What became of it.
    pub status: Status,
    /// Its exit code, when it exited by itself.
    #[serde(default)]
    pub rc: Option<i32>,
    /// Its wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// The kind of its first failure, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
}

/// One row of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    /// [`ROW_SCHEMA`] on the rows sdetkit writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// When the run was recorded (RFC 3339).
    #[serde(default)]
    pub captured_at: String,
    /// `SHIP` or `NO-SHIP` (any string in a hand-made row: see [`Outcome`]).
    pub decision: String,
    /// The decision is SHIP.
    #[serde(default)]
    pub ok: bool,
    /// The gates that failed, in gate order.
    #[serde(default)]
    pub failed_steps: Vec<String>,
    /// How many gates ran.
    #[serde(default)]
    pub step_count: usize,
    /// The run's id; `None` in a reference row.
    #[serde(default)]
    pub run_id: Option<String>,
    /// The lane that ran (`daily`, `daily-fast`, `premerge`, `premerge-fast`).
    #[serde(default)]
    pub lane: Option<String>,
    /// The branch the run is judged under; `None` in a reference row, which then counts
    /// toward every branch.
    #[serde(default)]
    pub branch: Option<String>,
    /// The commit checked.
    #[serde(default)]
    pub commit: Option<String>,
    /// The release gate ran as a dry run.
    #[serde(default)]
    pub release_dry_run: bool,
    /// The work tree had uncommitted changes: the run checked something no commit holds.
    /// `None` in rows written before it was recorded.
    #[serde(default)]
    pub dirty: Option<bool>,
    /// Each gate's outcome; `None` in a reference row.
    #[serde(default)]
    pub steps: Option<Vec<GateEvent>>,
    /// Each step of each gate (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_results: Option<Vec<StepResult>>,
    /// The tests of steps with structured results: failing ones always, all of them where a
    /// step declares a JUnit file (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<Vec<TestResult>>,
    /// What the run checked: tree content, configuration, tool and sdetkit versions (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
    /// The CI run it happened in (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiRun>,
    /// The repository: its normalised remote URL, else `root:<first commit>` (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

impl EventRow {
    /// The row recording `summary` and its `gates`, captured at `captured_at` on `branch` by
    /// `lane`.
    pub fn new(
        summary: &Summary,
        gates: &[GateReport],
        lane: &str,
        branch: &str,
        captured_at: String,
    ) -> EventRow {
        let step_results = gates
            .iter()
            .flat_map(|g| {
                g.steps.iter().map(|s| StepResult {
                    gate: g.gate,
                    id: s.id.clone(),
                    status: s.status,
                    rc: s.rc,
                    duration_ms: s.duration_ms,
                    classification: s.first_failure.as_ref().map(|f| f.classification),
                })
            })
            .collect();
        let tests: Vec<TestResult> = gates
            .iter()
            .flat_map(|g| g.steps.iter().flat_map(|s| s.tests.iter().cloned()))
            .collect();
        EventRow {
            schema_version: Some(ROW_SCHEMA.to_string()),
            step_results: Some(step_results),
            tests: (!tests.is_empty()).then_some(tests),
            input_digest: summary.input_digest.clone(),
            ci: None,
            repo: None,
            captured_at,
            decision: summary.decision.as_str().to_string(),
            ok: summary.ok,
            failed_steps: summary.failed_steps.clone(),
            step_count: summary.steps.len(),
            run_id: Some(summary.run_id.clone()),
            lane: Some(lane.to_string()),
            branch: Some(branch.to_string()),
            commit: summary.git.commit.clone(),
            release_dry_run: summary.release_dry_run,
            dirty: Some(summary.git.dirty),
            steps: Some(
                summary
                    .steps
                    .iter()
                    .map(|s| GateEvent {
                        name: s.name.name().to_string(),
                        status: if s.ok { "passed" } else { "failed" }.to_string(),
                        duration_ms: Some(s.duration_ms),
                    })
                    .collect(),
            ),
        }
    }

    /// How the run ended.
    pub fn outcome(&self) -> Outcome {
        Outcome::of(&self.decision)
    }

    /// The run's decision, when it is SHIP or NO-SHIP.
    pub fn decision(&self) -> Option<Decision> {
        match self.outcome() {
            Outcome::Ship => Some(Decision::Ship),
            Outcome::NoShip => Some(Decision::NoShip),
            Outcome::Other => None,
        }
    }

    /// Whether `gate` failed, passed, or did not run in this run: from `steps` when the row
    /// has them; reference rows have only `failed_steps`, and the reference always ran the
    /// three gates.
    pub fn gate(&self, gate: GateKind) -> Option<bool> {
        match &self.steps {
            Some(steps) => steps
                .iter()
                .find(|s| s.name == gate.name())
                .map(GateEvent::failed),
            None => Some(self.failed_steps.iter().any(|f| f == gate.name())),
        }
    }
}

/// The fields of a row that most readers need, borrowed from the line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RowHead<'a> {
    /// When the run was recorded.
    #[serde(borrow, default)]
    pub captured_at: Option<Cow<'a, str>>,
    /// The decision as written.
    #[serde(borrow)]
    pub decision: Cow<'a, str>,
    /// The gates that failed.
    #[serde(borrow, default)]
    pub failed_steps: Vec<Cow<'a, str>>,
    /// The branch; `None` in a reference row.
    #[serde(borrow, default)]
    pub branch: Option<Cow<'a, str>>,
}

impl<'a> RowHead<'a> {
    /// Parses the head of one line: the fast scanner for plain rows, `serde_json` for the
    /// rest (and for the error message of a corrupt row).
    pub fn parse(line: &'a str) -> Result<RowHead<'a>, String> {
        Row::parse(line).map(|row| row.head)
    }

    /// How the run ended.
    pub fn outcome(&self) -> Outcome {
        Outcome::of(&self.decision)
    }

    /// Whether the run shipped.
    pub fn ship(&self) -> bool {
        self.outcome() == Outcome::Ship
    }
}

/// One readable row: its head, and the line for the other fields.
pub struct Row<'a> {
    /// The fields most readers need.
    pub head: RowHead<'a>,
    line: &'a str,
    /// How the head was read, and so how the other fields are found.
    tail: Tail,
}

/// Where a row's fields after the head are.
#[derive(Clone, Copy)]
enum Tail {
    /// The scanner read the head; the keys after it start at this byte (none: there are none).
    Scanned(Option<usize>),
    /// Serde read the head; it reads the rest too.
    Decoded,
}

/// The identity fields of a row, for the serde path.
#[derive(Deserialize)]
struct Ids<'a> {
    #[serde(borrow, default)]
    lane: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    run_id: Option<Cow<'a, str>>,
}

impl<'a> Row<'a> {
    /// Parses the head of one line (see [`RowHead::parse`]).
    pub fn parse(line: &'a str) -> Result<Row<'a>, String> {
        match scan::head(line) {
            Some((head, rest)) => Ok(Row {
                head,
                line,
                tail: Tail::Scanned(rest),
            }),
            None => Ok(Row {
                head: serde_json::from_str(line).map_err(|e| e.to_string())?,
                line,
                tail: Tail::Decoded,
            }),
        }
    }

    /// The lane that ran; `None` in a reference row.
    pub fn lane(&self) -> Option<Cow<'a, str>> {
        self.id_field("lane", |ids| ids.lane)
    }

    /// The run id; `None` in a reference row.
    pub fn run_id(&self) -> Option<Cow<'a, str>> {
        self.id_field("run_id", |ids| ids.run_id)
    }

    /// A string field after the head, read on demand: scanned on from where the head
    /// stopped, else decoded by serde.
    fn id_field(
        &self,
        key: &str,
        pick: impl FnOnce(Ids<'a>) -> Option<Cow<'a, str>>,
    ) -> Option<Cow<'a, str>> {
        let scanned = match self.tail {
            Tail::Scanned(None) => return None,
            Tail::Scanned(Some(at)) => scan::field(self.line, at, key),
            Tail::Decoded => None,
        };
        match scanned {
            Some(found) => found.map(Cow::Borrowed),
            None => serde_json::from_str::<Ids>(self.line).ok().and_then(pick),
        }
    }
    /// The line as written.
    pub fn line(&self) -> &'a str {
        self.line
    }

    /// The whole row.
    pub fn full(&self) -> Result<EventRow, String> {
        serde_json::from_str(self.line).map_err(|e| e.to_string())
    }
}

/// A fold over rows that can be filled in parts of the log read at the same time, then
/// merged in log order.
pub trait RowFold: Send + Sized {
    /// Adds one row; `Err(why)` when it is not a usable run (counted as corrupt).
    fn add(&mut self, row: &Row) -> Result<(), String>;
    /// Appends `later`, the fold of the part of the log that follows this one.
    fn merge(&mut self, later: Self);
}

struct Lines<F>(F);

impl<F: RowFold> jsonl::Fold for Lines<F> {
    fn add(&mut self, line: &str) -> Result<(), String> {
        self.0.add(&Row::parse(line)?)
    }

    fn merge(&mut self, later: Self) {
        self.0.merge(later.0);
    }
}

/// The event log of one out-dir.
pub struct EventLog {
    out: PathBuf,
    path: PathBuf,
}

impl EventLog {
    /// The event log under `out`.
    pub fn at(out: &Path) -> EventLog {
        EventLog {
            out: out.to_path_buf(),
            path: LOG.path(out),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one row under the log's lock.
    pub fn append(&self, row: &EventRow) -> Result<()> {
        jsonl::append(&self.out, &self.path, &crate::json::to_value(row))
    }

    /// Adds the rows of `incoming` (from another machine's history) that the log lacks, each
    /// in its place by time, under the log's lock; returns how many were added.
    pub fn merge(&self, incoming: &[union::Keyed]) -> Result<usize> {
        let mut added = 0;
        jsonl::rewrite(&self.out, &self.path, |text| {
            let (merged, n) = union::merge_into_log(text, incoming)?;
            added = n;
            Some(merged)
        })?;
        Ok(added)
    }

    /// The log's whole content (empty when there is none), read under its lock.
    pub fn bytes(&self) -> Result<Vec<u8>> {
        jsonl::read_all(&self.path)
    }

    /// Folds every row (large logs in two halves at once); returns the fold and how many
    /// lines were skipped as corrupt.
    pub fn fold<F: RowFold>(&self, empty: impl Fn() -> F + Sync) -> Result<(F, u64)> {
        let (lines, corrupt) = jsonl::fold(&self.path, || Lines(empty()))?;
        Ok((lines.0, corrupt))
    }

    /// Folds the rows after `from` (all of them when it no longer fits the log: rewritten,
    /// truncated), and says where it stopped and whether it resumed.
    pub fn fold_from<F: RowFold>(
        &self,
        from: Option<jsonl::Mark>,
        empty: impl Fn() -> F + Sync,
    ) -> Result<jsonl::Folded<F>> {
        let folded = jsonl::fold_from(&self.path, from, || Lines(empty()))?;
        Ok(jsonl::Folded {
            fold: folded.fold.0,
            corrupt: folded.corrupt,
            mark: folded.mark,
            resumed: folded.resumed,
        })
    }

    /// Streams every row in log order to `visit`; returns how many lines were skipped as
    /// corrupt (including rows `visit` rejects).
    pub fn scan(&self, mut visit: impl FnMut(&Row) -> Result<(), String>) -> Result<u64> {
        jsonl::scan(&self.path, |line| visit(&Row::parse(line)?))
    }

    /// Streams the rows from `from` (when it still fits the log; else from the top, and
    /// `resumed` is told which) to `visit`, each with where its line starts; see
    /// [`jsonl::scan_marked`].
    pub fn scan_marked(
        &self,
        from: Option<jsonl::Mark>,
        resumed: impl FnOnce(bool),
        mut visit: impl FnMut(&jsonl::Here, &Row) -> Result<(), String>,
    ) -> Result<jsonl::Scanned> {
        jsonl::scan_marked(&self.path, from, resumed, |here, line| {
            visit(here, &Row::parse(line)?)
        })
    }

    /// The readable rows from the end backwards, each with the byte offset where it starts,
    /// until `visit` says stop (the cost is the rows looked at, not the log).
    pub fn rev_scan(&self, mut visit: impl FnMut(u64, &Row) -> ControlFlow<()>) -> Result<()> {
        jsonl::rev_scan(&self.path, |_, offset, line| match Row::parse(line) {
            Ok(row) => visit(offset, &row),
            Err(_) => ControlFlow::Continue(()),
        })
    }

    /// The readable rows from byte `offset` (a row's start, as [`EventLog::rev_scan`] gave
    /// it) forwards, until `visit` says stop.
    pub fn scan_from(
        &self,
        offset: u64,
        mut visit: impl FnMut(&Row) -> ControlFlow<()>,
    ) -> Result<()> {
        jsonl::scan_from(&self.path, offset, |line| match Row::parse(line) {
            Ok(row) => visit(&row),
            Err(_) => ControlFlow::Continue(()),
        })
    }

    /// The newest `n` readable rows that satisfy `wanted`, oldest first, read from the end
    /// backwards.
    pub fn recent(&self, n: usize, wanted: impl Fn(&Row) -> bool) -> Result<Vec<EventRow>> {
        let mut found = Vec::new();
        jsonl::rev_scan(&self.path, |_, _, line| {
            let row = Row::parse(line)
                .ok()
                .filter(&wanted)
                .and_then(|_| serde_json::from_str::<EventRow>(line).ok());
            found.extend(row);
            if found.len() >= n {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        found.reverse();
        Ok(found)
    }

    /// The newest readable row that satisfies `wanted`, read from the end backwards (the
    /// cost is the rows after it, not the log).
    pub fn last(&self, wanted: impl Fn(&Row) -> bool) -> Result<Option<EventRow>> {
        let mut found = None;
        jsonl::rev_scan(&self.path, |_, _, line| {
            let row = Row::parse(line)
                .ok()
                .filter(&wanted)
                .and_then(|_| serde_json::from_str::<EventRow>(line).ok());
            match row {
                Some(row) => {
                    found = Some(row);
                    ControlFlow::Break(())
                }
                None => ControlFlow::Continue(()),
            }
        })?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows_parse_without_branch() {
        let line = r#"{"captured_at": "2026-11-25T14:15:56.787462+00:00", "decision": "NO-SHIP", "failed_steps": ["gate-fast"], "ok": false, "selected_python": "/usr/bin/python3", "step_count": 3}"#;
        let head = RowHead::parse(line).unwrap();
        assert!(!head.ship());
        assert_eq!(head.branch, None);
        assert_eq!(head.failed_steps, vec!["gate-fast"]);
        let row: EventRow = serde_json::from_str(line).unwrap();
        assert_eq!(row.gate(GateKind::Fast), Some(true));
        assert_eq!(row.gate(GateKind::Doctor), Some(false));
    }

    #[test]
    fn rows_without_a_decision_or_not_objects_are_rejected() {
        assert!(RowHead::parse(r#"{"captured_at": "x"}"#).is_err());
        assert!(RowHead::parse("[1, 2]").is_err());
        assert!(RowHead::parse(r#"{"decision": "SHIP""#).is_err());
    }

    #[test]
    fn sdetkit_rows_use_steps_and_a_missing_gate_did_not_run() {
        let row: EventRow = serde_json::from_str(r#"{"branch":"main","captured_at":"2026-11-25T14:15:56Z","decision":"SHIP","run_id":"r1","steps":[{"name":"gate-fast","status":"passed","duration_ms":5},{"name":"gate-release","status":"failed"}]}"#).unwrap();
        assert_eq!(row.gate(GateKind::Fast), Some(false));
        assert_eq!(row.gate(GateKind::Release), Some(true));
        assert_eq!(row.gate(GateKind::Doctor), None);
    }
}

//! The rollup of the event log, built in ONE streaming pass: all-time counts (the v1 learning
//! rollup), the last runs (v1 weekly trend), and per-branch time windows and recent runs (the
//! threshold and the follow-up). Memory is bounded by the number of branches, not of rows.

use std::collections::{BTreeMap, VecDeque};

use jiff::Timestamp;
use serde_json::Value;

use super::counter::Counter;
use super::window::{Tally, Window};
use crate::artifacts::eventlog::{EventLog, Outcome, Row, RowFold, RowHead};
use crate::artifacts::learning::{
    LearningRollup, ROLLUP_SCHEMA, Reviewer, RollupSummary, StepCount,
};
use crate::error::Result;

/// The v1 "weekly" trend: the last 7 runs.
pub const LAST_RUNS: usize = 7;

/// The lane of a rehearsal, which a branch is not judged by.
pub const REHEARSAL: &str = "premerge-fast";

/// One of the last runs of a branch.
#[derive(Debug, Clone)]
pub struct RecentRun {
    /// Position in the log, to merge a branch's rows with branchless ones.
    seq: u64,
    /// How it ended.
    pub outcome: Outcome,
}

/// Per-branch accumulator.
#[derive(Debug, Clone, Default)]
struct BranchRuns {
    total: u64,
    week: Tally,
    month: Tally,
    recent: VecDeque<RecentRun>,
}

impl BranchRuns {
    fn add(&mut self, seq: u64, row: &RowHead, in_week: bool, in_month: bool) {
        self.total += 1;
        let ship = row.ship();
        if in_week {
            self.week.add(ship);
        }
        if in_month {
            self.month.add(ship);
        }
        if self.recent.len() >= LAST_RUNS {
            self.recent.pop_front();
        }
        self.recent.push_back(RecentRun {
            seq,
            outcome: row.outcome(),
        });
    }

    /// Appends the runs of a later part of the log, whose positions start at `offset`.
    fn merge(&mut self, later: BranchRuns, offset: u64) {
        self.total += later.total;
        self.week = self.week.plus(later.week);
        self.month = self.month.plus(later.month);
        for mut run in later.recent {
            run.seq += offset;
            self.recent.push_back(run);
        }
        let excess = self.recent.len().saturating_sub(LAST_RUNS);
        self.recent.drain(..excess);
    }
}

/// Everything derived from one read of the event log.
#[derive(Debug, Clone)]
pub struct Digest {
    /// Valid rows.
    pub total_runs: u64,
    /// Rows with decision SHIP.
    pub ship_runs: u64,
    /// Rows with decision NO-SHIP (other decisions count toward the total only, as in v1).
    pub no_ship_runs: u64,
    /// Lines skipped because they were not valid rows.
    pub corrupt_rows: u64,
    failed: Counter,
    /// The last raw lines, for the v1 trend's verbatim `recent_runs`.
    last_lines: VecDeque<String>,
    branches: BTreeMap<String, BranchRuns>,
    /// Rows without a branch (written by the reference): they count toward every branch.
    unbranched: BranchRuns,
    week: Window,
    month: Window,
}

impl Digest {
    /// Reads `log` once, with windows ending at `now`.
    pub fn read(log: &EventLog, now: Timestamp) -> Result<Digest> {
        let empty = Digest {
            total_runs: 0,
            ship_runs: 0,
            no_ship_runs: 0,
            corrupt_rows: 0,
            failed: Counter::default(),
            last_lines: VecDeque::with_capacity(LAST_RUNS),
            branches: BTreeMap::new(),
            unbranched: BranchRuns::default(),
            week: Window::last_days(now, 7),
            month: Window::last_days(now, 30),
        };
        let (mut digest, corrupt) = log.fold(|| empty.clone())?;
        digest.corrupt_rows = corrupt;
        Ok(digest)
    }

    /// SHIP runs / all runs (0.0 without runs, as in v1).
    pub fn ship_rate(&self) -> f64 {
        rate_or_zero(self.ship_runs, self.total_runs)
    }

    /// The all-time most failed gates (v1 `top_failed_steps`, at most 5).
    pub fn top_failed_steps(&self) -> Vec<(String, u64)> {
        self.failed.top(5)
    }

    /// The last 7 rows of the whole log, verbatim (v1 `recent_runs`).
    pub fn last_rows(&self) -> Vec<Value> {
        self.last_lines
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Runs in the last 7 and 30 days, all branches together.
    pub fn windows(&self) -> (Tally, Tally) {
        self.branches
            .values()
            .chain([&self.unbranched])
            .fold((Tally::default(), Tally::default()), |(w, m), b| {
                (w.plus(b.week), m.plus(b.month))
            })
    }

    /// Branches that have rows of their own, sorted.
    pub fn branch_names(&self) -> impl Iterator<Item = &str> {
        self.branches.keys().map(String::as_str)
    }

    /// The runs of `branch`: its own rows plus every row that names no branch.
    pub fn branch(&self, branch: &str) -> BranchView {
        let own = self.branches.get(branch).cloned().unwrap_or_default();
        let mut recent: Vec<RecentRun> = own
            .recent
            .into_iter()
            .chain(self.unbranched.recent.iter().cloned())
            .collect();
        recent.sort_by_key(|r| r.seq);
        let skip = recent.len().saturating_sub(LAST_RUNS);
        recent.drain(..skip);
        BranchView {
            total_runs: own.total + self.unbranched.total,
            week: own.week.plus(self.unbranched.week),
            month: own.month.plus(self.unbranched.month),
            recent,
        }
    }

    /// The learning rollup (v1 fields, plus `corrupt_rows`).
    pub fn learning_rollup(&self, generated_at: &str) -> LearningRollup {
        LearningRollup {
            schema_version: ROLLUP_SCHEMA.to_string(),
            generated_at: generated_at.to_string(),
            summary: RollupSummary {
                total_runs: self.total_runs,
                ship_runs: self.ship_runs,
                no_ship_runs: self.no_ship_runs,
                ship_rate: self.ship_rate(),
                corrupt_rows: self.corrupt_rows,
                top_failed_steps: self
                    .top_failed_steps()
                    .into_iter()
                    .map(|(step, count)| StepCount { step, count })
                    .collect(),
            },
            adaptive_reviewer: Reviewer {
                mode: "parallel-learning".to_string(),
                actions: self
                    .reviewer_actions()
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            },
        }
    }

    /// The reference's fixed adaptive-reviewer actions (all-time counts, as in v1).
    pub fn reviewer_actions(&self) -> Vec<&'static str> {
        let failed = |step: &str| self.failed.get(step) > 0;
        let mut actions = Vec::new();
        if failed("gate-fast") {
            actions.push("Prioritize adaptive reviewer probes on fast-gate blockers and map contradictions to failing signals.");
        }
        if failed("gate-release") {
            actions.push("Strengthen release-readiness adaptive checks and enforce pre-merge review recommendations.");
        }
        if self.ship_rate() < 0.5 {
            actions.push(
                "Increase adaptive reviewer cadence (daily) until SHIP rate stabilizes above 50%.",
            );
        }
        if actions.is_empty() {
            actions.push("Maintain weekly adaptive reviewer refresh and drift monitoring.");
        }
        actions
    }
}

impl RowFold for Digest {
    fn add(&mut self, full: &Row) -> Result<(), String> {
        let line = full.line();
        let row = &full.head;
        let seq = self.total_runs;
        self.total_runs += 1;
        match row.outcome() {
            Outcome::Ship => self.ship_runs += 1,
            Outcome::NoShip => self.no_ship_runs += 1,
            Outcome::Other => {}
        }
        row.failed_steps.iter().for_each(|s| self.failed.add(s));
        let at = row.captured_at.as_deref().unwrap_or("");
        let (in_week, in_month) = (self.week.contains(at), self.month.contains(at));
        // A rehearsal (`premerge --fast`) is recorded, but a branch is not judged by it: it
        // does not count toward the threshold, the recurring failures or the windows.
        if full.lane().as_deref() != Some(REHEARSAL) {
            let runs = match &row.branch {
                None => &mut self.unbranched,
                Some(name) => match self.branches.get_mut(name.as_ref()) {
                    Some(runs) => runs,
                    None => self.branches.entry(name.to_string()).or_default(),
                },
            };
            runs.add(seq, row, in_week, in_month);
        }
        let mut kept = match self.last_lines.len() >= LAST_RUNS {
            true => self.last_lines.pop_front().expect("the ring is full"),
            false => String::new(),
        };
        line.trim_end().clone_into(&mut kept);
        self.last_lines.push_back(kept);
        Ok(())
    }

    fn merge(&mut self, later: Digest) {
        let offset = self.total_runs;
        self.total_runs += later.total_runs;
        self.ship_runs += later.ship_runs;
        self.no_ship_runs += later.no_ship_runs;
        self.failed.merge(later.failed);
        self.last_lines.extend(later.last_lines);
        let excess = self.last_lines.len().saturating_sub(LAST_RUNS);
        self.last_lines.drain(..excess);
        for (name, runs) in later.branches {
            self.branches.entry(name).or_default().merge(runs, offset);
        }
        self.unbranched.merge(later.unbranched, offset);
    }
}

/// `part / whole`, 0.0 when there is nothing (the v1 convention for these fields).
pub fn rate_or_zero(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The runs of one branch (own rows plus branchless rows), oldest first.
#[derive(Debug, Clone)]
pub struct BranchView {
    /// All-time runs.
    pub total_runs: u64,
    /// Runs in the last 7 days.
    pub week: Tally,
    /// Runs in the last 30 days.
    pub month: Tally,
    /// The last runs (at most [`LAST_RUNS`]), oldest first.
    pub recent: Vec<RecentRun>,
}

impl BranchView {
    /// The last 7 runs, oldest first.
    pub fn last_runs(&self) -> &[RecentRun] {
        &self.recent[self.recent.len().saturating_sub(LAST_RUNS)..]
    }

    /// SHIP share of the last 7 runs (v1 `ship_rate_last_7`; 0.0 without runs).
    pub fn ship_rate_last_7(&self) -> f64 {
        let last = self.last_runs();
        let ship = last.iter().filter(|r| r.outcome == Outcome::Ship).count();
        rate_or_zero(ship as u64, last.len() as u64)
    }

    /// Trailing NO-SHIP runs among the last 7 (v1 `consecutive_no_ship`, at most 7).
    pub fn consecutive_no_ship(&self) -> u64 {
        let last = self.last_runs();
        last.iter()
            .rev()
            .take_while(|r| r.outcome == Outcome::NoShip)
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Write;

    fn digest(lines: &[&str]) -> Digest {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        let log = EventLog::at(dir.path());
        std::fs::create_dir_all(log.path().parent().unwrap()).unwrap();
        std::fs::rename(&path, log.path()).unwrap();
        Digest::read(&log, "2026-11-25T12:00:00Z".parse().unwrap()).unwrap()
    }

    fn row(decision: &str, branch: Option<&str>, at: &str, failed: &[&str]) -> String {
        let mut v = json!({"captured_at": at, "decision": decision, "failed_steps": failed});
        if let Some(b) = branch {
            v["branch"] = json!(b);
        }
        v.to_string()
    }

    #[test]
    fn branchless_rows_count_for_every_branch_in_log_order() {
        let lines = [
            row("SHIP", Some("main"), "2026-11-24T00:00:00+00:00", &[]),
            row("NO-SHIP", None, "2026-11-01T00:00:00+00:00", &["doctor"]),
            row(
                "NO-SHIP",
                Some("dev"),
                "2026-11-24T00:00:00+00:00",
                &["gate-fast"],
            ),
            row(
                "NO-SHIP",
                Some("main"),
                "2026-10-01T00:00:00+00:00",
                &["gate-fast"],
            ),
        ];
        let d = digest(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((d.total_runs, d.ship_runs, d.no_ship_runs), (4, 1, 3));
        let main = d.branch("main");
        assert_eq!(main.total_runs, 3);
        assert_eq!(
            main.week,
            Tally {
                runs: 1,
                ship_runs: 1
            }
        );
        assert_eq!(
            main.month,
            Tally {
                runs: 2,
                ship_runs: 1
            }
        );
        assert_eq!(main.consecutive_no_ship(), 2);
        let other = d.branch("feature");
        assert_eq!(other.total_runs, 1);
        assert_eq!(other.week.rate(), None);
        assert_eq!(d.branch_names().collect::<Vec<_>>(), vec!["dev", "main"]);
    }

    #[test]
    fn corrupt_lines_are_counted_and_the_last_rows_kept_verbatim() {
        let lines: Vec<String> = (0..9)
            .map(|i| row(if i % 2 == 0 { "SHIP" } else { "NO-SHIP" }, None, "x", &[]))
            .chain(["{not json".to_string()])
            .collect();
        let d = digest(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(d.corrupt_rows, 1);
        assert_eq!(d.total_runs, 9);
        assert_eq!(d.last_rows().len(), 7);
        let rollup = d.learning_rollup("t");
        assert_eq!(rollup.summary.corrupt_rows, 1);
        assert_eq!(rollup.summary.ship_rate, 5.0 / 9.0);
    }

    #[test]
    fn a_log_read_in_two_halves_gives_the_sequential_answer() {
        let pad = "x".repeat(400);
        let lines: Vec<String> = (0..12000)
            .map(|i| {
                let ship = i % 3 == 0;
                let mut v = json!({
                    "i": i, "pad": pad,
                    "captured_at": "2026-11-25T00:00:00+00:00",
                    "decision": if ship { "SHIP" } else { "NO-SHIP" },
                    "failed_steps": if ship { vec![] } else { vec!["gate-fast"] },
                });
                if i % 2 == 0 {
                    v["branch"] = json!("a");
                }
                v.to_string()
            })
            .collect();
        let d = digest(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            (d.total_runs, d.ship_runs, d.no_ship_runs),
            (12000, 4000, 8000)
        );
        assert_eq!(d.top_failed_steps(), vec![("gate-fast".into(), 8000)]);
        let last: Vec<u64> = d
            .last_rows()
            .iter()
            .map(|r| r["i"].as_u64().unwrap())
            .collect();
        assert_eq!(last, (11993..12000).collect::<Vec<u64>>());
        let a = d.branch("a");
        assert_eq!(a.total_runs, 12000);
        assert_eq!(a.consecutive_no_ship(), 2);
        assert_eq!(d.branch("b").total_runs, 6000);
    }
}

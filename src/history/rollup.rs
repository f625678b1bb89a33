//! The rollup of the event log, built in ONE streaming pass: all-time counts (the v1 learning
//! rollup), the last runs (v1 weekly trend), and per-branch time windows and recent runs (the
//! threshold and the follow-up). Memory is bounded by the number of branches, not of rows.

use std::collections::{BTreeMap, VecDeque};
use std::ops::ControlFlow;
use std::path::Path;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::counter::Counter;
use super::tail::{Hour, Tail, hour_of};
use super::window::{Tally, Window};
use crate::artifacts::eventlog::{EventLog, Outcome, Row, RowFold, RowHead};
use crate::artifacts::jsonl::Checkpoint;
use crate::artifacts::learning::checkpoint;
use crate::artifacts::learning::{
    LearningRollup, ROLLUP_SCHEMA, Reviewer, RollupSummary, StepCount,
};
use crate::error::Result;

/// The v1 "weekly" trend: the last 7 runs.
pub const LAST_RUNS: usize = 7;

/// The lane of a rehearsal, which a branch is not judged by.
pub const REHEARSAL: &str = "premerge-fast";

/// One of the last runs of a branch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecentRun {
    /// Position in the log, to merge a branch's rows with branchless ones.
    seq: u64,
    /// How it ended.
    pub outcome: Outcome,
}

/// Per-branch accumulator.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

    /// Adds `runs` to the week's window (`week`) or the month's.
    fn count(&mut self, week: bool, runs: Tally) {
        let window = if week {
            &mut self.week
        } else {
            &mut self.month
        };
        *window = window.plus(runs);
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

/// Everything derived from one read of the event log. The all-time sums resume from a
/// checkpoint; the windows (`week`, `month`) are counted afresh each time from the log's tail.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Every dated row is no older than the rows before it: the windows can then be read
    /// backwards from the end, stopping at the first row older than 30 days.
    ordered: bool,
    /// The first and the latest `captured_at` of the rows read.
    first_at: Option<Timestamp>,
    latest_at: Option<Timestamp>,
    /// The last 30 days hour by hour, as of the checkpoint (only for a log in time order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tail: Option<Tail>,
    /// The hours of the rows this read folded.
    #[serde(skip)]
    fresh: BTreeMap<i64, Hour>,
    #[serde(skip)]
    week: Window,
    #[serde(skip)]
    month: Window,
}

impl Digest {
    fn empty(week: Window, month: Window) -> Digest {
        Digest {
            total_runs: 0,
            ship_runs: 0,
            no_ship_runs: 0,
            corrupt_rows: 0,
            failed: Counter::default(),
            last_lines: VecDeque::with_capacity(LAST_RUNS),
            branches: BTreeMap::new(),
            unbranched: BranchRuns::default(),
            ordered: true,
            first_at: None,
            latest_at: None,
            tail: None,
            fresh: BTreeMap::new(),
            week,
            month,
        }
    }

    /// Reads the whole of `log` once, with windows ending at `now`.
    pub fn read(log: &EventLog, now: Timestamp) -> Result<Digest> {
        let empty = Digest::empty(Window::last_days(now, 7), Window::last_days(now, 30));
        let (mut digest, corrupt) = log.fold(|| empty.clone())?;
        digest.corrupt_rows = corrupt;
        Ok(digest)
    }

    /// The same as [`Digest::read`], reading only what the log gained since the checkpoint
    /// under `out` (the all-time sums resume exactly; a missing, unreadable or stale
    /// checkpoint means a full read) plus its last 30 days, backwards, for the windows.
    /// Returns the next checkpoint's `(path, bytes)` too, for the lane to write with its other
    /// artifacts (views leave it alone: they write nothing).
    pub fn resume(
        log: &EventLog,
        out: &Path,
        now: Timestamp,
    ) -> Result<(Digest, crate::artifacts::Entry)> {
        let doc = checkpoint::<Digest>();
        let saved = doc.read(out).ok().flatten();
        let never = || Digest::empty(Window::default(), Window::default());
        let folded = log.fold_from(saved.as_ref().map(|c| c.mark), never)?;
        let (mut digest, start) = match saved {
            Some(c) if folded.resumed => (c.tally, Some(c.mark.offset)),
            _ => (never(), None),
        };
        digest.corrupt_rows += folded.corrupt;
        digest.merge(folded.fold);
        // The new rows' hours join the saved ones; after a full read they are rebuilt.
        let fresh = std::mem::take(&mut digest.fresh);
        let tail = digest
            .tail
            .take()
            .zip(start)
            .map(|(tail, start)| tail.extended(fresh, start));
        let mut next = Checkpoint {
            mark: folded.mark,
            tally: digest.clone(),
        };
        next.tally.tail = digest.count_windows(log, now, tail)?;
        Ok((digest, doc.compact_entry(out, &next)))
    }

    /// Counts the last 7 and 30 days of `log` into the branches' windows and returns the
    /// hours to keep for the next run. A log in time order (rows are appended as runs end,
    /// pulled rows merged in by time) is counted from `tail` when it reaches back far
    /// enough, else read backwards from the end to the hour the 30 days start in; any other
    /// log is read whole, and keeps no tail.
    fn count_windows(
        &mut self,
        log: &EventLog,
        now: Timestamp,
        tail: Option<Tail>,
    ) -> Result<Option<Tail>> {
        let (week, month) = (Window::last_days(now, 7), Window::last_days(now, 30));
        let first_hour = hour_of(month.cutoff());
        let tail = match tail.filter(|t| self.ordered && t.from_hour <= first_hour) {
            Some(tail) => {
                self.count_from(log, &tail, &week, &month)?;
                Some(tail.from(first_hour))
            }
            None if self.ordered => Some(self.count_backwards(log, &week, &month)?),
            None => {
                self.count_all(log, &week, &month)?;
                None
            }
        };
        self.week = week;
        self.month = month;
        Ok(tail)
    }

    /// Counts the windows from whole hours of `tail`, and the hour each window starts in
    /// from the log.
    fn count_from(
        &mut self,
        log: &EventLog,
        tail: &Tail,
        week: &Window,
        month: &Window,
    ) -> Result<()> {
        for (window, is_week) in [(week, true), (month, false)] {
            let first = hour_of(window.cutoff());
            for hour in tail.hours.range(first + 1..).map(|(_, h)| h) {
                self.unbranched.count(is_week, hour.unbranched);
                for (branch, tally) in &hour.branches {
                    self.runs_of(Some(branch)).count(is_week, *tally);
                }
            }
            let Some(edge) = tail.hours.get(&first) else {
                continue;
            };
            log.scan_from(edge.offset, |row| {
                let Some((at, t)) = dated(row) else {
                    return ControlFlow::Continue(());
                };
                match hour_of(t).cmp(&first) {
                    std::cmp::Ordering::Less => ControlFlow::Continue(()),
                    std::cmp::Ordering::Greater => ControlFlow::Break(()),
                    std::cmp::Ordering::Equal => {
                        if counts(row) && window.contains(at) {
                            let branch = row.head.branch.as_deref();
                            self.runs_of(branch).count(is_week, one(row));
                        }
                        ControlFlow::Continue(())
                    }
                }
            })?;
        }
        Ok(())
    }

    /// Reads the log backwards to the hour the 30 days start in, counting the windows and
    /// gathering the hours (with where each starts) for the next run.
    fn count_backwards(&mut self, log: &EventLog, week: &Window, month: &Window) -> Result<Tail> {
        let first = hour_of(month.cutoff());
        let mut tail = Tail {
            from_hour: first,
            hours: BTreeMap::new(),
        };
        log.rev_scan(|offset, row| {
            let Some((at, t)) = dated(row) else {
                return ControlFlow::Continue(());
            };
            let hour = hour_of(t);
            if hour < first {
                return ControlFlow::Break(());
            }
            if counts(row) {
                let branch = row.head.branch.as_deref();
                let bucket = tail.hours.entry(hour).or_default();
                bucket.add(branch, row.head.ship());
                bucket.offset = offset;
                self.count_in(row, at, [week, month]);
            }
            ControlFlow::Continue(())
        })?;
        Ok(tail)
    }

    /// Reads the whole log (not in time order) to count the windows.
    fn count_all(&mut self, log: &EventLog, week: &Window, month: &Window) -> Result<()> {
        log.scan(|row| {
            if let Some((at, _)) = dated(row).filter(|_| counts(row)) {
                self.count_in(row, at, [week, month]);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Counts `row`, captured `at`, into each of the week's and the month's windows it is in.
    fn count_in(&mut self, row: &Row, at: &str, [week, month]: [&Window; 2]) {
        for (window, is_week) in [(week, true), (month, false)] {
            if window.contains(at) {
                self.runs_of(row.head.branch.as_deref())
                    .count(is_week, one(row));
            }
        }
    }

    /// The runs of `branch` (`None`: rows that name none).
    fn runs_of(&mut self, branch: Option<&str>) -> &mut BranchRuns {
        match branch {
            None => &mut self.unbranched,
            Some(name) => crate::maps::entry(&mut self.branches, name, BranchRuns::default),
        }
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
    fn reviewer_actions(&self) -> Vec<&'static str> {
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
        let time = crate::clock::parse(at);
        if let Some(t) = time {
            self.ordered &= self.latest_at.is_none_or(|latest| t >= latest);
            self.first_at.get_or_insert(t);
            self.latest_at = self.latest_at.max(Some(t));
        }
        let (in_week, in_month) = (self.week.contains(at), self.month.contains(at));
        // A rehearsal (`premerge --rehearsal`) is recorded, but a branch is not judged by it: it
        // does not count toward the threshold, the recurring failures or the windows.
        if counts(full) {
            if let Some(t) = time {
                let hour = self.fresh.entry(hour_of(t)).or_default();
                hour.add(row.branch.as_deref(), row.ship());
            }
            self.runs_of(row.branch.as_deref())
                .add(seq, row, in_week, in_month);
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
        let in_order = match (self.latest_at, later.first_at) {
            (Some(before), Some(after)) => after >= before,
            _ => true,
        };
        self.ordered = self.ordered && later.ordered && in_order;
        self.first_at = self.first_at.or(later.first_at);
        self.latest_at = self.latest_at.max(later.latest_at);
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
        for (hour, runs) in later.fresh {
            self.fresh.entry(hour).or_default().absorb(&runs);
        }
    }
}

/// A row's `captured_at` as written and as a time, when it has one that parses.
fn dated<'r>(row: &'r Row) -> Option<(&'r str, Timestamp)> {
    let at = row.head.captured_at.as_deref()?;
    Some((at, crate::clock::parse(at)?))
}

/// Whether a row counts toward the windows: a rehearsal (`premerge --rehearsal`) is
/// recorded, but a branch is not judged by it.
fn counts(row: &Row) -> bool {
    row.lane().as_deref() != Some(REHEARSAL)
}

/// One row as a tally.
fn one(row: &Row) -> Tally {
    let mut tally = Tally::default();
    tally.add(row.head.ship());
    tally
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

    /// A digest's figures, for comparing two reads.
    fn figures(d: &Digest) -> String {
        let main = d.branch("main");
        let dev = d.branch("dev");
        format!(
            "{} {} {} {} {:?} {:?} {:?} {} {:?} {:?} {:?}",
            d.total_runs,
            d.ship_runs,
            d.no_ship_runs,
            d.corrupt_rows,
            d.top_failed_steps(),
            d.windows(),
            d.last_rows(),
            main.total_runs,
            main.recent
                .iter()
                .map(|r| (r.seq, r.outcome))
                .collect::<Vec<_>>(),
            (main.week, main.month),
            (dev.week, dev.month),
        )
    }

    /// A temporary out-dir with the event log's directory, and its log.
    fn empty_log() -> (tempfile::TempDir, EventLog) {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::at(dir.path());
        std::fs::create_dir_all(log.path().parent().unwrap()).unwrap();
        (dir, log)
    }

    #[test]
    fn resuming_from_the_checkpoint_equals_a_full_read_and_a_replaced_log_is_read_again() {
        let (dir, log) = empty_log();
        let out = dir.path();
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let row = |day: u32, ship: bool, branch: &str| {
            let failed = if ship { "[]" } else { r#"["gate-fast"]"# };
            let decision = if ship { "SHIP" } else { "NO-SHIP" };
            format!(
                r#"{{"branch":"{branch}","captured_at":"2026-{:02}-{:02}T10:00:00Z","decision":"{decision}","failed_steps":{failed},"run_id":"r{day}"}}"#,
                9 + day / 28,
                1 + day % 28
            )
        };
        // As a lane does: resume, then write the checkpoint with the other artifacts.
        let resume = || {
            let (digest, entry) = Digest::resume(&log, out, now).unwrap();
            crate::artifacts::write_all(&[entry]).unwrap();
            digest
        };
        let mut text: String = (0..60).map(|d| row(d, d % 3 != 0, "main") + "\n").collect();
        std::fs::write(log.path(), &text).unwrap();
        let first = resume();
        assert_eq!(figures(&first), figures(&Digest::read(&log, now).unwrap()));
        // Appended rows (and a corrupt line): the resume reads only them.
        for d in 60..75 {
            text.push_str(&(row(d, d % 4 != 0, if d % 2 == 0 { "main" } else { "dev" }) + "\n"));
        }
        text.push_str("not json\n");
        std::fs::write(log.path(), &text).unwrap();
        let resumed = resume();
        assert_eq!(
            figures(&resumed),
            figures(&Digest::read(&log, now).unwrap())
        );
        // A log replaced by another file (a pulled merge, an editor), even of the same length
        // and the same last bytes: a full read, not a resume on a stale checkpoint.
        let edited = text.replacen("\"decision\":\"SHIP\"", "\"decision\":\"XXXX\"", 1);
        assert_eq!(edited.len(), text.len());
        let tmp = out.join("replacement");
        std::fs::write(&tmp, &edited).unwrap();
        std::fs::rename(&tmp, log.path()).unwrap();
        let after = resume();
        assert_eq!(figures(&after), figures(&Digest::read(&log, now).unwrap()));
        assert_ne!(figures(&after), figures(&resumed));
    }

    #[test]
    fn windows_from_the_saved_hours_equal_a_full_read_as_time_moves_on() {
        let (dir, log) = empty_log();
        let out = dir.path();
        let start: Timestamp = "2026-10-10T00:07:00Z".parse().unwrap();
        let at = |i: i64| {
            start
                .checked_add(jiff::SignedDuration::from_mins(20 * i))
                .unwrap()
        };
        // Three branches, rows that name none, rehearsals that do not count, and a SHIP
        // pattern that is not periodic in hours.
        let row = |i: i64| {
            let ship = (i * 7) % 11 > 3;
            let decision = if ship { "SHIP" } else { "NO-SHIP" };
            let branch = match i % 4 {
                0 => String::new(),
                1 => r#""branch":"main","#.to_string(),
                2 => r#""branch":"dev","#.to_string(),
                _ => r#""branch":"release","#.to_string(),
            };
            let lane = if i % 13 == 0 {
                "premerge-fast"
            } else {
                "daily"
            };
            format!(
                "{{{branch}\"captured_at\":\"{}\",\"decision\":\"{decision}\",\"lane\":\"{lane}\"}}\n",
                crate::clock::iso(at(i))
            )
        };
        let mut text: String = (0..2000).map(row).collect();
        let mut next = 2000;
        for step in 0..12 {
            if step % 3 != 2 {
                text.extend((next..next + 150).map(row));
                next += 150;
            }
            std::fs::write(log.path(), &text).unwrap();
            // A cutoff inside an hour, and moving on when no row was added.
            let now = at(next)
                .checked_add(jiff::SignedDuration::from_mins(37 + 61 * step))
                .unwrap();
            let (digest, entry) = Digest::resume(&log, out, now).unwrap();
            crate::artifacts::write_all(&[entry]).unwrap();
            assert_eq!(
                figures(&digest),
                figures(&Digest::read(&log, now).unwrap()),
                "step {step}"
            );
            assert!(digest.windows().1.runs > 1000, "the month holds runs");
            let saved = checkpoint::<Digest>().read(out).unwrap().unwrap();
            let tail = saved.tally.tail.expect("an ordered log keeps its hours");
            assert_eq!(tail.from_hour, hour_of(now) - 30 * 24);
        }
    }
}

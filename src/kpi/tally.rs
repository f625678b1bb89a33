//! The KPI counts of the horizon, gathered as runs stream past in time order, so that memory
//! is bounded by the number of windows and branches, not by the runs in them. The horizon is
//! cut into cells at every window boundary (the 8 weekly windows and the 30-day one); a
//! window's counts are the sum of its cells. The 7- and 30-day windows also list the ids they
//! counted: the newest [`MAX_IDS`] of each, kept in a ring as the runs go by.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use jiff::Timestamp;

use super::window::{self, Span};
use crate::artifacts::weekly::MAX_IDS;
use crate::history::run::{GateOutcome, Run};

/// The run-based rates, in report order (the KPIs after `mean_time_to_green` are not
/// counted per run).
pub const RATES: [&str; 5] = [
    "ship_rate",
    "gate_fast_failure_rate",
    "gate_release_failure_rate",
    "doctor_failure_rate",
    "evidence_pack_coverage",
];

/// Runs and red streaks counted in one cell or window.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Runs.
    pub runs: u64,
    /// Steps the step cache stood in for.
    pub cached_steps: u64,
    /// Per [`RATES`] entry: runs where it is defined, and runs where it hit.
    pub rates: [(u64, u64); 5],
    /// Red streaks that closed, and their summed length in seconds.
    pub streaks: (u64, u64),
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.runs += other.runs;
        self.cached_steps += other.cached_steps;
        for (mine, theirs) in self.rates.iter_mut().zip(other.rates) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        self.streaks.0 += other.streaks.0;
        self.streaks.1 += other.streaks.1;
    }
}

/// The newest [`MAX_IDS`] ids of a sequence, each with its place in the stream.
#[derive(Debug, Default, Clone)]
pub struct Ring {
    /// Shared with every other ring the run is listed in: one allocation per run, not one per
    /// KPI and window.
    kept: VecDeque<(u64, Rc<str>)>,
    dropped: u64,
}

impl Ring {
    /// Adds `id`, the `seq`-th of the stream (later than every id already in).
    pub(crate) fn push(&mut self, seq: u64, id: &Rc<str>) {
        if self.kept.len() == MAX_IDS {
            self.kept.pop_front();
            self.dropped += 1;
        }
        self.kept.push_back((seq, Rc::clone(id)));
    }

    /// The union of two rings, newest [`MAX_IDS`] kept.
    fn merged(&self, other: &Ring) -> Ring {
        let mut all: Vec<&(u64, Rc<str>)> = self.kept.iter().chain(&other.kept).collect();
        all.sort_by_key(|(seq, _)| *seq);
        let over = all.len().saturating_sub(MAX_IDS);
        Ring {
            kept: all[over..].iter().map(|e| (*e).clone()).collect(),
            dropped: self.dropped + other.dropped + over as u64,
        }
    }

    /// The ids, oldest first, and how many older ones were left out.
    pub fn ids(&self) -> (Vec<String>, u64) {
        let ids = self.kept.iter().map(|(_, id)| id.to_string()).collect();
        (ids, self.dropped)
    }
}

/// What one KPI counted in a listed window: the ids it counted and those that hit.
#[derive(Debug, Default, Clone)]
pub struct Listed {
    /// Counted.
    pub ids: Ring,
    /// Hit (the numerator).
    pub hits: Ring,
}

/// The ids of one listed window: per [`RATES`] entry, then the closed red streaks.
#[derive(Debug, Default, Clone)]
pub struct Lists {
    /// Per [`RATES`] entry.
    pub rates: [Listed; 5],
    /// The SHIP runs that closed a red streak.
    pub streaks: Listed,
}

impl Lists {
    fn merged(&self, other: &Lists) -> Lists {
        let pair = |a: &Listed, b: &Listed| Listed {
            ids: a.ids.merged(&b.ids),
            hits: a.hits.merged(&b.hits),
        };
        Lists {
            rates: std::array::from_fn(|i| pair(&self.rates[i], &other.rates[i])),
            streaks: pair(&self.streaks, &other.streaks),
        }
    }
}

/// One scope's counts: overall, a branch, or the branchless (reference) rows.
#[derive(Debug, Clone)]
pub struct Scope {
    cells: Vec<Counts>,
    /// Per [`window::WINDOWS`] window.
    lists: [Lists; 2],
}

/// One run as a scope counts it.
struct Seen<'a> {
    cell: usize,
    run: &'a Run,
    /// Per [`RATES`] entry: `None` where it is not defined, else whether it hit.
    outcomes: [Option<bool>; 5],
    id: &'a Rc<str>,
    seq: u64,
}

/// The cell grid of a horizon: its boundaries, oldest first.
#[derive(Debug, Clone)]
pub struct Grid {
    bounds: Vec<Timestamp>,
    listed: [Span; 2],
}

impl Grid {
    /// The cells of the windows ending at `as_of`.
    pub fn new(as_of: Timestamp) -> Grid {
        let listed = window::WINDOWS.map(|(_, days)| Span::days_before(as_of, days));
        let mut bounds: Vec<Timestamp> = window::weekly_series(as_of)
            .iter()
            .map(|s| s.start)
            .chain(listed.iter().map(|s| s.start))
            .collect();
        bounds.push(as_of);
        bounds.sort();
        bounds.dedup();
        Grid { bounds, listed }
    }

    /// The cell `at` falls in, if inside the horizon.
    fn cell(&self, at: Timestamp) -> Option<usize> {
        let i = self.bounds.partition_point(|b| *b < at);
        (i > 0 && i < self.bounds.len()).then(|| i - 1)
    }

    /// The cells `span` covers (its ends are boundaries of the grid).
    fn cells(&self, span: Span) -> std::ops::Range<usize> {
        let from = self.bounds.partition_point(|b| *b < span.start);
        let to = self.bounds.partition_point(|b| *b < span.end);
        from..to
    }

    /// The listed windows `at` falls in.
    fn listed(&self, at: Timestamp) -> impl Iterator<Item = usize> + '_ {
        (0..self.listed.len()).filter(move |&w| self.listed[w].contains(at))
    }

    /// Which listed window `span` is, if any.
    pub fn listed_index(&self, span: Span) -> Option<usize> {
        self.listed.iter().position(|s| *s == span)
    }
}

impl Scope {
    fn new(grid: &Grid) -> Scope {
        Scope {
            cells: vec![Counts::default(); grid.bounds.len() - 1],
            lists: Default::default(),
        }
    }

    /// The counts of `span`.
    pub fn counts(&self, grid: &Grid, span: Span) -> Counts {
        let mut sum = Counts::default();
        self.cells[grid.cells(span)].iter().for_each(|c| sum.add(c));
        sum
    }

    /// The ids of listed window `window`.
    pub fn lists(&self, window: usize) -> &Lists {
        &self.lists[window]
    }

    fn merged(&self, other: &Scope) -> Scope {
        let mut cells = self.cells.clone();
        cells
            .iter_mut()
            .zip(&other.cells)
            .for_each(|(c, o)| c.add(o));
        Scope {
            cells,
            lists: std::array::from_fn(|w| self.lists[w].merged(&other.lists[w])),
        }
    }

    fn observe(&mut self, grid: &Grid, seen: &Seen) {
        let counts = &mut self.cells[seen.cell];
        counts.runs += 1;
        counts.cached_steps += seen.run.cached_steps;
        for (count, outcome) in counts.rates.iter_mut().zip(&seen.outcomes) {
            if let Some(hit) = outcome {
                count.0 += 1;
                count.1 += u64::from(*hit);
            }
        }
        for w in grid.listed(seen.run.at) {
            for (listed, outcome) in self.lists[w].rates.iter_mut().zip(&seen.outcomes) {
                if let Some(hit) = outcome {
                    listed.ids.push(seen.seq, seen.id);
                    if *hit {
                        listed.hits.push(seen.seq, seen.id);
                    }
                }
            }
        }
    }

    fn closed(
        &mut self,
        grid: &Grid,
        cell: usize,
        end: Timestamp,
        seconds: u64,
        id: &Rc<str>,
        seq: u64,
    ) {
        let streaks = &mut self.cells[cell].streaks;
        streaks.0 += 1;
        streaks.1 += seconds;
        for w in grid.listed(end) {
            let listed = &mut self.lists[w].streaks;
            listed.ids.push(seq, id);
            listed.hits.push(seq, id);
        }
    }
}

/// The counts of every scope, fed with the horizon's runs in time order.
#[derive(Debug, Clone)]
pub struct Tally {
    /// The cells.
    pub grid: Grid,
    overall: Scope,
    /// Rows without a branch (reference rows), which count toward every branch.
    branchless: Scope,
    branches: BTreeMap<String, Scope>,
}

impl Tally {
    /// An empty tally for the windows ending at `as_of`.
    pub fn new(as_of: Timestamp) -> Tally {
        let grid = Grid::new(as_of);
        Tally {
            overall: Scope::new(&grid),
            branchless: Scope::new(&grid),
            branches: BTreeMap::new(),
            grid,
        }
    }

    /// Counts `run`, the `seq`-th of the stream, whose id is `id`; `covered` says whether it
    /// has a verified evidence pack.
    pub fn observe(&mut self, run: &Run, id: &Rc<str>, covered: bool, seq: u64) {
        let Some(cell) = self.grid.cell(run.at) else {
            return;
        };
        let failed = |o: GateOutcome| match o {
            GateOutcome::NotRun => None,
            GateOutcome::Passed => Some(false),
            GateOutcome::Failed => Some(true),
        };
        let seen = Seen {
            cell,
            run,
            outcomes: [
                Some(run.ship),
                failed(run.gates[0]),
                failed(run.gates[1]),
                failed(run.gates[2]),
                Some(covered),
            ],
            id,
            seq,
        };
        self.overall.observe(&self.grid, &seen);
        let scope = match &run.branch {
            None => &mut self.branchless,
            Some(b) => branch_scope(&mut self.branches, &self.grid, b),
        };
        scope.observe(&self.grid, &seen);
    }

    /// Counts a red streak of `branch` (`None`: overall) closed at `end` by run `id`, the
    /// `seq`-th of the stream.
    pub fn closed(
        &mut self,
        branch: Option<&str>,
        start: Timestamp,
        end: Timestamp,
        id: &Rc<str>,
        seq: u64,
    ) {
        let Some(cell) = self.grid.cell(end) else {
            return;
        };
        let seconds = end.duration_since(start).as_secs().max(0) as u64;
        let scope = match branch {
            None => &mut self.overall,
            Some(b) => branch_scope(&mut self.branches, &self.grid, b),
        };
        scope.closed(&self.grid, cell, end, seconds, id, seq);
    }

    /// Ends the stream: every branch takes in the branchless rows.
    pub fn finish(&mut self) {
        for scope in self.branches.values_mut() {
            *scope = scope.merged(&self.branchless);
        }
    }

    /// The branches with runs or closed streaks in the horizon.
    pub fn branches(&self) -> impl Iterator<Item = &str> {
        self.branches.keys().map(String::as_str)
    }

    /// The counts of `branch` (`None`: overall) once [`Tally::finish`]ed: a branch's own runs
    /// and the branchless ones.
    pub fn scope(&self, branch: Option<&str>) -> &Scope {
        match branch {
            None => &self.overall,
            Some(b) => self.branches.get(b).unwrap_or(&self.branchless),
        }
    }
}

/// The scope of `branch`, new when first seen.
fn branch_scope<'a>(
    branches: &'a mut BTreeMap<String, Scope>,
    grid: &Grid,
    branch: &str,
) -> &'a mut Scope {
    crate::maps::entry(branches, branch, || Scope::new(grid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(seqs: impl Iterator<Item = u64>) -> Ring {
        let mut ring = Ring::default();
        seqs.for_each(|s| ring.push(s, &format!("run-{s}").into()));
        ring
    }

    #[test]
    fn a_ring_keeps_the_newest_ids_and_counts_the_rest() {
        let (ids, dropped) = ring(0..MAX_IDS as u64 + 5).ids();
        assert_eq!((ids.len(), dropped), (MAX_IDS, 5));
        assert_eq!(ids[0], "run-5", "the oldest are left out");
    }

    #[test]
    fn merged_rings_keep_the_newest_of_both_in_stream_order() {
        let newer = ring(10..10 + MAX_IDS as u64);
        let older = ring((1..10).step_by(2));
        let (ids, dropped) = newer.merged(&older).ids();
        assert_eq!(ids.len(), MAX_IDS);
        assert_eq!(dropped, 5, "the five older ones are left out");
        assert_eq!(ids[0], "run-10");
        let (ids, _) = ring(0..3).merged(&ring(3..5)).ids();
        assert_eq!(ids, ["run-0", "run-1", "run-2", "run-3", "run-4"]);
    }

    #[test]
    fn a_window_sums_the_cells_it_covers() {
        let as_of: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let mut tally = Tally::new(as_of);
        let hours_ago = |h: i64| {
            as_of
                .checked_sub(jiff::SignedDuration::from_hours(h))
                .unwrap()
        };
        for (seq, h) in [1, 24 * 8, 24 * 29, 24 * 31, 24 * 60]
            .into_iter()
            .enumerate()
        {
            let row = serde_json::json!({
                "captured_at": crate::clock::iso(hours_ago(h)), "decision": "SHIP",
                "run_id": format!("r{seq}"), "branch": "dev",
            });
            let run = Run::of(serde_json::from_value(row).unwrap()).unwrap();
            tally.observe(&run, &run.id.as_str().into(), false, seq as u64);
        }
        tally.finish();
        let runs = |days| {
            tally
                .scope(None)
                .counts(&tally.grid, Span::days_before(as_of, days))
                .runs
        };
        // The run 60 days back is outside the horizon.
        assert_eq!((runs(7), runs(30), runs(56)), (1, 3, 4));
        assert_eq!(
            tally
                .scope(Some("main"))
                .counts(&tally.grid, Span::days_before(as_of, 56))
                .runs,
            0
        );
    }
}

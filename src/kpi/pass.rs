//! The one pass over the event log. Rows inside the trend horizon are parsed in full and
//! kept; older rows are only read far enough to advance the red-streak state (so a streak
//! that opened months ago still has its true start), then dropped: memory is bounded by the
//! horizon, not by the log. The log is append-only, so file order is time order for the old
//! rows; the kept rows are sorted by time.

use std::collections::HashSet;
use std::path::Path;

use jiff::Timestamp;

use super::streaks::{Step, Streaks};
use super::window::{self, Span};
use crate::artifacts::eventlog::{EventLog, Row};
use crate::artifacts::evidence::VERIFIED;
use crate::error::Result;
use crate::history::run::Run;
use crate::history::window::Window;

/// What the pass keeps.
#[derive(Debug, Default)]
pub struct Pass {
    /// Runs inside the horizon, in time order.
    pub runs: Vec<Run>,
    /// Red streaks up to `as_of`; closed ones only when they closed inside the horizon.
    pub streaks: Streaks,
    /// Rows skipped as unreadable.
    pub corrupt_rows: u64,
}

impl Pass {
    /// Streams `log` once, for the horizon ending at `as_of`.
    pub fn read(log: &EventLog, as_of: Timestamp) -> Result<Pass> {
        let horizon = window::horizon(as_of);
        // Second-granularity text prefilter: rows it lets through are parsed and judged exactly.
        let prefilter = Window::last_days(as_of, window::WEEK_DAYS * window::SERIES_LEN as i64);
        // Older runs count for the KPIs and the trend only; their steps, tests and commit
        // (the guidance's, which looks back at most this far) are dropped as they are read.
        let detailed = Span::days_before(as_of, window::FLAKY_DAYS);
        let mut pass = Pass::default();
        pass.corrupt_rows = log.scan(|row| pass.visit(row, &prefilter, horizon, detailed))?;
        pass.runs.sort_by_key(|r| r.at);
        for run in &pass.runs {
            pass.streaks.observe(&Step {
                branch: run.branch.as_deref(),
                at: run.at,
                id: &run.id,
                ship: run.ship,
                keep: true,
            });
        }
        Ok(pass)
    }

    fn visit(
        &mut self,
        row: &Row,
        prefilter: &Window,
        horizon: Span,
        detailed: Span,
    ) -> Result<(), String> {
        let head = &row.head;
        let captured = head.captured_at.as_deref().ok_or("no captured_at")?;
        if prefilter.contains(captured) {
            let mut run = Run::of(row.full()?)?;
            if horizon.contains(run.at) {
                if !detailed.contains(run.at) {
                    run.forget_details();
                }
                self.runs.push(run);
                return Ok(());
            }
            if run.at > horizon.end {
                return Ok(());
            }
        }
        let at = crate::clock::parse(captured).ok_or("unreadable captured_at")?;
        let run_id = row.run_id();
        self.streaks.observe(&Step {
            branch: head.branch.as_deref(),
            at,
            id: run_id.as_deref().unwrap_or(captured),
            ship: head.ship(),
            keep: false,
        });
        Ok(())
    }
}

/// The run ids with a verified evidence pack, and the rows skipped as unreadable.
pub fn verified_runs(out: &Path) -> Result<(HashSet<String>, u64)> {
    let mut ids = HashSet::new();
    let corrupt = VERIFIED.scan(out, |row| {
        ids.insert(row.run_id);
        Ok(())
    })?;
    Ok((ids, corrupt))
}

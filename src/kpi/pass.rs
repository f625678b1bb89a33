//! The one pass over the event log. Rows inside the trend horizon are parsed in full and
//! kept; older rows are only read far enough to advance the red-streak state (so a streak
//! that opened months ago still has its true start), then dropped: memory is bounded by the
//! horizon, not by the log. The log is append-only, so file order is time order for the old
//! rows; the kept rows are sorted by time.

use std::collections::HashSet;
use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;

use super::row::Run;
use super::streaks::{Step, Streaks};
use super::window::{self, Span};
use crate::error::Result;
use crate::history::eventlog::RowView;
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
    pub fn read(log: &Path, as_of: Timestamp) -> Result<Pass> {
        let horizon = window::horizon(as_of);
        // Second-granularity text prefilter: rows it lets through are parsed and judged exactly.
        let prefilter = Window::last_days(as_of, window::WEEK_DAYS * window::SERIES_LEN as i64);
        let mut pass = Pass::default();
        pass.corrupt_rows =
            crate::history::jsonl::scan(log, |line| pass.visit(line, &prefilter, horizon))?;
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

    fn visit(&mut self, line: &str, prefilter: &Window, horizon: Span) -> Result<(), String> {
        let view = RowView::parse(line)?;
        let captured = view.captured_at.as_deref().ok_or("no captured_at")?;
        if prefilter.contains(captured) {
            let run = Run::parse(line)?;
            if horizon.contains(run.at) {
                self.runs.push(run);
                return Ok(());
            }
            if run.at > horizon.end {
                return Ok(());
            }
        }
        let at = crate::clock::parse(captured).ok_or("unreadable captured_at")?;
        let id = quick_run_id(line).unwrap_or(captured);
        self.streaks.observe(&Step {
            branch: view.branch.as_deref(),
            at,
            id,
            ship: view.ship(),
            keep: false,
        });
        Ok(())
    }
}

/// The `run_id` of a plain row without a full parse (ids are plain text); `None` when the
/// row has none or it is escaped.
fn quick_run_id(line: &str) -> Option<&str> {
    let at = memchr::memmem::find(line.as_bytes(), b"\"run_id\":")?;
    let rest = line[at + 9..].trim_start().strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    rest[end..].starts_with('"').then(|| &rest[..end])
}

/// The run ids with a verified evidence pack (`build/evidence/verified-packs.jsonl`), and
/// the rows skipped as unreadable.
pub fn verified_runs(path: &Path) -> Result<(HashSet<String>, u64)> {
    #[derive(Deserialize)]
    struct Verified {
        run_id: String,
    }
    let mut ids = HashSet::new();
    let corrupt = crate::history::jsonl::scan(path, |line| {
        let row: Verified = serde_json::from_str(line).map_err(|e| e.to_string())?;
        ids.insert(row.run_id);
        Ok(())
    })?;
    Ok((ids, corrupt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_read_without_a_full_parse() {
        assert_eq!(
            quick_run_id(r#"{"decision":"SHIP","run_id":"r-1","x":1}"#),
            Some("r-1")
        );
        assert_eq!(quick_run_id(r#"{"run_id": "a\"b"}"#), None);
        assert_eq!(quick_run_id(r#"{"decision":"SHIP"}"#), None);
    }
}

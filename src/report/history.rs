//! Markdown views of the learning loop, for people: the control tower and the weekly trend.
//! The JSON beside each keeps the reference's fields; the pages say only what the history says.

use std::fmt::Write;

use crate::artifacts::learning::{WeeklyTrend, WindowRates};
use crate::history::rollup::Digest;

/// The control tower in Markdown: how many runs, how often SHIP, what fails most.
pub fn control_tower_md(digest: &Digest, generated_at: &str) -> String {
    let mut out = format!(
        "# Control tower

Generated at `{generated_at}`: {} runs recorded, SHIP rate `{:.2}`.
",
        digest.total_runs,
        digest.ship_rate()
    );
    if digest.corrupt_rows > 0 {
        let _ = writeln!(
            out,
            "\n{} corrupt history rows were skipped.",
            digest.corrupt_rows
        );
    }
    let top = digest.top_failed_steps();
    out.push_str("\n## What fails most\n\n");
    if top.is_empty() {
        out.push_str("No failed step recorded.\n");
    } else {
        out.push_str("| step | failed runs |\n|---|---|\n");
        for (step, count) in top {
            let _ = writeln!(out, "| `{step}` | {count} |");
        }
    }
    out
}

/// The weekly trend in Markdown.
pub fn weekly_trend_md(trend: &WeeklyTrend) -> String {
    let s = &trend.summary;
    let mut out = format!(
        "# Weekly trend\n\n- Generated at: `{}`\n- Runs recorded: `{}`\n\
         - SHIP rate over the last 7 runs: `{:.2}`\n",
        trend.generated_at, s.total_runs, s.ship_rate_last_7
    );
    out.push_str(&windows_md(&s.windows));
    out.push_str("\n## Branches\n\n");
    for (name, b) in &trend.branches {
        let _ = writeln!(
            out,
            "- `{name}`: {} runs, SHIP rate over the last 7 `{:.2}`, NO-SHIP in a row `{}`",
            b.total_runs, b.ship_rate_last_7, b.consecutive_no_ship
        );
    }
    out.push_str("\n## Recent runs\n\n");
    if trend.recent_runs.is_empty() {
        out.push_str("- No run history yet.\n");
    }
    for row in &trend.recent_runs {
        let text = |key: &str| row.get(key).and_then(|v| v.as_str()).unwrap_or("?");
        let failed: Vec<&str> = row
            .get("failed_steps")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let _ = writeln!(
            out,
            "- `{}` {}{}",
            text("captured_at"),
            text("decision"),
            if failed.is_empty() {
                String::new()
            } else {
                format!(": `{}` failed", failed.join("`, `"))
            }
        );
    }
    out
}

/// The 7-day and 30-day bullets; an empty window says so instead of showing 0.
fn windows_md(w: &WindowRates) -> String {
    let line = |days: u32, runs: u64, rate: Option<f64>| match rate {
        Some(r) => format!("- {days}-day ship rate: `{r:.2}` over {runs} runs\n"),
        None => format!("- {days}-day ship rate: no runs in the last {days} days\n"),
    };
    line(7, w.runs_7d, w.ship_rate_7d) + &line(30, w.runs_30d, w.ship_rate_30d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_tower_says_what_the_history_says_and_nothing_else() {
        let out = tempfile::tempdir().unwrap();
        let log = crate::artifacts::eventlog::EventLog::at(out.path());
        let digest = Digest::read(&log, "2026-12-04T10:00:00Z".parse().unwrap()).unwrap();
        let page = control_tower_md(&digest, "2026-12-04T10:00:00Z");
        assert_eq!(
            page,
            "# Control tower\n\nGenerated at `2026-12-04T10:00:00Z`: 0 runs recorded, SHIP rate \
             `0.00`.\n\n## What fails most\n\nNo failed step recorded.\n"
        );
    }
}

//! Markdown views of the learning loop: control tower and weekly trend, in the reference's
//! layout (Python-style `True`/`False`, so diffs against old reports stay small).

use std::fmt::Write;

use crate::artifacts::learning::{WeeklyTrend, WindowRates};
use crate::history::rollup::Digest;

/// The control tower in Markdown.
pub fn control_tower_md(digest: &Digest, generated_at: &str) -> String {
    let mut out = format!(
        "# First-Proof Control Tower\n\n- Generated at: `{generated_at}`\n\
         - Rollup present: `True`\n- Adaptive postcheck present: `False`\n\n\
         ## First-Proof Trend\n\n- Total runs: `{}`\n- SHIP rate: `{:.2}`\n",
        digest.total_runs,
        digest.ship_rate()
    );
    if digest.corrupt_rows > 0 {
        let _ = writeln!(out, "- Corrupt rows skipped: `{}`", digest.corrupt_rows);
    }
    for (step, count) in digest.top_failed_steps() {
        let _ = writeln!(out, "- Top failed step: `{step}` ({count})");
    }
    for action in digest.reviewer_actions() {
        let _ = writeln!(out, "- Adaptive action: {action}");
    }
    out.push_str("\n## Adaptive Postcheck\n\n- Adaptive postcheck summary not available yet.\n");
    out
}

/// The weekly trend in Markdown.
pub fn weekly_trend_md(trend: &WeeklyTrend) -> String {
    let s = &trend.summary;
    let mut out = format!(
        "# First-Proof Weekly Trend\n\n- Generated at: `{}`\n- Total tracked runs: `{}`\n\
         - Last-7 ship rate: `{:.2}`\n",
        trend.generated_at, s.total_runs, s.ship_rate_last_7
    );
    out.push_str(&windows_md(&s.windows));
    out.push_str("\n## Branches\n\n");
    for (name, b) in &trend.branches {
        let _ = writeln!(
            out,
            "- `{name}`: {} runs, last-7 ship rate `{:.2}`, trailing NO-SHIP `{}`",
            b.total_runs, b.ship_rate_last_7, b.consecutive_no_ship
        );
    }
    out.push_str("\n## Recent Runs\n\n");
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
            "- `{}` decision=`{}` failed_steps=`{}`",
            text("captured_at"),
            text("decision"),
            failed.join(",")
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

//! Renderings of the daily lane: the proof, one line each for learning and follow-up, then
//! the `OPS_*` lines; the same as JSON and Markdown.

use std::fmt::Write;

use serde_json::json;

use crate::artifacts::proof::Summary;
use crate::evidence::verify::Verification;
use crate::followup::Published;
use crate::history::Learning;

/// What a daily run shows.
pub struct Lane<'a> {
    /// The decision snapshot.
    pub summary: &'a Summary,
    /// What the event log says now.
    pub learning: &'a Learning,
    /// The follow-up and its contract check.
    pub published: &'a Published,
    /// The evidence pack (relative to the root) and its verification, when one was made.
    pub evidence: Option<&'a (String, Verification)>,
}

/// The lane's results for machines: the decision snapshot, the threshold check, the
/// follow-up and its contract check, and the evidence pack when one was made.
pub fn json(run: &Lane, stable: bool) -> serde_json::Value {
    let evidence = run
        .evidence
        .map(|(pack, v)| json!({"pack": pack, "ok": v.ok}));
    let mut value = json!({
        "summary": crate::json::to_value(run.summary),
        "threshold": crate::json::to_value(&run.learning.threshold),
        "followup": crate::json::to_value(&run.published.followup),
        "contract": crate::json::to_value(&run.published.contract),
        "evidence": evidence,
    });
    if stable {
        crate::json::stabilize(&mut value);
    }
    value
}

/// The proof summary and the follow-up, in Markdown.
pub fn md(run: &Lane) -> String {
    format!(
        "{}\n{}",
        super::proof::md(run.summary),
        super::followup::md(&run.published.followup, &run.published.next)
    )
}

/// The proof report, one line each for learning and follow-up, then the `OPS_*` lines;
/// `followup_file` is where the follow-up was written.
pub fn text(run: &Lane, followup_file: &str, color: bool) -> String {
    let mut out = super::proof::text(run.summary, color);
    let (t, view) = (&run.learning.threshold, &run.learning.view);
    let week = view
        .week
        .rate()
        .map_or("no runs in 7 days".to_string(), |r| {
            format!(
                "7-day ship rate {r:.2} over {}",
                count(view.week.runs, "run")
            )
        });
    let _ = writeln!(
        out,
        "learning: {} on `{}`, last-7 ship rate {:.2}, {week}; threshold: {}",
        count(t.total_runs, "run"),
        t.branch,
        t.ship_rate_last_7,
        t.action.as_str()
    );
    if let Some((pack, v)) = run.evidence {
        let verdict = if v.ok { "verified" } else { "DOES NOT VERIFY" };
        let _ = writeln!(out, "evidence: {pack} ({verdict})");
    }
    out.push_str(&published(run.published, followup_file));
    out
}

/// One line about the follow-up and its contract, then the `OPS_*` lines.
pub fn published(p: &Published, followup_file: &str) -> String {
    let contract = if p.contract.ok {
        "OK".to_string()
    } else {
        format!("FAIL ({})", p.contract.errors.join("; "))
    };
    format!(
        "follow-up: {} in {followup_file}; contract {contract}\n{}",
        count(p.followup.recommendations.len() as u64, "recommendation"),
        super::followup::ops_lines(&p.followup, &p.next)
    )
}

/// `1 run`, `3 runs`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

//! The weekly lane's Markdown: the KPI scorecard as tables a PR comment can carry.

use std::fmt::Write;

use crate::artifacts::Places;
use crate::artifacts::weekly::{
    Band, Dora, DoraKey, Guidance, Incidents, Kpi, KpiSet, KpiStatus as Status, Scorecard,
};
use crate::clock::human_secs as duration;
use crate::kpi::scorecard::{KPIS, WINDOWS};

/// The scorecard in Markdown: overall first, then one table per branch.
pub fn scorecard(card: &Scorecard) -> String {
    let mut out = format!(
        "# KPI scorecard\n\nAs of {} (UTC windows ending then).\n\n",
        card.as_of
    );
    out.push_str(&table("Overall", &card.overall));
    out.push_str(&dora(&card.dora, "##"));
    for (branch, sets) in &card.branches {
        out.push_str(&table(&format!("Branch `{branch}`"), sets));
    }
    out
}

/// The four DORA keys with their bands, under a heading of `level`.
pub fn dora(d: &Dora, level: &str) -> String {
    let mut out = format!(
        "{level} Delivery (DORA keys, last {} days)\n\n| key | value | band |\n|---|---|---|\n",
        d.window_days
    );
    for (name, key) in dora_keys(d) {
        let band = key.band.map_or("—", Band::name);
        let _ = writeln!(out, "| {name} | {} | {band} |", dora_value(key));
    }
    out.push('\n');
    out
}

/// The keys with their names for people, in DORA's order.
pub fn dora_keys(d: &Dora) -> [(&'static str, &DoraKey); 4] {
    [
        ("deployment frequency", &d.deployment_frequency),
        ("lead time for changes", &d.lead_time_for_changes),
        ("change failure rate", &d.change_failure_rate),
        ("time to restore", &d.time_to_restore),
    ]
}

/// A key's value for people: `0.13 a day (4 deployments)`, `2d00h (7 changes)`, or why not.
pub fn dora_value(key: &DoraKey) -> String {
    let Some(v) = key.value else {
        return format!("n/a: {}", key.note.as_deref().unwrap_or("no data"));
    };
    let n = key.sample;
    match key.unit {
        "per_day" => format!("{v:.2} a day ({})", count(n, "deployment")),
        "percent" => format!("{v:.1} % of {}", count(n, "deployment")),
        _ => format!("{} ({})", duration(v), count(n, "sample")),
    }
}

/// `1 streak`, `2 streaks`.
fn count(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
    }
}

/// A KPI's name for people: `ship rate`.
pub fn label(kpi: &str) -> String {
    kpi.replace('_', " ")
}

/// One scope's KPIs, a column per window.
pub fn table(title: &str, sets: &std::collections::BTreeMap<&'static str, KpiSet>) -> String {
    let mut out = format!("## {title}\n\n| KPI |");
    let windows: Vec<&KpiSet> = WINDOWS.iter().filter_map(|(w, _)| sets.get(w)).collect();
    for (name, _) in WINDOWS {
        let _ = write!(out, " {name} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(WINDOWS.len()));
    out.push('\n');
    for kpi in KPIS {
        if windows.iter().all(|s| !s.kpis.contains_key(kpi)) {
            continue;
        }
        let _ = write!(out, "| {} |", label(kpi));
        for set in &windows {
            let _ = write!(out, " {} |", set.kpis.get(kpi).map_or("—".into(), cell));
        }
        out.push('\n');
    }
    let cached: Vec<String> = windows
        .iter()
        .zip(WINDOWS)
        .filter(|(s, _)| s.cached_steps > 0)
        .map(|(s, (name, _))| format!("{} in {name}", s.cached_steps))
        .collect();
    if !cached.is_empty() {
        let _ = writeln!(
            out,
            "\nSteps the step cache stood in for (earlier passes on the same inputs, not run): {}.",
            cached.join(", ")
        );
    }
    if let Some(open) = windows.first().and_then(|s| s.open_red_streak.as_ref()) {
        let _ = writeln!(
            out,
            "\nOpen red streak since {} ({}, first NO-SHIP `{}`).",
            open.since,
            duration(open.age_seconds as f64),
            open.id
        );
    }
    out.push('\n');
    out
}

/// A KPI as one table cell: value and sample, or why there is none.
pub fn cell(kpi: &Kpi) -> String {
    match (kpi.status, kpi.value) {
        (Status::Ok, Some(v)) if kpi.unit == "seconds" => {
            format!("{} ({})", duration(v), count(kpi.denominator, "streak"))
        }
        (Status::Ok, Some(v)) => format!("{v:.2} % ({}/{})", kpi.numerator, kpi.denominator),
        _ => format!(
            "insufficient data ({})",
            kpi.note.as_deref().unwrap_or("no sample")
        ),
    }
}

/// The guidance in Markdown: one section per list, each entry with its action.
pub fn guidance(g: &Guidance) -> String {
    let mut out = format!(
        "# Weekly guidance\n\nWeek ending {} (compared with the week ending {}).\n",
        g.current_window.end, g.previous_window.end
    );
    out.push_str(&guidance_lists(g, "##"));
    out
}

/// The guidance lists under headings of `level` (`##`, `###`).
fn guidance_lists(g: &Guidance, level: &str) -> String {
    let mut out = String::new();
    for (title, actions) in g.sections() {
        let _ = write!(out, "\n{level} {title}\n\n");
        if actions.is_empty() {
            out.push_str("None this week.\n");
        }
        for action in actions {
            let _ = writeln!(out, "- {action}");
        }
    }
    out
}

/// The weekly report in Markdown, for a PR comment: the latest decision, the overall KPIs, the open
/// incidents and the guidance.
pub fn report(
    card: &Scorecard,
    incidents: &Incidents,
    g: &Guidance,
    decision: Option<&str>,
    places: Places,
) -> String {
    let mut out = format!(
        "## sdetkit weekly report\n\nAs of {} · latest decision: **{}**\n\n",
        card.as_of,
        decision.unwrap_or("no daily run recorded yet")
    );
    out.push_str(&table("KPIs (overall)", &card.overall).replacen("## ", "### ", 1));
    out.push_str(&dora(&card.dora, "###"));
    out.push_str("### KPI incidents\n\n");
    if incidents.open.is_empty() {
        out.push_str("No KPI degraded two windows in a row.\n");
    }
    for i in &incidents.open {
        let (title, action) = i.advice(places);
        let _ = writeln!(out, "- **{title}**: {action}");
    }
    out.push_str(&guidance_lists(g, "###"));
    out
}

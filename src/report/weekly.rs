//! The weekly lane on the console: the overall KPIs, one line each, and the lanes whose last
//! run is too old.

use std::fmt::Write;

use crate::artifacts::weekly::{Health, Scorecard};
use crate::kpi::scorecard::{KPIS, WINDOWS};

/// The overall KPIs, one line each, and where the artifacts are (`dir`).
pub fn text(card: &Scorecard, health_ok: bool, dir: &str) -> String {
    let mut out = format!("weekly KPIs as of {}\n", card.as_of);
    for kpi in KPIS {
        let _ = write!(out, "  {kpi:<27}");
        for (window, _) in WINDOWS {
            let cell = card.overall.get(window).and_then(|s| s.kpis.get(kpi));
            let _ = write!(
                out,
                " {window}: {:<34}",
                cell.map_or("—".into(), super::weekly_md::cell)
            );
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "incidents: {} open; contract health: {}",
        card.incidents.len(),
        if health_ok { "OK" } else { "FAIL" }
    );
    let _ = writeln!(out, "artifacts: {dir}/");
    out
}

/// The overall KPIs of the first window (7 days) on one line, with the open incidents.
pub fn kpi_line(card: &Scorecard) -> String {
    let (window, _) = WINDOWS[0];
    let cells: Vec<String> = KPIS
        .iter()
        .filter_map(|kpi| {
            let cell = card.overall.get(window)?.kpis.get(kpi)?;
            Some(format!(
                "{}: {}",
                kpi.replace('_', " "),
                super::weekly_md::cell(cell)
            ))
        })
        .collect();
    format!(
        "KPIs ({window}, as of {}): {}; incidents open: {}",
        card.as_of,
        cells.join(" · "),
        card.incidents.len()
    )
}

/// One line per lane whose last run is too old.
pub fn stale(health: &Health) -> Vec<String> {
    health
        .freshness
        .iter()
        .filter(|f| !f.fresh)
        .map(|f| match (&f.last_run, f.age_hours) {
            (Some(last), Some(age)) => format!(
                "{} lane stale: last run {last} is {} old (max {}, from {})",
                f.lane,
                crate::clock::human_secs(age * 3600.0),
                crate::clock::human_secs(f.max_age_hours * 3600.0),
                f.source
            ),
            // Never run is not stale: say what is missing and how to get it.
            _ => format!(
                "no {0} run yet (nothing in {1}): run `sdetkit ops {0}`",
                f.lane, f.source
            ),
        })
        .collect()
}

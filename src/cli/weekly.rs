//! The weekly lane commands: `ops weekly` and `ops record release|rollback`.

use std::fmt::Write;

use jiff::Timestamp;

use super::args::{RecordCommand, WeeklyArgs};
use crate::error::{Error, Result};
use crate::kpi::releases::{self, Kind, Recorded};
use crate::kpi::scorecard::{KPIS, Scorecard, WINDOWS};
use crate::lanes::weekly;
use crate::report::{self, weekly_md};
use crate::schemas::health::Health;
use crate::workspace::Workspace;

/// `ops weekly`: exit 0 once every artifact is written, 1 when contract health fails (an
/// open KPI incident is reported, not a lane failure).
pub(super) fn weekly_cmd(ws: &Workspace, args: &WeeklyArgs) -> Result<i32> {
    let as_of = match &args.as_of {
        Some(text) => parse_as_of(text)?,
        None => crate::clock::now(),
    };
    let run = weekly::run(ws, &ws.config()?, as_of)?;
    let card = &run.scorecard;
    report::emit(
        args.format,
        None,
        &crate::json::to_value(card),
        || text(card, run.health.ok),
        || weekly_md::scorecard(card),
    )?;
    let health = &run.health;
    for problem in health.violations.iter().chain(&stale(health)) {
        eprintln!("sdetkit: contract: {problem}");
    }
    Ok(i32::from(!health.ok))
}

/// One line per lane whose last run is too old.
fn stale(health: &Health) -> Vec<String> {
    health
        .freshness
        .iter()
        .filter(|f| !f.fresh)
        .map(|f| match (&f.last_run, f.age_hours) {
            (Some(last), Some(age)) => format!(
                "{} lane stale: last run {last} is {age:.1} h old (max {} h, from {})",
                f.lane, f.max_age_hours, f.source
            ),
            _ => format!("{} lane stale: no run found in {}", f.lane, f.source),
        })
        .collect()
}

fn parse_as_of(text: &str) -> Result<Timestamp> {
    crate::clock::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "--as-of {text}: not an RFC 3339 time with an offset"
        ))
    })
}

/// The overall KPIs, one line each, and where the artifacts are.
fn text(card: &Scorecard, health_ok: bool) -> String {
    let mut out = format!("weekly KPIs as of {}\n", card.as_of);
    for kpi in KPIS {
        let _ = write!(out, "  {kpi:<27}");
        for (window, _) in WINDOWS {
            let cell = card.overall.get(window).and_then(|s| s.kpis.get(kpi));
            let _ = write!(
                out,
                " {window}: {:<34}",
                cell.map_or("—".into(), weekly_md::cell)
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
    out.push_str("artifacts: build/ops/weekly/\n");
    out
}

/// `ops record release|rollback`: one locked append; prints the event's id.
pub(super) fn record_cmd(ws: &Workspace, what: RecordCommand) -> Result<i32> {
    let now = crate::clock::now();
    let row = match what {
        RecordCommand::Release { version, commit } => {
            let commit = commit.or_else(|| crate::repo::git::head(&ws.root));
            Recorded::new(Kind::Release, &version, commit, None, now)
        }
        RecordCommand::Rollback { version, reason } => {
            Recorded::new(Kind::Rollback, &version, None, Some(reason), now)
        }
    };
    row.append(&releases::ledger_path(ws))?;
    println!("recorded {} in build/ops/{}", row.id, releases::FILE);
    Ok(0)
}

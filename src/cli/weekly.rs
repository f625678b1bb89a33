//! The weekly lane commands: `ops weekly` and `ops record release|rollback`.

use jiff::Timestamp;

use super::args::{PortfolioArgs, RecordCommand, WeeklyArgs};
use crate::artifacts::portfolio::PORTFOLIO;
use crate::artifacts::releases::{Kind, LEDGER, Recorded};
use crate::artifacts::weekly::{HEALTH, SCORECARD};
use crate::error::{Error, Result};
use crate::lanes::weekly;
use crate::report::{self, weekly_md};
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
    let dir = SCORECARD.path(&ws.out_dir);
    let dir = ws.rel(dir.parent().unwrap_or(&ws.out_dir));
    report::emit(
        args.format,
        None,
        &crate::json::to_value(card),
        || report::weekly::text(card, run.health.ok, &dir),
        || weekly_md::scorecard(card),
    )?;
    let view = report::ci::View {
        command: "ops weekly",
        verdict: format!("{} open incident(s)", card.incidents.len()),
        gates: &[],
        summary: None,
        actions: Vec::new(),
        kpis: Some(report::weekly::kpi_line(card)),
    };
    super::publish(ws, &view, crate::lanes::ci::Outputs::default())?;
    let health = &run.health;
    for problem in health
        .violations
        .iter()
        .chain(&report::weekly::stale(health))
    {
        eprintln!("sdetkit: contract: {problem}");
    }
    if let Some(first) = health.warnings.first() {
        eprintln!(
            "sdetkit: warning: contract: {first} ({} history row(s) break their schema; readers skip and count what they cannot read; see {})",
            health.warnings.len(),
            ws.rel(&HEALTH.path(&ws.out_dir))
        );
    }
    Ok(i32::from(!health.ok))
}

/// `portfolio`: exit 1 when the database cannot be reached; `--verbose` prints the SQL it
/// ran on stderr.
pub(super) fn portfolio_cmd(ws: &Workspace, args: &PortfolioArgs, verbose: bool) -> Result<i32> {
    let as_of = match &args.as_of {
        Some(text) => parse_as_of(text)?,
        None => crate::clock::now(),
    };
    let run = match crate::lanes::portfolio::run(ws, &ws.config()?, as_of)? {
        Ok(run) => run,
        Err(why) => {
            eprintln!("sdetkit: portfolio: {why}");
            return Ok(1);
        }
    };
    if verbose {
        for sql in &run.sql {
            eprintln!("{}\n", sql.trim());
        }
    }
    let p = &run.portfolio;
    let dir = PORTFOLIO.path(&ws.out_dir);
    let dir = ws.rel(dir.parent().unwrap_or(&ws.out_dir));
    report::emit(
        args.format,
        None,
        &crate::json::to_value(p),
        || report::portfolio::text(p, &dir),
        || report::portfolio::md(p),
    )?;
    Ok(0)
}

fn parse_as_of(text: &str) -> Result<Timestamp> {
    crate::clock::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "--as-of {text}: not an RFC 3339 time with an offset"
        ))
    })
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
    row.append(&ws.out_dir)?;
    crate::report::print(&format!(
        "recorded {} in {}\n",
        row.id,
        ws.rel(&LEDGER.path(&ws.out_dir))
    ));
    Ok(0)
}

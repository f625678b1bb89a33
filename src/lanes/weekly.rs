//! `ops weekly`: KPI scorecard → trend-degradation check → guidance refresh → report bundle →
//! contract health. Orchestration
//! only: every number is computed in [`crate::kpi`], every page in [`crate::report`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::json;

use crate::config::Config;
use crate::error::Result;
use crate::followup::recommend::ProofView;
use crate::kpi::guidance::Guidance;
use crate::kpi::incidents::{self, Incidents};
use crate::kpi::pass::{self, Pass};
use crate::kpi::releases::{self, Ledger};
use crate::kpi::scorecard::{Flag, Scorecard, Sources};
use crate::kpi::trend::Trend;
use crate::kpi::{self, window};
use crate::report::weekly_html::{self, Page};
use crate::report::weekly_md;
use crate::schemas::health::Health;
use crate::workspace::Workspace;

/// History of weekly runs, one row each, under `build/ops/`.
pub const HISTORY_FILE: &str = "weekly-history.jsonl";

/// What a weekly run produced.
pub struct WeeklyRun {
    pub scorecard: Scorecard,
    pub sources: Sources,
    pub trend: Trend,
    pub incidents: Incidents,
    pub guidance: Guidance,
    pub health: Health,
}

/// Runs the lane for the windows ending at `as_of`, writing every artifact.
pub fn run(ws: &Workspace, config: &Config, as_of: Timestamp) -> Result<WeeklyRun> {
    let generated_at = crate::clock::iso(crate::clock::now());
    let sources = read_sources(ws, config, as_of)?;
    let corrupt = BTreeMap::from([
        ("event_log", sources.pass.corrupt_rows),
        ("release_ledger", sources.ledger.corrupt_rows),
    ]);
    let mut scorecard = Scorecard::new(&sources, corrupt, generated_at.clone());
    let trend = Trend::new(&sources);
    let found = Incidents::new(&trend, previous_incidents(ws).as_ref());
    scorecard.incidents = found.open.iter().map(Flag::of).collect();
    let dir = kpi::weekly_dir(ws);
    crate::json::write_value(&dir.join("kpi-trend.json"), &crate::json::to_value(&trend))?;
    crate::json::write_value(&incidents::path(ws), &crate::json::to_value(&found))?;
    let card = crate::json::to_value(&scorecard);
    crate::json::write_value(&dir.join("kpi-scorecard.json"), &card)?;
    let md = weekly_md::scorecard(&scorecard);
    crate::json::write_atomic(&dir.join("kpi-scorecard.md"), md.as_bytes())?;
    let guidance = Guidance::new(&sources);
    crate::json::write_value(
        &dir.join("guidance.json"),
        &crate::json::to_value(&guidance),
    )?;
    let md = weekly_md::guidance(&guidance);
    crate::json::write_atomic(&dir.join("guidance.md"), md.as_bytes())?;
    let decision = latest_decision(ws);
    let report = weekly_md::report(&scorecard, &found, &guidance, decision.as_deref());
    crate::json::write_atomic(&dir.join("report.md"), report.as_bytes())?;
    let page = Page {
        scorecard: &scorecard,
        trend: &trend,
        incidents: &found,
        guidance: &guidance,
        decision,
    };
    crate::json::write_atomic(
        &dir.join("index.html"),
        weekly_html::render(&page).as_bytes(),
    )?;
    record_history(ws, &scorecard)?;
    let health = Health::check(ws, crate::clock::now());
    crate::json::write_value(
        &dir.join("contract-health.json"),
        &crate::json::to_value(&health),
    )?;
    Ok(WeeklyRun {
        scorecard,
        sources,
        trend,
        incidents: found,
        guidance,
        health,
    })
}

/// The incidents of the previous weekly run. An unreadable file (ours, so never hand-made)
/// is reported and treated as none, so the lane can always recover.
fn previous_incidents(ws: &Workspace) -> Option<Incidents> {
    incidents::read(&incidents::path(ws)).unwrap_or_else(|e| {
        eprintln!("sdetkit: warning: {e}; previous incidents ignored");
        None
    })
}

/// `SHIP on main` from the last decision snapshot; `None` before the first daily run or
/// when it is unreadable (contract health reports that).
fn latest_decision(ws: &Workspace) -> Option<String> {
    let summary = ws.proof_dir().join("first-proof-summary.json");
    let view: ProofView = crate::json::read_typed(&summary).ok().flatten()?;
    let decision = serde_json::to_value(view.decision?).ok()?;
    let branch = view
        .git
        .branch
        .map_or(String::new(), |b| format!(" on {b}"));
    Some(format!("{}{branch}", decision.as_str()?))
}

/// Streams the event log once and reads the evidence and release ledgers.
fn read_sources(ws: &Workspace, config: &Config, as_of: Timestamp) -> Result<Sources> {
    let pass = Pass::read(&kpi::event_log(ws), as_of)?;
    let (verified, _) = pass::verified_runs(&kpi::verified_packs(ws))?;
    let ledger = Ledger::read(
        &releases::ledger_path(ws),
        &ws.root,
        &config.release.tag_prefix,
    )?;
    Ok(Sources {
        pass,
        verified,
        ledger,
        as_of,
    })
}

/// Appends this run's headline numbers to `build/ops/weekly-history.jsonl`.
fn record_history(ws: &Workspace, scorecard: &Scorecard) -> Result<()> {
    let week = scorecard.overall.get("7d");
    let value = |kpi: &str| week.and_then(|s| s.kpis.get(kpi)).and_then(|k| k.value);
    let row = json!({
        "generated_at": scorecard.generated_at,
        "as_of": scorecard.as_of,
        "runs_7d": week.map_or(0, |s| s.runs),
        "runs_30d": scorecard.overall.get("30d").map_or(0, |s| s.runs),
        "ship_rate_7d": value("ship_rate"),
        "open_incidents": scorecard.incidents.len(),
        "window_days": window::WEEK_DAYS,
    });
    crate::history::jsonl::append(&ws.ops_dir().join(HISTORY_FILE), &row)
}

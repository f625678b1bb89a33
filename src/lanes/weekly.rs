//! `ops weekly`: KPI scorecard → trend-degradation check → guidance refresh → report bundle →
//! contract health. Orchestration only: every number is computed in [`crate::kpi`], every
//! page in [`crate::report`].

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::artifacts::eventlog::EventLog;
use crate::artifacts::proof::SUMMARY;
use crate::artifacts::weekly::{
    GUIDANCE, GUIDANCE_MD, Guidance, HEALTH, HISTORY, Health, HistoryRow, INCIDENTS, Incidents,
    REPORT_HTML, REPORT_MD, SCORECARD, SCORECARD_MD, Scorecard, TREND, Trend, checkpoint,
};
use crate::config::Config;
use crate::error::Result;
use crate::kpi::pass::{self, Pass, Prefix};
use crate::kpi::releases::Ledger;
use crate::kpi::scorecard::Sources;
use crate::kpi::window;
use crate::report::weekly_html::{self, Page};
use crate::report::weekly_md;
use crate::workspace::Workspace;

/// What a weekly run produced.
pub struct WeeklyRun {
    /// The KPI scorecard.
    pub scorecard: Scorecard,
    /// What it was computed from.
    pub sources: Sources,
    /// The 8-window series.
    pub trend: Trend,
    /// Open and closed incidents.
    pub incidents: Incidents,
    /// Most-failing, slowest and flaky steps.
    pub guidance: Guidance,
    /// Contract health of every artifact.
    pub health: Health,
}

/// Runs the lane for the windows ending at `as_of`, writing every artifact.
pub fn run(ws: &Workspace, config: &Config, as_of: Timestamp) -> Result<WeeklyRun> {
    let out = &ws.out_dir;
    let generated_at = crate::clock::iso(crate::clock::now());
    crate::store::Store::of(ws, config)
        .pull_in_background()
        .finish()?;
    let sources = read_sources(ws, config, as_of)?;
    let corrupt = BTreeMap::from([
        ("event_log", sources.pass.corrupt_rows),
        ("release_ledger", sources.ledger.corrupt_rows),
    ]);
    let mut scorecard = Scorecard::new(&sources, corrupt, generated_at.clone());
    let trend = Trend::new(&sources);
    let found = Incidents::new(&trend, previous_incidents(ws).as_ref());
    scorecard.incidents = found
        .open
        .iter()
        .map(crate::artifacts::weekly::Flag::of)
        .collect();
    let guidance = Guidance::new(&sources.pass.guidance, sources.as_of);
    let decision = latest_decision(ws);
    let page = Page {
        scorecard: &scorecard,
        trend: &trend,
        incidents: &found,
        guidance: &guidance,
        decision: decision.clone(),
        places: ws.places(),
        run_links: sources.pass.guidance.links().clone(),
        ship_rate_target: config.thresholds_for("default").min_ship_rate * 100.0,
    };
    let mut entries = vec![
        TREND.entry(out, &trend),
        INCIDENTS.entry(out, &found),
        SCORECARD.entry(out, &scorecard),
        SCORECARD_MD.entry(out, weekly_md::scorecard(&scorecard)),
        GUIDANCE.entry(out, &guidance),
        GUIDANCE_MD.entry(out, weekly_md::guidance(&guidance)),
        REPORT_MD.entry(
            out,
            weekly_md::report(
                &scorecard,
                &found,
                &guidance,
                decision.as_deref(),
                ws.places(),
            ),
        ),
        REPORT_HTML.entry(out, weekly_html::render(&page)),
    ];
    if let Some(next) = &sources.pass.next {
        entries.push(checkpoint::<Prefix>().compact_entry(out, next));
    }
    crate::artifacts::write_all(&entries)?;
    record_history(ws, &scorecard)?;
    let health = crate::health::contract::check(ws, crate::clock::now());
    HEALTH.write(out, &health, false)?;
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
    INCIDENTS.read(&ws.out_dir).unwrap_or_else(|e| {
        eprintln!("sdetkit: warning: {e}; previous incidents ignored");
        None
    })
}

/// `SHIP on main` from the last decision snapshot; `None` before the first daily run or
/// when it is unreadable (contract health reports that).
fn latest_decision(ws: &Workspace) -> Option<String> {
    let summary = SUMMARY.read(&ws.out_dir).ok().flatten()?;
    let branch = summary
        .git
        .branch
        .map_or(String::new(), |b| format!(" on {b}"));
    Some(format!("{}{branch}", summary.decision.as_str()))
}

/// Streams the event log once and reads the evidence and release ledgers.
fn read_sources(ws: &Workspace, config: &Config, as_of: Timestamp) -> Result<Sources> {
    let (verified, _) = pass::verified_runs(&ws.out_dir)?;
    // A checkpoint that cannot be read is only a full read.
    let saved = checkpoint::<Prefix>().read(&ws.out_dir).ok().flatten();
    let pass = Pass::resume(&EventLog::at(&ws.out_dir), as_of, &verified, saved.as_ref())?;
    let prefix = crate::repo::tags::prefix_for(&ws.root, config.release.tag_prefix.as_deref());
    let ledger = Ledger::read(&ws.out_dir, &ws.root, &prefix)?;
    let shipped = crate::kpi::dora::shipped(&ws.root, &ledger, as_of);
    Ok(Sources {
        pass,
        ledger,
        shipped,
        as_of,
    })
}

/// Appends this run's headline numbers to the weekly history.
fn record_history(ws: &Workspace, scorecard: &Scorecard) -> Result<()> {
    let week = scorecard.overall.get("7d");
    let value = |kpi: &str| week.and_then(|s| s.kpis.get(kpi)).and_then(|k| k.value);
    let row = HistoryRow {
        generated_at: scorecard.generated_at.clone(),
        as_of: scorecard.as_of.clone(),
        runs_7d: week.map_or(0, |s| s.runs),
        runs_30d: scorecard.overall.get("30d").map_or(0, |s| s.runs),
        ship_rate_7d: value("ship_rate"),
        open_incidents: scorecard.incidents.len(),
        window_days: window::WEEK_DAYS,
    };
    HISTORY.append(&ws.out_dir, &row)
}

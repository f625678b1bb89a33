//! The follow-up lane: build the follow-up from its grounds, and publish it with its history,
//! rollup and contract check. `ops daily` publishes and records; `ops followup` and
//! `ops now --lite` publish from the artifacts on disk without recording; `ops next` only
//! previews.

use crate::artifacts::followup::{
    CONTRACT_CHECK, FOLLOWUP, FOLLOWUP_MD, Followup, HISTORY, HISTORY_ROLLUP,
};
use crate::artifacts::proof::{GATE_RELEASE, SUMMARY};
use crate::artifacts::weekly::Incident;
use crate::config::Config;
use crate::error::Result;
use crate::followup::ledger::Tally;
use crate::followup::recommend::{Grounds, next_command};
use crate::followup::{Published, contract};
use crate::history::{self, Learning};
use crate::report;
use crate::workspace::Workspace;

/// Builds the follow-up from `grounds` and writes it: the history row (only when `record`:
/// lane runs record, viewing commands do not), then, each atomically and all at once,
/// the follow-up (JSON and Markdown), the history rollup, and the contract check of those
/// payloads, which a recording lane adds to its run's evidence.
pub fn publish(
    ws: &Workspace,
    grounds: &Grounds,
    generated_at: &str,
    record: bool,
) -> Result<Published> {
    let out = &ws.out_dir;
    let followup = grounds.followup(generated_at);
    let next = grounds.next();
    if record {
        HISTORY.append(out, &followup)?;
    }
    let (tally, checkpoint) = Tally::resume(out)?;
    let rollup = tally.rollup(generated_at);
    let value = crate::json::to_value(&followup);
    let contract = contract::check(ws, &value, &crate::json::to_value(&rollup), &tally);
    let written = crate::artifacts::write_all(&[
        FOLLOWUP.entry(out, &followup),
        FOLLOWUP_MD.entry(out, report::followup::md(&followup, &next)),
        HISTORY_ROLLUP.entry(out, &rollup),
        CONTRACT_CHECK.entry(out, &contract),
        checkpoint,
    ])?;
    if record && let Some(summary) = grounds.summary {
        crate::evidence::record::run_files(ws, &summary.run_id, false, &written)?;
    }
    Ok(Published {
        followup,
        contract,
        next,
    })
}

/// `ops followup` / `ops now --lite`: the follow-up from the artifacts on disk, without
/// recording a history row (only lane runs record).
pub fn from_files(ws: &Workspace, config: &Config) -> Result<Published> {
    with_grounds(ws, config, |grounds, at| publish(ws, grounds, at, false))
}

/// `ops next`: the latest follow-up, recommendations in priority order, and what to run
/// next; before there is one, the follow-up the artifacts on disk call for, computed in
/// memory. Writes nothing.
pub fn latest(ws: &Workspace) -> Result<(Followup, String)> {
    match FOLLOWUP.read(&ws.out_dir)? {
        Some(mut f) => {
            f.recommendations.sort_by_key(|r| r.priority);
            let summary = SUMMARY.read(&ws.out_dir)?;
            Ok((f, next_command(summary.as_ref(), ws.places())))
        }
        None => with_grounds(ws, &ws.config()?, |grounds, at| {
            Ok((grounds.followup(at), grounds.next()))
        }),
    }
}

/// Reads the grounds of a follow-up from disk (the event log once) and hands them to `use_`.
/// A missing summary reads as no decision (so NO-SHIP); an unusable one is an error naming
/// the file and line.
fn with_grounds<T>(
    ws: &Workspace,
    config: &Config,
    use_: impl FnOnce(&Grounds, &str) -> Result<T>,
) -> Result<T> {
    let summary = SUMMARY.read(&ws.out_dir)?;
    let release = GATE_RELEASE.read(&ws.out_dir)?;
    let now = crate::clock::now();
    let branch = history::branch(summary.as_ref().and_then(|s| s.git.branch.as_deref()));
    let learning = Learning::read(ws, config, &branch, now)?;
    let at = crate::clock::iso(now);
    let incidents = open_incidents(ws);
    let grounds = Grounds {
        summary: summary.as_ref(),
        release: release.as_ref(),
        learning: &learning,
        incidents: &incidents,
        places: ws.places(),
    };
    use_(&grounds, &at)
}

/// The weekly lane's open KPI incidents. A weekly artifact that cannot be read must not stop
/// the daily lane: it is named on stderr and the follow-up goes on without it.
pub fn open_incidents(ws: &Workspace) -> Vec<Incident> {
    crate::kpi::incidents::open(ws).unwrap_or_else(|e| {
        eprintln!("sdetkit: warning: KPI incidents ignored: {e}");
        Vec::new()
    })
}

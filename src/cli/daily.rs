//! The daily lane and follow-up commands: `ops daily`, `ops now`, `ops followup`,
//! `ops followup-contract`, `ops next`.

use std::fmt::Write;

use serde_json::json;

use super::args::{DailyArgs, NextArgs, NowArgs};
use super::{publish, release_dry_run, strict, with_jobs};
use crate::artifacts::followup::{CONTRACT_CHECK, FOLLOWUP};
use crate::decision::Strict;
use crate::error::Result;
use crate::lanes::daily::{self, Daily, DailyOptions};
use crate::lanes::followup;
use crate::report;
use crate::workspace::Workspace;

/// `ops daily`: exit 1 when the setup fails, on NO-SHIP with `--strict`, on a breach with
/// `fail_on_breach`, or when the contract is broken; always after every artifact is written.
pub(super) fn daily_cmd(ws: Workspace, args: &DailyArgs, verbose: bool) -> Result<i32> {
    let ws = with_jobs(ws, args.jobs);
    let opts = DailyOptions {
        fast: args.fast,
        strict: strict(args.strict.flag()),
        release_dry_run: release_dry_run(args.release_dry_run)?,
        evidence: args.evidence,
        cache: !args.no_cache,
    };
    lane(&ws, opts, verbose, Some(args))
}

/// `ops now`: the full daily lane, or with `--lite` the follow-up and its contract only.
pub(super) fn now_cmd(ws: Workspace, args: &NowArgs, verbose: bool) -> Result<i32> {
    if args.lite {
        return followup_cmd(ws);
    }
    let opts = DailyOptions {
        fast: false,
        strict: Strict::Off,
        release_dry_run: release_dry_run(None)?,
        evidence: false,
        cache: true,
    };
    lane(&ws, opts, verbose, None)
}

/// Runs the lane; `args` chooses the format (text when `None`) and the output files.
fn lane(
    ws: &Workspace,
    opts: DailyOptions,
    verbose: bool,
    args: Option<&DailyArgs>,
) -> Result<i32> {
    let config = ws.config()?;
    match daily::run(ws, &config, opts)? {
        Daily::SetupFailed {
            reason,
            log,
            first_failure,
        } => {
            let log = log.map_or(String::new(), |l| format!(" (log: {l})"));
            eprintln!(
                "sdetkit: setup failed: {reason}{log}; the proof did not run and no run was recorded"
            );
            // Only a recognised failure is worth a line; otherwise the log says it.
            if let Some(f) = first_failure.filter(|f| f.layer != crate::triage::Layer::None) {
                let place = f.location().map_or(String::new(), |at| format!(" ({at})"));
                eprintln!("sdetkit: setup's first failure: {}{place}", f.message);
                if let Some(next) = &f.next_command {
                    println!("OPS_NEXT_COMMAND={next}");
                }
            }
            Ok(1)
        }
        Daily::Interrupted => {
            eprintln!("sdetkit: interrupted: the run was not recorded");
            Ok(130)
        }
        Daily::Ran(run) => {
            let file = followup_file(ws);
            let lane = report::daily::Lane {
                summary: &run.summary,
                learning: &run.learning,
                published: &run.published,
                evidence: run.evidence.as_ref(),
            };
            let text = || report::daily::text(&lane, &file, ws.color);
            match args.map(|a| &a.report) {
                Some(args) => report::emit(
                    args.format,
                    args.out.as_deref(),
                    &report::daily::json(&lane, args.stable_json),
                    text,
                    || report::daily::md(&lane),
                )?,
                None => report::print(&text()),
            }
            if verbose {
                eprintln!(
                    "sdetkit: learning loop (learn → contract) took {:.1} ms",
                    run.chain_ms
                );
            }
            let view = report::ci::View {
                command: "ops daily",
                verdict: run.summary.decision.as_str().to_string(),
                gates: &run.gates,
                summary: Some(&run.summary),
                actions: report::followup::actions(&run.published.followup, 3),
                kpis: None,
            };
            let outputs = args.map(|a| a.outputs.files()).unwrap_or_default();
            publish(ws, &view, outputs)?;
            let stops = run.stops();
            for stop in &stops {
                eprintln!("sdetkit: lane failed: {stop}");
            }
            Ok(i32::from(!stops.is_empty()))
        }
    }
}

/// Where the follow-up is written, for people.
fn followup_file(ws: &Workspace) -> String {
    ws.rel(&FOLLOWUP.path(&ws.out_dir))
}

/// `ops followup` (and `ops now --lite`): follow-up + contract from the latest artifacts.
pub(super) fn followup_cmd(ws: Workspace) -> Result<i32> {
    let config = ws.config()?;
    let published = followup::from_files(&ws, &config)?;
    report::print(&report::daily::published(&published, &followup_file(&ws)));
    Ok(i32::from(!published.contract.ok))
}

/// `ops followup-contract`: validates the files on disk, writes the check, exit 1 when broken.
pub(super) fn followup_contract_cmd(ws: Workspace) -> Result<i32> {
    let check = crate::followup::contract::of_files(&ws)?;
    CONTRACT_CHECK.write(&ws.out_dir, &check, false)?;
    let mut out = format!(
        "ops follow-up contract: {}\n",
        if check.ok { "OK" } else { "FAIL" }
    );
    for e in &check.errors {
        let _ = writeln!(out, " - {e}");
    }
    report::print(&out);
    Ok(i32::from(!check.ok))
}

/// `ops next`: the top actions of the latest follow-up (or, before there is one, of the
/// follow-up the artifacts call for). Writes nothing, so running it twice changes nothing.
pub(super) fn next_cmd(ws: Workspace, args: &NextArgs) -> Result<i32> {
    let (followup, next) = followup::latest(&ws)?;
    let limit = usize::from(args.limit);
    let value = json!({
        "decision": followup.decision,
        "next_command": next,
        "recommendations": followup.top(limit),
    });
    let text = || report::followup::top_actions(&followup, limit, &next);
    report::emit(
        args.report.format,
        args.report.out.as_deref(),
        &value,
        text,
        text,
    )?;
    Ok(0)
}

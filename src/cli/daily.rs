//! The daily lane and follow-up commands: `ops daily`, `ops now`, `ops followup`,
//! `ops followup-contract`, `ops next`.

use std::fmt::Write;

use serde_json::json;

use super::args::{DailyArgs, NextArgs, NowArgs, ReportArgs};
use super::{release_dry_run, with_jobs};
use crate::decision::Decision;
use crate::error::Result;
use crate::followup::contract::ContractCheck;
use crate::followup::{self, Published, render};
use crate::lanes::daily::{self, Daily, DailyOptions, DailyRun};
use crate::report;
use crate::workspace::Workspace;

/// `ops daily`: exit 1 when the setup fails, on NO-SHIP with `--strict`, on a breach with
/// `fail_on_breach`, or when the contract is broken; always after every artifact is written.
pub(super) fn daily_cmd(ws: Workspace, args: &DailyArgs, verbose: bool) -> Result<i32> {
    let ws = with_jobs(ws, args.jobs);
    let opts = DailyOptions {
        fast: args.fast,
        strict: args.strict,
        release_dry_run: release_dry_run(args.release_dry_run)?,
        evidence: args.evidence,
    };
    lane(&ws, opts, verbose, Some(&args.report))
}

/// `ops now`: the full daily lane, or with `--lite` the follow-up and its contract only.
pub(super) fn now_cmd(ws: Workspace, args: &NowArgs, verbose: bool) -> Result<i32> {
    if args.lite {
        return followup_cmd(ws);
    }
    let opts = DailyOptions {
        fast: false,
        strict: false,
        release_dry_run: release_dry_run(None)?,
        evidence: false,
    };
    lane(&ws, opts, verbose, None)
}

/// Runs the lane; `report` chooses the format (text when `None`).
fn lane(
    ws: &Workspace,
    opts: DailyOptions,
    verbose: bool,
    report: Option<&ReportArgs>,
) -> Result<i32> {
    let config = ws.config()?;
    match daily::run(ws, &config, opts)? {
        Daily::SetupFailed { reason, log } => {
            let log = log.map_or(String::new(), |l| format!(" (log: {l})"));
            eprintln!(
                "sdetkit: setup failed: {reason}{log}; the proof did not run and no run was recorded"
            );
            Ok(1)
        }
        Daily::Interrupted => {
            eprintln!("sdetkit: interrupted: the run was not recorded");
            Ok(130)
        }
        Daily::Ran(run) => {
            match report {
                Some(args) => report::emit(
                    args.format,
                    args.out.as_deref(),
                    &lane_json(&run, args.stable_json),
                    || lane_text(ws, &run),
                    || lane_md(&run),
                )?,
                None => print!("{}", lane_text(ws, &run)),
            }
            if verbose {
                eprintln!(
                    "sdetkit: learning loop (learn → contract) took {:.1} ms",
                    run.chain_ms
                );
            }
            Ok(lane_exit(&run, opts.strict))
        }
    }
}

/// The lane's results for machines: the decision snapshot, the threshold check, the
/// follow-up and its contract check, and the evidence pack when one was made.
fn lane_json(run: &DailyRun, stable: bool) -> serde_json::Value {
    let evidence = run
        .evidence
        .as_ref()
        .map(|(pack, v)| json!({"pack": pack, "ok": v.ok}));
    let mut value = json!({
        "summary": crate::json::to_value(&run.summary),
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
fn lane_md(run: &DailyRun) -> String {
    format!(
        "{}\n{}",
        report::proof::md(&run.summary),
        render::md(&run.published.followup)
    )
}

/// The proof report, one line each for learning and follow-up, then the `OPS_*` lines.
fn lane_text(ws: &Workspace, run: &DailyRun) -> String {
    let mut out = report::proof::text(&run.summary, ws.color);
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
        t.action
    );
    if let Some((pack, v)) = &run.evidence {
        let verdict = if v.ok { "verified" } else { "DOES NOT VERIFY" };
        let _ = writeln!(out, "evidence: {pack} ({verdict})");
    }
    out.push_str(&published_text(ws, &run.published));
    out
}

/// One line about the follow-up and its contract, then the `OPS_*` lines.
fn published_text(ws: &Workspace, p: &Published) -> String {
    let contract = if p.contract.ok {
        "OK".to_string()
    } else {
        format!("FAIL ({})", p.contract.errors.join("; "))
    };
    format!(
        "follow-up: {} in {}; contract {contract}\n{}",
        count(p.followup.recommendations.len() as u64, "recommendation"),
        ws.rel(&followup::Paths::of(ws).json),
        render::ops_lines(&p.followup)
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

fn lane_exit(run: &DailyRun, strict: bool) -> i32 {
    let mut stops = Vec::new();
    if strict && run.summary.decision != Decision::Ship {
        stops.push("NO-SHIP under --strict".to_string());
    }
    let t = &run.learning.threshold;
    if t.fails_lane() {
        stops.push(format!(
            "threshold breach on `{}` (profile `{}` has fail_on_breach)",
            t.branch, t.profile
        ));
    }
    if !run.published.contract.ok {
        stops.push("follow-up contract broken".to_string());
    }
    if let Some((pack, v)) = run.evidence.as_ref().filter(|(_, v)| !v.ok) {
        let first = v
            .problems
            .first()
            .map_or(String::new(), |p| format!(": {}: {}", p.entry, p.problem));
        stops.push(format!("evidence pack {pack} does not verify{first}"));
    }
    for stop in &stops {
        eprintln!("sdetkit: lane failed: {stop}");
    }
    i32::from(!stops.is_empty())
}

/// `ops followup` (and `ops now --lite`): follow-up + contract from the latest artifacts.
pub(super) fn followup_cmd(ws: Workspace) -> Result<i32> {
    let config = ws.config()?;
    let published = daily::followup(&ws, &config)?;
    print!("{}", published_text(&ws, &published));
    Ok(i32::from(!published.contract.ok))
}

/// `ops followup-contract`: validates the files on disk, writes the check, exit 1 when broken.
pub(super) fn followup_contract_cmd(ws: Workspace) -> Result<i32> {
    let check = ContractCheck::of_files(&ws)?;
    check.write(&ws)?;
    let mut out = format!(
        "ops follow-up contract: {}\n",
        if check.ok { "OK" } else { "FAIL" }
    );
    for e in &check.errors {
        let _ = writeln!(out, " - {e}");
    }
    print!("{out}");
    Ok(i32::from(!check.ok))
}

/// `ops next`: the top actions of the latest follow-up (or, before there is one, of the
/// follow-up the artifacts call for). Writes nothing, so running it twice changes nothing.
pub(super) fn next_cmd(ws: Workspace, args: &NextArgs) -> Result<i32> {
    let followup = match followup::load(&ws)? {
        Some(f) => f,
        None => daily::preview(&ws, &ws.config()?)?,
    };
    let limit = usize::from(args.limit);
    let value = json!({
        "decision": followup.decision,
        "next_command": followup.next_command,
        "recommendations": render::top(&followup, limit),
    });
    let text = || render::top_actions(&followup, limit);
    report::emit(
        args.report.format,
        args.report.out.as_deref(),
        &value,
        text,
        text,
    )?;
    Ok(0)
}

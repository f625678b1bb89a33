//! The command-line front end: parse, resolve the workspace, call the library, map the
//! outcome to an exit code (0 ok, 1 the verdict says stop, 2 bad input).

mod args;
mod daily;
mod history;
mod manual;
mod premerge;
mod weekly;

use std::io::IsTerminal;

use clap::Parser;

pub use args::Cli;
use args::{
    CiChoice, CiOutputs, Command, ConfigCommand, DoctorArgs, EvidenceCommand, FailureArgs,
    GateCommand, Global, InvestigateCommand, OpsCommand, ProofArgs, RepoCommand, ReportArgs,
    Select,
};

use crate::artifacts::proof::{Decision, GateReport};
use crate::ci::Native;
use crate::decision::Strict;
use crate::error::{Error, Result};
use crate::gate::release::FastVerdict;
use crate::gate::{doctor, fast, release};
use crate::lanes::ci::Outputs;
use crate::lanes::proof::{self, ProofOptions};
use crate::repo::worktree::Worktree;
use crate::report;
use crate::runner::Stop;
use crate::triage;
use crate::workspace::Workspace;

/// Parses the command line, runs it, and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let (global, command) = match cli.command {
        Command::Repo(command) => (cli.global, command),
        Command::Completions { shell } => return manual::completions(shell),
        Command::Man { dir } => return manual::man(dir.as_deref()),
        Command::Config(ConfigCommand::Schema) => return manual::config_schema(),
    };
    let stop = Stop::on_signals();
    match run(global, command, stop.clone()) {
        // The conventional exit status of a run stopped by SIGINT, after its summary is written.
        Ok(_) if stop.requested() => 130,
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "sdetkit: error: {}",
                crate::secrets::redactor().text(&e.to_string())
            );
            2
        }
    }
}

fn run(g: Global, command: RepoCommand, stop: Stop) -> Result<i32> {
    crate::clock::pinned().map_err(Error::Usage)?;
    let mut ws = Workspace::resolve(g.root.as_deref(), g.out_dir.as_deref(), g.config.as_deref())?;
    ws.stop = stop;
    ws.color = g.color.wanted(std::io::stdout().is_terminal(), |name| {
        std::env::var_os(name)
    });
    ws.ci = match g.ci {
        CiChoice::Auto => crate::ci::detect().and_then(|c| c.native()),
        CiChoice::Github => Some(Native::Github),
        CiChoice::Gitlab => Some(Native::Gitlab),
        CiChoice::None => None,
    };
    if !g.quiet {
        ws.events = report::progress::Progress::new(std::io::stderr().is_terminal(), ws.color);
    }
    let verbose = g.verbose;
    match command {
        RepoCommand::Init { force, hook: None } => {
            report::print(&crate::init::run(&ws, force)?);
            Ok(0)
        }
        RepoCommand::Init {
            force,
            hook: Some(args::Hook::PrePush),
        } => {
            print!("{}", crate::init::hook::pre_push(&ws, force)?);
            Ok(0)
        }
        RepoCommand::Gate(GateCommand::Fast {
            select,
            no_cache,
            report,
            outputs,
        }) => gate_fast(ws, &select, no_cache, &report, &outputs, verbose),
        RepoCommand::Gate(GateCommand::Release {
            dry_run,
            select,
            report,
            outputs,
        }) => gate_release(ws, dry_run, &select, &report, &outputs, verbose),
        RepoCommand::Doctor(args) => doctor_cmd(ws, &args, verbose),
        RepoCommand::Ops(OpsCommand::Proof(args)) => proof_cmd(ws, &args),
        RepoCommand::Ops(OpsCommand::Daily(args)) => daily::daily_cmd(ws, &args, verbose),
        RepoCommand::Ops(OpsCommand::Followup) => daily::followup_cmd(ws),
        RepoCommand::Ops(OpsCommand::FollowupContract) => daily::followup_contract_cmd(ws),
        RepoCommand::Ops(OpsCommand::Now(args)) => daily::now_cmd(ws, &args, verbose),
        RepoCommand::Ops(OpsCommand::Next(args)) => daily::next_cmd(ws, &args),
        RepoCommand::Ops(OpsCommand::Status(args)) => status_cmd(&ws, &args),
        RepoCommand::Ops(OpsCommand::Premerge(args)) => {
            premerge::premerge_cmd(with_jobs(ws, args.jobs), &args)
        }
        RepoCommand::Ops(OpsCommand::Weekly(args)) => weekly::weekly_cmd(&ws, &args),
        RepoCommand::Ops(OpsCommand::Record(what)) => weekly::record_cmd(&ws, what),
        RepoCommand::Evidence(EvidenceCommand::Pack { run }) => evidence_pack(&ws, run.as_deref()),
        RepoCommand::Evidence(EvidenceCommand::Verify { file, report }) => {
            evidence_verify(&ws, &file, &report)
        }
        RepoCommand::Investigate(InvestigateCommand::Failure(args)) => {
            investigate_failure(&ws, &args)
        }
        RepoCommand::History(what) => history::history_cmd(&ws, what),
        RepoCommand::Portfolio(args) => weekly::portfolio_cmd(&ws, &args, verbose),
    }
}

pub(crate) fn with_jobs(mut ws: Workspace, jobs: Option<u16>) -> Workspace {
    ws.jobs = jobs.map(usize::from);
    ws
}

/// Writes the gate's artifact, renders the report, hands the gate to the CI, and maps the
/// verdict to an exit code.
fn finish_gate(
    ws: &Workspace,
    gate: GateReport,
    args: &ReportArgs,
    outputs: &CiOutputs,
    verbose: bool,
) -> Result<i32> {
    ws.events.idle();
    gate.gate
        .doc()
        .write(&ws.out_dir, &gate, args.stable_json)?;
    report::emit(
        args.format,
        args.out.as_deref(),
        &stable(&gate, args.stable_json),
        || report::gate::text(&gate, ws.color, verbose, ws.ci),
        || report::gate::md(&gate),
    )?;
    let ok = gate.ok;
    let gates = [gate];
    let view = report::ci::View {
        command: gates[0].gate.command(),
        verdict: report::verdict(ok, gates[0].dry_run).to_string(),
        gates: &gates,
        summary: None,
        actions: Vec::new(),
        kpis: None,
    };
    publish(ws, &view, outputs.files())?;
    Ok(if ok { 0 } else { 1 })
}

/// Hands a run to the tools teams have and to its CI: the files asked for, the CI's reports
/// and job summary, and (on GitHub Actions) one workflow command per finding on stderr.
pub(crate) fn publish(ws: &Workspace, view: &report::ci::View, outputs: Outputs) -> Result<()> {
    let wrote = crate::lanes::ci::publish(ws, view, outputs)?;
    if ws.ci == Some(Native::Github) {
        eprint!("{}", report::ci::annotations(view.gates));
    }
    for line in wrote {
        eprintln!("sdetkit: {line}");
    }
    Ok(())
}

/// Whether NO-SHIP fails the command: `--strict` / `--no-strict`, else whether the
/// environment is a CI's.
pub(crate) fn strict(flag: Option<bool>) -> Strict {
    Strict::resolve(flag, crate::ci::detect().is_some())
}

fn gate_fast(
    ws: Workspace,
    select: &Select,
    no_cache: bool,
    args: &ReportArgs,
    outputs: &CiOutputs,
    verbose: bool,
) -> Result<i32> {
    let ws = with_jobs(ws, select.jobs);
    let config = ws.config()?;
    let tree = ws.worktree();
    let git = tree.as_ref().map(Worktree::facts).unwrap_or_default();
    let inputs = tree.as_ref().filter(|_| !no_cache).map(|t| {
        let tools = crate::inputs::tool_versions(&config, &ws.root, &ws.out_dir);
        crate::inputs::Inputs::read(&ws.root, t, &config).with_tools(tools)
    });
    let cache = inputs.as_ref().map(|inputs| crate::gate::cache::StepCache {
        out: &ws.out_dir,
        root: &ws.root,
        inputs,
        run_id: None,
    });
    let selection = (select.only.as_slice(), select.skip.as_slice());
    let gate = fast::run(&ws, &config, &git, selection, cache.as_ref())?;
    finish_gate(&ws, gate, args, outputs, verbose)
}

fn gate_release(
    ws: Workspace,
    dry_run: bool,
    select: &Select,
    args: &ReportArgs,
    outputs: &CiOutputs,
    verbose: bool,
) -> Result<i32> {
    let ws = with_jobs(ws, select.jobs);
    let config = ws.config()?;
    let tree = ws.worktree();
    let git = tree.as_ref().map(Worktree::facts).unwrap_or_default();
    let verdict = FastVerdict::recorded(&ws)?;
    let cx = release::Context {
        git: &git,
        tree: tree.as_ref(),
        dry_run,
        fast: &verdict,
    };
    let gate = release::run(&ws, &config, &cx, &select.only, &select.skip)?;
    finish_gate(&ws, gate, args, outputs, verbose)
}

fn doctor_cmd(ws: Workspace, args: &DoctorArgs, verbose: bool) -> Result<i32> {
    let config = ws.config();
    let tree = ws.worktree();
    let git = tree.as_ref().map(Worktree::facts).unwrap_or_default();
    let gate = doctor::run(&ws, &config, &git, args.release)?;
    finish_gate(&ws, gate, &args.report, &args.outputs, verbose)
}

/// `value` as JSON, without what differs between identical runs when `stable`.
fn stable<T: serde::Serialize>(value: &T, stable: bool) -> serde_json::Value {
    let mut json = crate::json::to_value(value);
    if stable {
        crate::json::stabilize(&mut json);
    }
    json
}

/// `FIRST_PROOF_RELEASE_DRY_RUN` (default true), unless the flag says otherwise.
fn release_dry_run(flag: Option<bool>) -> Result<bool> {
    if let Some(v) = flag {
        return Ok(v);
    }
    match std::env::var("FIRST_PROOF_RELEASE_DRY_RUN") {
        Err(_) => Ok(true),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            other => Err(Error::Usage(format!(
                "FIRST_PROOF_RELEASE_DRY_RUN={other}: expected true or false"
            ))),
        },
    }
}

fn proof_cmd(ws: Workspace, args: &ProofArgs) -> Result<i32> {
    let ws = with_jobs(ws, args.jobs);
    let config = ws.config()?;
    let strict = strict(args.strict.flag());
    let opts = ProofOptions {
        strict: strict.on(),
        release_dry_run: release_dry_run(args.release_dry_run)?,
        skip_doctor: args.skip_doctor,
        stable: args.report.stable_json,
        cache: !args.no_cache,
    };
    let proof = proof::run(&ws, &config, opts)?;
    report::emit(
        args.report.format,
        args.report.out.as_deref(),
        &stable(&proof.summary, args.report.stable_json),
        || report::proof::text(&proof.summary, ws.color),
        || report::proof::md(&proof.summary),
    )?;
    let decision = proof.summary.decision;
    let view = report::ci::View {
        command: "ops proof",
        verdict: decision.as_str().to_string(),
        gates: &proof.gates,
        summary: Some(&proof.summary),
        actions: Vec::new(),
        kpis: None,
    };
    publish(&ws, &view, args.outputs.files())?;
    if decision == Decision::Ship || !strict.on() {
        return Ok(0);
    }
    if strict == Strict::Ci {
        eprintln!("sdetkit: exit 1: {}", strict.reason());
    }
    Ok(1)
}

fn evidence_pack(ws: &Workspace, run: Option<&str>) -> Result<i32> {
    let config = ws.config()?;
    let packed = crate::evidence::pack::pack(ws, &config, run)?;
    report::print(&format!(
        "{} ({} files, decision {})\n",
        ws.rel(&packed.path),
        packed.manifest.files.len(),
        packed.manifest.decision
    ));
    Ok(0)
}

fn evidence_verify(ws: &Workspace, file: &std::path::Path, args: &ReportArgs) -> Result<i32> {
    let result = crate::evidence::verify::verify(file)?;
    if result.ok {
        crate::evidence::record::verified(ws, file, &result)?;
    }
    report::emit(
        args.format,
        args.out.as_deref(),
        &crate::json::to_value(&result),
        || report::evidence::text(&result),
        || report::evidence::md(&result),
    )?;
    Ok(if result.ok { 0 } else { 1 })
}

/// `investigate failure`: inputs are checked first so that a missing or unreadable file, or
/// one that is not a regular file (a FIFO, a device, a directory), is a one-line error naming
/// it (exit 2), as is a JUnit file that is not a JUnit report.
fn investigate_failure(ws: &Workspace, args: &FailureArgs) -> Result<i32> {
    for path in std::iter::once(&args.log).chain(&args.junit) {
        crate::files::open(path, crate::files::Links::Follow)?.ok_or_else(|| {
            Error::io(
                path,
                "cannot read",
                std::io::Error::from(std::io::ErrorKind::NotFound),
            )
        })?;
    }
    let step = match &args.step {
        Some(step) => step.clone(),
        None => args
            .log
            .file_stem()
            .map_or_else(|| "log".to_string(), |s| s.to_string_lossy().into_owned()),
    };
    let context = triage::StepContext::new(&step)
        .command(args.cmd.as_deref())
        .root(Some(&ws.root));
    let found = triage::analyze(&args.log, &args.junit, &context)
        .map_err(|e| investigate_error(&args.log, e))?;
    report::emit(
        args.format,
        args.out.as_deref(),
        &crate::json::to_value(&found),
        || report::triage::text(&found, ws.color),
        || report::triage::md(&found),
    )?;
    Ok(0)
}

/// A malformed JUnit file names itself and its line; any other failure is the log's.
fn investigate_error(log: &std::path::Path, e: std::io::Error) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<triage::junit::Malformed>())
    {
        Some(m) => Error::Syntax {
            path: m.path.clone(),
            line: m.line,
            message: m.message.clone(),
        },
        None => Error::io(log, "cannot read", e),
    }
}

fn status_cmd(ws: &Workspace, args: &ReportArgs) -> Result<i32> {
    let status = crate::health::status::evaluate(ws)?;
    report::emit(
        args.format,
        args.out.as_deref(),
        &crate::json::to_value(&status),
        || report::status::text(&status),
        || report::status::md(&status),
    )?;
    Ok(if status.healthy { 0 } else { 1 })
}

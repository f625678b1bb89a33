//! Gates: named sets of steps with a verdict. `fast` runs commands, `release` and `doctor`
//! run built-in checks plus custom commands. Every gate writes one artifact with the same
//! shape (PRODUCT §4).

pub mod cache;
pub mod check;
pub mod doctor;
pub mod fast;
pub mod nextest;
pub mod release;

use std::path::PathBuf;

use crate::artifacts::eventlog::TestResult;
use crate::artifacts::proof::{GATE_SCHEMA, GateKind, GateReport, StepKind, StepRecord};
use crate::error::{Error, Result};
use crate::repo::git::GitFacts;
use crate::runner::{Status, StepOutcome};
use crate::triage::{self, Classification, FirstFailure};
use crate::workspace::Workspace;
use cache::StepCache;

/// When a gate started, by the wall clock (for the artifact) and the monotonic one (for its
/// duration).
#[derive(Debug, Clone, Copy)]
pub struct Started {
    /// By the wall clock, for the artifact.
    pub at: jiff::Timestamp,
    /// By the monotonic clock, for the duration.
    pub clock: std::time::Instant,
}

impl Started {
    /// Now.
    pub fn now() -> Self {
        Started {
            at: crate::clock::now(),
            clock: std::time::Instant::now(),
        }
    }
}

/// A gate's verdict, from its steps alone: ok iff something executed, nothing blocks, and
/// nothing was interrupted. The one rule: the gates apply it, and `evidence verify` applies
/// it again to packed gate artifacts.
pub struct Verdict {
    /// The verdict.
    pub ok: bool,
    /// Steps that actually ran or were evaluated.
    pub executed: usize,
    /// Ids of blocking steps, in declared order.
    pub failed_steps: Vec<String>,
    /// A step was stopped by Ctrl-C.
    pub interrupted: bool,
}

impl Verdict {
    /// The verdict of `steps`; `stopped` when the run was asked to stop.
    pub fn of(steps: &[StepRecord], stopped: bool) -> Verdict {
        let failed_steps: Vec<String> = steps
            .iter()
            .filter(|s| s.status.blocks())
            .map(|s| s.id.clone())
            .collect();
        let executed = steps.iter().filter(|s| s.status.executed()).count();
        let interrupted = stopped || steps.iter().any(|s| s.status == Status::Interrupted);
        Verdict {
            ok: executed > 0 && failed_steps.is_empty() && !interrupted,
            executed,
            failed_steps,
            interrupted,
        }
    }
}

impl GateReport {
    /// Builds the report and its verdict from the records.
    pub fn new(
        kind: GateKind,
        ws: &Workspace,
        steps: Vec<StepRecord>,
        dry_run: bool,
        git: GitFacts,
        started: Started,
    ) -> Self {
        let verdict = Verdict::of(&steps, ws.stop.requested());
        let mut recommendations = recommend(&steps);
        if verdict.executed == 0 {
            recommendations.insert(0, nothing_checked(kind, steps.is_empty()));
        }
        GateReport {
            schema_version: GATE_SCHEMA.to_string(),
            gate: kind,
            ok: verdict.ok,
            dry_run,
            interrupted: verdict.interrupted,
            executed: verdict.executed,
            failed_steps: verdict.failed_steps,
            steps,
            recommendations,
            git,
            root: ws.root.to_string_lossy().into_owned(),
            started_at: crate::clock::iso(started.at),
            duration_ms: started.clock.elapsed().as_millis() as u64,
            score: None,
        }
    }
}

fn nothing_checked(kind: GateKind, no_steps: bool) -> String {
    match kind {
        GateKind::Fast if !no_steps => "Nothing was checked: no step could run (each was skipped or could not start); fix the first error above (a missing tool comes with its install hint).".into(),
        GateKind::Fast => "Nothing was checked: no step ran. Add [[gate.fast.steps]] to sdetkit.toml, or add a manifest auto-detection knows (Cargo.toml, pyproject.toml, package.json, go.mod, a Makefile with test/lint/check).".into(),
        _ => format!("Nothing was checked in {}: every check was skipped.", kind.name()),
    }
}

/// One recommendation per blocking step, in order, grounded in what happened to it.
fn recommend(steps: &[StepRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps
        .iter()
        .filter(|s| s.status.blocks() || s.status == Status::Warn)
    {
        let next = s
            .first_failure
            .as_ref()
            .and_then(|f| f.next_command.clone());
        let text = match s.status {
            Status::Error => format!(
                "`{}` could not run: {}",
                s.id,
                s.message.as_deref().unwrap_or("see its log")
            ),
            Status::TimedOut => format!(
                "`{}` {}; look for a hang in {} or raise its `timeout`",
                s.id,
                s.message.as_deref().unwrap_or("timed out"),
                s.log.as_deref().unwrap_or("its log")
            ),
            Status::Interrupted => format!("`{}` was interrupted; rerun the gate", s.id),
            Status::Warn => match &s.hint {
                Some(h) => format!("`{}` (warning): {h}", s.id),
                None => continue,
            },
            _ => match (&s.hint, next) {
                (Some(h), _) => format!("`{}`: {h}", s.id),
                (None, Some(cmd)) => format!("Fix `{}` first; reproduce with `{cmd}`", s.id),
                (None, None) => format!(
                    "Fix `{}` first; see {}",
                    s.id,
                    s.log.as_deref().unwrap_or("its log")
                ),
            },
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// Runs command steps of `kind` (after clearing its previous logs) and returns their records.
pub fn run_commands(
    ws: &Workspace,
    config: &crate::config::Config,
    kind: GateKind,
    specs: &[crate::config::StepSpec],
    cache: Option<&StepCache>,
) -> crate::error::Result<Vec<StepRecord>> {
    let ctx = ws.runner(kind.short(), config)?;
    let keys = cache.map(|c| c.keys(kind, specs)).unwrap_or_default();
    let settled = cache.map_or_else(Vec::new, |c| c.hits(specs, &keys, &ctx.logs_dir));
    let launched = nextest::prepare(&ws.out_dir, kind.short(), specs)?;
    let outcomes = crate::runner::run(&launched, &ctx, settled);
    if let Some(c) = cache {
        c.store(kind, &keys, &outcomes);
    }
    Ok(records(ws, outcomes, specs))
}

/// Turns runner outcomes into records, attaching a first failure to every blocking step.
pub fn records(
    ws: &Workspace,
    outcomes: Vec<StepOutcome>,
    specs: &[crate::config::StepSpec],
) -> Vec<StepRecord> {
    outcomes
        .into_iter()
        .map(|o| {
            let spec = specs.iter().find(|s| s.id == o.id);
            let first_failure = o.status.blocks().then(|| first_failure(ws, &o, spec));
            StepRecord {
                id: o.id.clone(),
                kind: StepKind::Command,
                cmd: Some(o.cmd.clone()),
                status: o.status,
                rc: o.rc,
                started_ms: o.started_ms,
                duration_ms: o.duration_ms,
                log: o.log.as_deref().map(|l| ws.rel(l)),
                log_truncated: o.truncated,
                log_sha256: o.log_sha256.clone(),
                message: o.reason.clone(),
                hint: None,
                severity: None,
                details: Vec::new(),
                tests: tests(ws, &o),
                first_failure,
            }
        })
        .collect()
}

/// The tests of a step for the event log: every case of its JUnit files (with status and
/// duration) when it declares some, else, when it failed, the failing tests its log names.
fn tests(ws: &Workspace, o: &StepOutcome) -> Vec<TestResult> {
    if o.status == Status::Cached {
        // Nothing ran: an earlier run's tests are that run's.
        return Vec::new();
    }
    let junit: Vec<PathBuf> = o.junit.iter().map(|j| ws.root.join(j)).collect();
    let result = |id: String, status: &str, duration_ms| TestResult {
        step: o.id.clone(),
        id,
        status: status.to_string(),
        duration_ms,
    };
    if let Ok(cases) = triage::junit::outcomes(&junit)
        && !cases.is_empty()
    {
        return cases
            .into_iter()
            .map(|c| result(c.id, c.status, c.duration_ms))
            .collect();
    }
    match (&o.log, o.status.blocks()) {
        (Some(log), true) => triage::failing::failing_tests(log)
            .unwrap_or_default()
            .into_iter()
            .map(|id| result(id, "failed", None))
            .collect(),
        _ => Vec::new(),
    }
}

/// `command` preceded by the step's `env` assignments (`THREADING_TESTS=1 pytest …`); a
/// secret-named variable is left for the user's environment to provide.
fn with_env(spec: &crate::config::StepSpec, command: &str) -> String {
    let assignments: Vec<String> = spec
        .env
        .iter()
        .filter(|(k, _)| !crate::secrets::is_secret_name(k))
        .filter(|(k, _)| !command.contains(&format!("{k}=")))
        .map(|(k, v)| format!("{k}={}", triage::shell_quote(v)))
        .collect();
    if assignments.is_empty() {
        return command.to_string();
    }
    // Assignments before a list (`a; b`, `a && b`) reach only its first command.
    let simple = crate::tools::shell::commands(command).len() <= 1;
    match simple {
        true => format!("{} {command}", assignments.join(" ")),
        false => format!(
            "{} sh -c {}",
            assignments.join(" "),
            triage::shell_quote(command)
        ),
    }
}

/// The reproduction command of a step: its own command, from its working directory.
fn rerun(spec: Option<&crate::config::StepSpec>, cmd: &str) -> String {
    let cmd = spec.map_or_else(|| cmd.to_string(), |s| with_env(s, cmd));
    match spec.and_then(|s| s.cwd.as_ref()) {
        Some(dir) => format!("cd {} && {cmd}", dir.display()),
        None => cmd,
    }
}

fn first_failure(
    ws: &Workspace,
    o: &StepOutcome,
    spec: Option<&crate::config::StepSpec>,
) -> FirstFailure {
    let message = o.reason.clone().unwrap_or_default();
    let log = match (o.status, &o.log) {
        (_, None) => None,
        // A step that could not start its program wrote no log worth reading.
        (Status::Error, Some(log)) if !log.exists() => None,
        (_, Some(log)) => Some(log),
    };
    let Some(log) = log else {
        return FirstFailure::from_check(&o.id, Classification::Environment, &message, None);
    };
    let cwd = spec.and_then(|s| s.cwd.as_deref());
    let dir = cwd.map_or_else(|| ws.root.clone(), |c| ws.root.join(c));
    let context = triage::StepContext::new(&o.id)
        .command(Some(&o.cmd))
        .root(Some(&dir));
    let junit: Vec<PathBuf> = o.junit.iter().map(|j| ws.root.join(j)).collect();
    let mut found = triage::analyze(log, &junit, &context)
        .unwrap_or_else(|e| from_log_alone(ws, log, &context, &e, &message));
    if o.status == Status::Error {
        // The program did not start (not installed, not executable): the log's own line
        // names what is missing; without one, the runner's reason says it.
        if found.layer == triage::Layer::None {
            return FirstFailure::from_check(&o.id, Classification::Environment, &message, None);
        }
        found.classification = Classification::Environment;
    }
    if o.status == Status::TimedOut {
        found.classification = Classification::Timeout;
        found.message = match found.layer {
            triage::Layer::None => message,
            _ => format!("{message}; last recognised error: {}", found.message),
        };
    }
    // Artifacts name logs relative to the root, never by this machine's absolute path.
    found.message = found
        .message
        .replace(&log.display().to_string(), &ws.rel(log));
    // The rerun runs as the step did: with its environment (a test gated by a variable is
    // skipped without it), but never with a secret's value in an artifact.
    if let (Some(spec), Some(next)) = (spec, found.next_command.as_mut()) {
        *next = with_env(spec, next);
    }
    // Triage answers from the step's directory; the artifact speaks from the root.
    if let Some(cwd) = cwd {
        if let Some(file) = found.file.as_mut().filter(|f| !f.starts_with('/')) {
            *file = cwd.join(&*file).display().to_string();
        }
        if let Some(next) = found.next_command.as_mut() {
            *next = format!("cd {} && {next}", cwd.display());
        }
    }
    if found.next_command.is_none() {
        found.next_command = Some(rerun(spec, &o.cmd));
    }
    found
}

/// The log's answer when the step's JUnit files cannot be used: a file the step never
/// wrote (it crashed first) must not hide the log, and goes unsaid; a malformed one is
/// named in the message so that it gets fixed.
fn from_log_alone(
    ws: &Workspace,
    log: &std::path::Path,
    context: &triage::StepContext,
    error: &std::io::Error,
    message: &str,
) -> FirstFailure {
    let mut found = triage::analyze(log, &[], context).unwrap_or_else(|_| {
        FirstFailure::from_check(&context.id, Classification::Unknown, message, None)
    });
    let malformed = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<triage::junit::Malformed>());
    if let Some(m) = malformed {
        let path = m.path.strip_prefix(&ws.root).unwrap_or(&m.path);
        found.message = format!(
            "{} (JUnit {}:{} is malformed; answered from the log)",
            found.message,
            path.display(),
            m.line
        );
    }
    found
}

/// Applies `--only` / `--skip` to configured steps; unknown ids are a usage error.
pub fn select(
    steps: &[crate::config::StepSpec],
    only: &[String],
    skip: &[String],
) -> Result<Vec<crate::config::StepSpec>> {
    let known: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
    if let Some(bad) = only
        .iter()
        .chain(skip)
        .find(|id| !known.contains(&id.as_str()))
    {
        return Err(Error::Usage(format!(
            "unknown step id `{bad}` (steps: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let keep = |id: &str| {
        (only.is_empty() || only.iter().any(|o| o == id)) && !skip.iter().any(|s| s == id)
    };
    let mut selected: Vec<_> = steps.iter().filter(|s| keep(&s.id)).cloned().collect();
    // A need that was deselected cannot be waited for; the step runs without it.
    let ids: Vec<String> = selected.iter().map(|s| s.id.clone()).collect();
    for step in &mut selected {
        step.needs.retain(|n| ids.contains(n));
    }
    Ok(selected)
}

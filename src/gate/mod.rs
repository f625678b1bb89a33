//! Gates: named sets of steps with a verdict. `fast` runs commands, `release` and `doctor`
//! run built-in checks plus custom commands. Every gate writes one artifact with the same
//! shape (PRODUCT §4).

pub mod check;
pub mod doctor;
pub mod fast;
pub mod release;

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::repo::git::GitFacts;
use crate::runner::{Status, StepOutcome};
use crate::triage::{self, Classification, FirstFailure};
use crate::workspace::Workspace;

/// Artifact schema version of gate artifacts.
pub const SCHEMA: &str = "sdetkit.gate.v1";

/// When a gate started, by the wall clock (for the artifact) and the monotonic one (for its
/// duration).
#[derive(Debug, Clone, Copy)]
pub struct Started {
    pub at: jiff::Timestamp,
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

/// The three gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateKind {
    Fast,
    Release,
    Doctor,
}

impl GateKind {
    /// The name used in summaries and histories (`gate-fast`, `gate-release`, `doctor`).
    pub fn name(self) -> &'static str {
        match self {
            GateKind::Fast => "gate-fast",
            GateKind::Release => "gate-release",
            GateKind::Doctor => "doctor",
        }
    }

    /// The short name in the artifact (`fast`, `release`, `doctor`) and the logs folder.
    pub fn short(self) -> &'static str {
        match self {
            GateKind::Fast => "fast",
            GateKind::Release => "release",
            GateKind::Doctor => "doctor",
        }
    }

    /// Artifact file name under `build/first-proof/`.
    pub fn artifact(self) -> &'static str {
        match self {
            GateKind::Fast => "gate-fast.json",
            GateKind::Release => "release-preflight.json",
            GateKind::Doctor => "doctor.json",
        }
    }
}

/// Severity of a built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warn,
    Info,
}

/// Whether a record is a command or a built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Command,
    Builtin,
}

/// One step of a gate artifact.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub id: String,
    pub kind: StepKind,
    /// The command (for built-in checks, what was looked at).
    pub cmd: Option<String>,
    pub status: Status,
    pub rc: Option<i32>,
    pub started_ms: u64,
    pub duration_ms: u64,
    /// Log path relative to the root.
    pub log: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log_truncated: bool,
    /// What a check found, or why a step was skipped / could not start / timed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Specific findings (files and lines, tool versions…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<FirstFailure>,
}

/// A gate artifact.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub schema_version: &'static str,
    pub gate: &'static str,
    #[serde(skip)]
    pub kind: Option<GateKind>,
    pub ok: bool,
    pub dry_run: bool,
    pub interrupted: bool,
    /// Steps that actually ran or were evaluated.
    pub executed: usize,
    /// Ids of blocking steps, in declared order.
    pub failed_steps: Vec<String>,
    pub steps: Vec<StepRecord>,
    pub recommendations: Vec<String>,
    pub git: GitFacts,
    pub root: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// Doctor only: share of passed checks, informational.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

impl GateReport {
    /// Builds the verdict from the records: ok iff something executed and nothing blocks.
    pub fn new(
        kind: GateKind,
        ws: &Workspace,
        steps: Vec<StepRecord>,
        dry_run: bool,
        git: GitFacts,
        started: Started,
    ) -> Self {
        let failed_steps: Vec<String> = steps
            .iter()
            .filter(|s| s.status.blocks())
            .map(|s| s.id.clone())
            .collect();
        let executed = steps.iter().filter(|s| s.status.executed()).count();
        let interrupted = steps.iter().any(|s| s.status == Status::Interrupted)
            || crate::runner::interrupt::requested();
        let mut recommendations = recommend(&steps);
        if executed == 0 {
            recommendations.insert(0, nothing_checked(kind));
        }
        GateReport {
            schema_version: SCHEMA,
            gate: kind.short(),
            kind: Some(kind),
            ok: executed > 0 && failed_steps.is_empty() && !interrupted,
            dry_run,
            interrupted,
            executed,
            failed_steps,
            steps,
            recommendations,
            git,
            root: ws.root.to_string_lossy().into_owned(),
            started_at: crate::clock::iso(started.at),
            duration_ms: started.clock.elapsed().as_millis() as u64,
            score: None,
        }
    }

    /// The first failure of the first blocking step.
    pub fn first_failure(&self) -> Option<&FirstFailure> {
        self.steps
            .iter()
            .filter(|s| s.status.blocks())
            .find_map(|s| s.first_failure.as_ref())
    }

    /// Writes the artifact under `build/first-proof/`; returns its path.
    pub fn write(&self, ws: &Workspace, stable: bool) -> Result<PathBuf> {
        let kind = self.kind.expect("reports are built with a kind");
        let path = ws.proof_dir().join(kind.artifact());
        crate::json::write_value(&path, &self.to_json(stable))?;
        Ok(path)
    }

    /// The artifact as JSON; `stable` drops what differs between identical runs.
    pub fn to_json(&self, stable: bool) -> serde_json::Value {
        let mut value = crate::json::to_value(self);
        if stable {
            crate::json::stabilize(&mut value);
        }
        value
    }
}

fn nothing_checked(kind: GateKind) -> String {
    match kind {
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

/// Runs command steps of `kind` (clearing its previous logs) and returns their records.
pub fn run_commands(
    ws: &Workspace,
    config: &crate::config::Config,
    kind: GateKind,
    specs: &[crate::config::StepSpec],
    redactor: &std::sync::Arc<crate::runner::Redactor>,
    progress: &Option<std::sync::Arc<crate::runner::Progress>>,
) -> Vec<StepRecord> {
    let ctx = ws.runner(kind.short(), config, redactor, progress);
    clear_logs(&ctx.logs_dir);
    records(ws, crate::runner::run(specs, &ctx), specs)
}

/// Removes the previous run's logs of a gate, so a log on disk always belongs to this run.
fn clear_logs(dir: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
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
                message: o.reason.clone(),
                hint: None,
                severity: None,
                details: Vec::new(),
                first_failure,
            }
        })
        .collect()
}

/// The reproduction command of a step: its own command, from its working directory.
fn rerun(spec: Option<&crate::config::StepSpec>, cmd: &str) -> String {
    match spec.and_then(|s| s.cwd.as_ref()) {
        Some(dir) => format!("cd {} && {cmd}", dir.display()),
        None => cmd.to_string(),
    }
}

fn first_failure(
    ws: &Workspace,
    o: &StepOutcome,
    spec: Option<&crate::config::StepSpec>,
) -> FirstFailure {
    let message = o.reason.clone().unwrap_or_default();
    match (o.status, &o.log) {
        (Status::Error, _) | (_, None) => {
            FirstFailure::from_check(&o.id, Classification::Environment, &message, None)
        }
        (status, Some(log)) => {
            let junit: Vec<PathBuf> = o.junit.iter().map(|j| ws.root.join(j)).collect();
            let mut found = triage::analyze(log, &junit, &o.id)
                .unwrap_or_else(|e| from_log_alone(ws, log, &o.id, &e, &message));
            if status == Status::TimedOut {
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
            if found.next_command.is_none() {
                found.next_command = Some(rerun(spec, &o.cmd));
            }
            found
        }
    }
}

/// The log's answer when the step's JUnit files cannot be used: a file the step never
/// wrote (it crashed first) must not hide the log, and goes unsaid; a malformed one is
/// named in the message so that it gets fixed.
fn from_log_alone(
    ws: &Workspace,
    log: &std::path::Path,
    id: &str,
    error: &std::io::Error,
    message: &str,
) -> FirstFailure {
    let mut found = triage::analyze(log, &[], id)
        .unwrap_or_else(|_| FirstFailure::from_check(id, Classification::Unknown, message, None));
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

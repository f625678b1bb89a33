//! The proof's artifacts under `first-proof/`: the three gate artifacts (`gate-fast.json`,
//! `release-preflight.json`, `doctor.json`), their text logs, the step logs, and the
//! decision snapshot `first-proof-summary.json` (the reference's v1 fields plus ours).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Doc;
use crate::error::Result;
use crate::repo::git::GitFacts;
use crate::runner::Status;
use crate::schemas;
use crate::triage::FirstFailure;

/// Schema version of gate artifacts.
pub const GATE_SCHEMA: &str = "sdetkit.gate.v1";

/// Schema version of the decision snapshot (a superset of the reference's unversioned v1).
pub const SUMMARY_SCHEMA: &str = "sdetkit.first-proof-summary.v1";

/// `first-proof/gate-fast.json`.
pub const GATE_FAST: Doc<GateReport> = Doc::new("first-proof/gate-fast.json", Some(&schemas::GATE));
/// `first-proof/release-preflight.json`.
pub const GATE_RELEASE: Doc<GateReport> =
    Doc::new("first-proof/release-preflight.json", Some(&schemas::GATE));
/// `first-proof/doctor.json`.
pub const DOCTOR: Doc<GateReport> = Doc::new("first-proof/doctor.json", Some(&schemas::GATE));
/// `first-proof/first-proof-summary.json`.
pub const SUMMARY: Doc<Summary> = Doc::new(
    "first-proof/first-proof-summary.json",
    Some(&schemas::PROOF_SUMMARY),
);

/// The directory of the proof's artifacts, `first-proof/`, under `out`.
pub fn dir(out: &Path) -> PathBuf {
    out.join("first-proof")
}

/// Where step logs are, under the out-dir.
pub const LOGS: &str = "first-proof/logs/";

/// The directory of one gate's step logs: `first-proof/logs/<gate>/` (`fast`, `release`,
/// `doctor`, or `setup` for the daily lane's setup step).
pub fn logs_dir(out: &Path, gate: &str) -> PathBuf {
    out.join(LOGS).join(gate)
}

/// Makes [`logs_dir`] ready for a run of `gate`: created (no link below the out-dir, see
/// [`super::make_dir`]) and emptied of the previous run's logs, so a log on disk always
/// belongs to this run. Returns it.
pub fn fresh_logs_dir(out: &Path, gate: &str) -> Result<PathBuf> {
    let logs = logs_dir(out, gate);
    super::file::fresh_dir(out, &logs, &["log"])?;
    Ok(logs)
}

/// The v1 text logs of a gate: `first-proof/<gate-name>.stdout.log` and `.stderr.log`.
pub fn gate_logs(out: &Path, kind: GateKind) -> (PathBuf, PathBuf) {
    let dir = dir(out);
    (
        dir.join(format!("{}.stdout.log", kind.name())),
        dir.join(format!("{}.stderr.log", kind.name())),
    )
}

/// The three gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateKind {
    /// Format, lint, type-check and test commands.
    Fast,
    /// The release preflight.
    Release,
    /// Repository and environment health.
    Doctor,
}

impl GateKind {
    /// Every gate, in the order the proof reports them.
    pub const ALL: [GateKind; 3] = [GateKind::Fast, GateKind::Release, GateKind::Doctor];

    /// The name in summaries and histories (`gate-fast`, `gate-release`, `doctor`).
    pub fn name(self) -> &'static str {
        match self {
            GateKind::Fast => "gate-fast",
            GateKind::Release => "gate-release",
            GateKind::Doctor => "doctor",
        }
    }

    /// The gate with that summary name.
    pub fn from_name(name: &str) -> Option<GateKind> {
        GateKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The sdetkit command that runs it alone (`gate fast`, `gate release`, `doctor`).
    pub fn command(self) -> &'static str {
        match self {
            GateKind::Fast => "gate fast",
            GateKind::Release => "gate release",
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

    /// Its artifact.
    pub fn doc(self) -> &'static Doc<GateReport> {
        match self {
            GateKind::Fast => &GATE_FAST,
            GateKind::Release => &GATE_RELEASE,
            GateKind::Doctor => &DOCTOR,
        }
    }
}

/// Serialises a [`GateKind`] by its summary name (`gate-fast`), as the v1 summary does.
mod by_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::GateKind;

    pub fn serialize<S: Serializer>(kind: &GateKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<GateKind, D::Error> {
        let name = String::deserialize(d)?;
        GateKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown gate `{name}`")))
    }
}

/// SHIP or NO-SHIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Every gate that ran is ok.
    #[serde(rename = "SHIP")]
    Ship,
    /// A gate failed, or none ran.
    #[serde(rename = "NO-SHIP")]
    NoShip,
}

impl Decision {
    /// `SHIP` or `NO-SHIP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Ship => "SHIP",
            Decision::NoShip => "NO-SHIP",
        }
    }

    /// `FIRST_PROOF_DECISION=…`.
    pub fn line(self) -> String {
        format!("FIRST_PROOF_DECISION={}", self.as_str())
    }
}

/// Severity of a built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks the gate.
    Error,
    /// Reported, does not block.
    Warn,
    /// For information.
    Info,
}

/// Whether a record is a command or a built-in check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A shell command.
    Command,
    /// A check built into sdetkit.
    Builtin,
}

/// One step of a gate artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// Step or check id.
    pub id: String,
    /// Command or built-in check.
    pub kind: StepKind,
    /// The command (for built-in checks, what was looked at).
    pub cmd: Option<String>,
    /// What became of it.
    pub status: Status,
    /// Exit code, when it exited by itself.
    pub rc: Option<i32>,
    /// Milliseconds from the run's start to the step's start.
    #[serde(default)]
    pub started_ms: u64,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// Log path relative to the root.
    pub log: Option<String>,
    /// Whether the log was capped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log_truncated: bool,
    /// The sha256 of the log as this run wrote it, for the run's file record (not part of
    /// the gate artifact).
    #[serde(skip)]
    pub log_sha256: Option<String>,
    /// What a check found, or why a step was skipped / could not start / timed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A built-in check's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Specific findings (files and lines, tool versions…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The first failure, on a blocking step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<FirstFailure>,
    /// Its tests, for the event log (not part of the gate artifact): every case of its JUnit
    /// files when it declares some, else the failing tests its log names.
    #[serde(skip)]
    pub tests: Vec<TestResult>,
}

/// One test of a step in a run, as the event log keeps it: from structured results (JUnit),
/// or the failing tests the step's log names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The step that ran it.
    pub step: String,
    /// The test's id (`tests/test_a.py::test_total`, `module::name`).
    pub id: String,
    /// `passed`, `failed` or `skipped`.
    pub status: String,
    /// Its wall time, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A gate artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GateReport {
    /// [`GATE_SCHEMA`].
    pub schema_version: String,
    /// Which gate.
    pub gate: GateKind,
    /// The verdict: something executed and nothing blocks.
    pub ok: bool,
    /// A release gate in rehearsal mode.
    pub dry_run: bool,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Steps that actually ran or were evaluated.
    pub executed: usize,
    /// Ids of blocking steps, in declared order.
    pub failed_steps: Vec<String>,
    /// Every step, in declared order.
    pub steps: Vec<StepRecord>,
    /// What to do, one line per blocking or warning step.
    pub recommendations: Vec<String>,
    /// The commit and branch checked.
    #[serde(default)]
    pub git: GitFacts,
    /// Absolute repository root.
    #[serde(default)]
    pub root: String,
    /// When the gate started.
    #[serde(default)]
    pub started_at: String,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// Doctor only: share of passed checks, informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

impl GateReport {
    /// The first failure of the first blocking step.
    pub fn first_failure(&self) -> Option<&FirstFailure> {
        self.steps
            .iter()
            .filter(|s| s.status.blocks())
            .find_map(|s| s.first_failure.as_ref())
    }
}

/// One gate in the snapshot: the reference's v1 step fields plus the gate's own verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryStep {
    /// `gate-fast`, `gate-release` or `doctor`.
    #[serde(with = "by_name")]
    pub name: GateKind,
    /// The equivalent command line.
    pub command: Vec<String>,
    /// What that command would exit with: 0 ok, 1 not ok.
    pub returncode: i32,
    /// The gate's text report.
    pub stdout_log: String,
    /// The gate's problems, one per line (empty when ok).
    pub stderr_log: String,
    /// The gate artifact.
    pub artifact: Option<String>,
    /// The gate's verdict.
    #[serde(default)]
    pub ok: bool,
    /// A release gate in rehearsal mode.
    #[serde(default)]
    pub dry_run: bool,
    /// The gate's blocking steps.
    #[serde(default)]
    pub failed_steps: Vec<String>,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
}

/// `first-proof-summary.json`. Reads a reference v1 summary too (our fields default).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// [`SUMMARY_SCHEMA`].
    #[serde(default)]
    pub schema_version: String,
    /// The run's id (absent with `--stable-json`).
    #[serde(default)]
    pub run_id: String,
    /// When the proof started.
    #[serde(default)]
    pub started_at: String,
    /// Wall time of the proof.
    #[serde(default)]
    pub duration_ms: u64,
    /// The decision is SHIP.
    pub ok: bool,
    /// SHIP or NO-SHIP.
    pub decision: Decision,
    /// `FIRST_PROOF_DECISION=…`.
    pub decision_line: String,
    /// NO-SHIP fails the command.
    pub strict: bool,
    /// The release gate ran as a dry run.
    #[serde(default)]
    pub release_dry_run: bool,
    /// Stopped by Ctrl-C.
    #[serde(default)]
    pub interrupted: bool,
    /// One entry per gate that ran.
    pub steps: Vec<SummaryStep>,
    /// Names of the gates that are not ok, in gate order.
    pub failed_steps: Vec<String>,
    /// The first failure of the first failed gate.
    #[serde(default)]
    pub first_failure: Option<FirstFailure>,
    /// Commit, branch and dirtiness.
    #[serde(default)]
    pub git: GitFacts,
    /// What the run checked (see `inputs`): the same digest means the same tree, config and
    /// tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
}

//! Configuration: `sdetkit.toml` when present (the single source of truth), otherwise what
//! [`detect`] finds in the repository.

mod checks;
pub mod detect;
pub mod duration;
mod file;
mod globs;

pub use checks::{DoctorCheck, ReleaseCheck};
pub use globs::Globs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Result;

pub use file::{load, parse as load_str};

/// Default per-step timeout (PRODUCT §3).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The most of a `version_file` read: one line, or a small module.
pub const VERSION_FILE_CAP: u64 = 1 << 20;

/// The most of a changelog read.
pub const CHANGELOG_CAP: u64 = 16 << 20;

/// Default time between SIGTERM and SIGKILL when a step is stopped.
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);

pub use crate::tools::Tool;

/// One command step, as the runner executes it.
#[derive(Debug, Clone)]
pub struct StepSpec {
    /// Unique id within its gate.
    pub id: String,
    /// Shell command, run through `sh -c`.
    pub run: String,
    /// What the runner starts instead of `run`, when sdetkit adds options that only this run
    /// needs (`gate::nextest`: paths of this machine). `run` stays the step's identity: its
    /// cache key, the configuration digest, the artifacts' `cmd` and the rerun command.
    pub launch: Option<String>,
    /// Working directory relative to the root.
    pub cwd: Option<PathBuf>,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
    /// Wall-clock limit; the whole process group is killed when it runs out.
    pub timeout: Duration,
    /// Steps that must pass before this one starts.
    pub needs: Vec<String>,
    /// JUnit XML the step writes, relative to the root, for triage.
    pub junit: Option<PathBuf>,
    /// Programs that must be there (auto-detected steps only); a missing one makes the step
    /// `error` without starting it.
    pub requires: Vec<Tool>,
    /// Whether an earlier pass on the same inputs may stand in for a run (`cache = false`).
    pub cache: bool,
    /// The files the step reads (`inputs = ["src/**"]`), narrowing its cache key; all of the
    /// work tree when `None`.
    pub inputs: Option<Globs>,
}

impl StepSpec {
    /// A step with defaults for everything but its id and command.
    pub fn new(id: &str, run: &str) -> Self {
        StepSpec {
            id: id.to_string(),
            run: run.to_string(),
            launch: None,
            cwd: None,
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
            needs: Vec::new(),
            junit: None,
            requires: Vec::new(),
            cache: true,
            inputs: None,
        }
    }

    /// Adds a program required on PATH.
    pub fn requires(mut self, program: &str, hint: &str) -> Self {
        self.requires.push(Tool::on_path(program, hint));
        self
    }

    /// The working directory under `root`.
    pub fn dir(&self, root: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) => root.join(cwd),
            None => root.to_path_buf(),
        }
    }
}

/// Where the release gate looks for the changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangelogSetting {
    /// The usual names; none found is a warning, not a failure.
    Auto,
    /// This file.
    File(PathBuf),
    /// The repository keeps no changelog (`changelog = false`): nothing to check.
    Off,
}

/// Options of the release gate's built-in checks.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    /// The changelog.
    pub changelog: ChangelogSetting,
    /// Prefix of release tags (`v` gives `v1.2.3`); `None` reads it from the repository's
    /// tags.
    pub tag_prefix: Option<String>,
    /// Branch names or globs (`release/*`) a release may be cut from.
    pub release_branches: Globs,
    /// A file holding the version, when it is not in a known manifest.
    pub version_file: Option<PathBuf>,
    /// Built-in checks turned off.
    pub skip: Vec<ReleaseCheck>,
}

impl ReleaseOptions {
    /// Whether `check` is turned off.
    pub fn skips(&self, check: ReleaseCheck) -> bool {
        self.skip.contains(&check)
    }
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            changelog: ChangelogSetting::Auto,
            tag_prefix: None,
            release_branches: Globs::new(&["main".into(), "master".into(), "release/*".into()])
                .expect("the default patterns compile"),
            version_file: None,
            skip: Vec::new(),
        }
    }
}

/// Options of the doctor's built-in checks.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// Built-in checks turned off.
    pub skip: Vec<DoctorCheck>,
    /// Paths (globs) the secret scan does not look at, e.g. test fixtures with fake tokens.
    pub allow_secrets_in: Globs,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            skip: Vec::new(),
            allow_secrets_in: Globs::new(&[]).expect("no pattern compiles"),
        }
    }
}

impl DoctorOptions {
    /// Whether `check` is turned off.
    pub fn skips(&self, check: DoctorCheck) -> bool {
        self.skip.contains(&check)
    }
}

/// Where the history of lane runs lives (`[history] store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    /// The event log in the out-dir only.
    Local,
    /// The local log, plus rows kept on a git ref of a remote, fetched before a lane and
    /// pushed after it (history that survives fresh CI checkouts with no server).
    Git,
    /// The local log, plus a PostgreSQL database shared by many runners and repositories.
    Postgres,
}

/// The `[history]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOptions {
    /// The store.
    pub store: StoreKind,
    /// The git remote the history ref lives on (`store = "git"`).
    pub remote: String,
    /// The ref that holds the rows (`store = "git"`).
    pub git_ref: String,
    /// The environment variable holding the database URL (`store = "postgres"`); the URL
    /// itself is never written to a file or a log.
    pub url_env: String,
}

/// The default history ref.
pub const HISTORY_REF: &str = "refs/sdetkit/history";

/// The default variable naming the PostgreSQL database.
pub const DATABASE_URL_ENV: &str = "SDETKIT_DATABASE_URL";

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            store: StoreKind::Local,
            remote: "origin".to_string(),
            git_ref: HISTORY_REF.to_string(),
            url_env: DATABASE_URL_ENV.to_string(),
        }
    }
}

/// A weekly threshold profile; missing values fall back to `default`, then to the built-ins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Minimum ship rate over the last 7 runs.
    pub min_ship_rate: f64,
    /// Runs needed before the rate is judged.
    pub min_total_runs: u64,
    /// Trailing NO-SHIP runs needed for a breach.
    pub min_consecutive_breaches: u64,
    /// Whether a breach fails the lane (exit 1).
    pub fail_on_breach: bool,
}

/// The configuration every command works from.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from: the file, or `None` when auto-detected.
    pub source: Option<PathBuf>,
    /// The "reinstall lane" command, skipped by `--no-setup`.
    pub setup: Option<StepSpec>,
    /// Fast-gate steps, in declared order.
    pub fast: Vec<StepSpec>,
    /// Release gate options.
    pub release: ReleaseOptions,
    /// Custom release steps.
    pub release_steps: Vec<StepSpec>,
    /// Doctor options.
    pub doctor: DoctorOptions,
    /// Custom doctor steps.
    pub doctor_steps: Vec<StepSpec>,
    /// Threshold profiles by branch name (always has `default`).
    pub thresholds: BTreeMap<String, Thresholds>,
    /// Parallel step limit from the file, if any.
    pub jobs: Option<usize>,
    /// Time between SIGTERM and SIGKILL when a step is stopped.
    pub kill_grace: Duration,
    /// Why each auto-detected step is there (empty when configured).
    pub detected: Vec<detect::Finding>,
    /// Where the history of runs is kept besides the local event log.
    pub history: HistoryOptions,
    /// The pre-merge lane's options.
    pub premerge: PremergeOptions,
}

/// The `[premerge]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PremergeOptions {
    /// Let a cached pass stand for a fast-gate step in the pre-merge lane (off: a merge is
    /// judged on steps that ran).
    pub reuse_cache: bool,
}

impl Config {
    /// The secrets it holds: the values of secret-named variables in its steps' `env`, and
    /// the history store's database URL.
    pub fn secrets(&self) -> Vec<String> {
        let steps = self
            .fast
            .iter()
            .chain(&self.release_steps)
            .chain(&self.doctor_steps)
            .chain(self.setup.iter());
        let mut values: Vec<String> =
            crate::secrets::secret_values(steps.flat_map(|s| &s.env)).collect();
        values.extend(std::env::var(&self.history.url_env).ok());
        values
    }

    /// The threshold profile for `branch`, else `default`.
    pub fn thresholds_for(&self, branch: &str) -> Thresholds {
        self.thresholds
            .get(branch)
            .or_else(|| self.thresholds.get("default"))
            .copied()
            .unwrap_or(builtin_thresholds()["default"])
    }
}

/// The reference's threshold profiles (`first-proof-threshold-profiles.reference.json`).
pub fn builtin_thresholds() -> BTreeMap<String, Thresholds> {
    let profile = |rate, runs, fail| Thresholds {
        min_ship_rate: rate,
        min_total_runs: runs,
        min_consecutive_breaches: 2,
        fail_on_breach: fail,
    };
    BTreeMap::from([
        ("default".to_string(), profile(0.5, 3, false)),
        ("main".to_string(), profile(0.6, 5, true)),
        ("release".to_string(), profile(0.65, 5, true)),
    ])
}

/// Loads `path` when it exists; otherwise auto-detects from `root`. The secrets it holds
/// are redacted from here on ([`crate::secrets::learn`]).
pub fn resolve(root: &Path, path: &Path, explicit: bool) -> Result<Config> {
    let config = if path.exists() || explicit {
        load(path, root)?
    } else {
        detect::config(root)
    };
    crate::secrets::learn(config.secrets());
    Ok(config)
}

//! Parsing and validating `sdetkit.toml`. Every problem is reported as `file:line: message`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{
    ChangelogSetting, Config, DEFAULT_KILL_GRACE, DEFAULT_TIMEOUT, DoctorCheck, DoctorOptions,
    Globs, HistoryOptions, PremergeOptions, ReleaseCheck, ReleaseOptions, StepSpec, StoreKind,
    Thresholds, builtin_thresholds, duration,
};
use crate::error::{Error, Result};
use crate::files::Links;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    setup: Option<RawSetup>,
    runner: Option<RawRunner>,
    gate: Option<RawGates>,
    doctor: Option<RawDoctor>,
    #[serde(default)]
    thresholds: BTreeMap<String, Spanned<RawThresholds>>,
    history: Option<RawHistory>,
    premerge: Option<RawPremerge>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPremerge {
    #[serde(default)]
    reuse_cache: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    store: Option<Spanned<String>>,
    remote: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
    url_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    run: String,
    timeout: Option<Spanned<String>>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunner {
    jobs: Option<Spanned<usize>>,
    kill_grace: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGates {
    fast: Option<RawFast>,
    release: Option<RawRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFast {
    #[serde(default)]
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    changelog: Option<Spanned<RawChangelog>>,
    tag_prefix: Option<String>,
    release_branches: Option<Spanned<Vec<String>>>,
    version_file: Option<Spanned<PathBuf>>,
    #[serde(default)]
    skip: Vec<Spanned<String>>,
    #[serde(default)]
    steps: Vec<RawStep>,
}

/// `changelog = "CHANGES.rst"`, or `changelog = false` for a repository that keeps none.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawChangelog {
    Keep(bool),
    File(PathBuf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoctor {
    #[serde(default)]
    skip: Vec<Spanned<String>>,
    allow_secrets_in: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    run: Spanned<String>,
    timeout: Option<Spanned<String>>,
    #[serde(default)]
    needs: Vec<Spanned<String>>,
    junit: Option<PathBuf>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    cache: Option<bool>,
    inputs: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    min_ship_rate: Option<f64>,
    min_total_runs: Option<u64>,
    min_consecutive_breaches: Option<u64>,
    fail_on_breach: Option<bool>,
}

/// The longest step id: it names the step's log file (`<id>.log`), and file names are at
/// most 255 bytes on the usual file systems.
const MAX_STEP_ID: usize = 128;

/// The most of a config file read.
const CONFIG_CAP: u64 = 4 << 20;

/// Loads and validates the config file at `path` (a regular file of at most 4 MiB) for the
/// repository at `root`, where the files it names (`version_file`, `changelog`) must be
/// regular files too when they exist.
pub fn load(path: &Path, root: &Path) -> Result<Config> {
    let text = crate::files::read_text(path, CONFIG_CAP, Links::Follow)?.ok_or_else(|| {
        Error::io(
            path,
            "cannot read config",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        )
    })?;
    parse_in(path, &text, Some(root))
}

/// Parses config text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    parse_in(path, text, None)
}

/// Parses config text, checking the files it names under `root` when given.
fn parse_in(path: &Path, text: &str, root: Option<&Path>) -> Result<Config> {
    let at = Locator { path, text, root };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| at.line(s.start));
        at.error_at_line(line, e.message().trim().replace('\n', " "))
    })?;
    let gates = raw.gate.unwrap_or(RawGates {
        fast: None,
        release: None,
    });
    let fast = steps(
        &at,
        gates.fast.map(|f| f.steps).unwrap_or_default(),
        "gate.fast",
    )?;
    let (release, release_steps) = match gates.release {
        Some(r) => release(&at, r)?,
        None => (ReleaseOptions::default(), Vec::new()),
    };
    let (doctor, doctor_steps) = match raw.doctor {
        Some(d) => {
            let options = DoctorOptions {
                skip: check_names(&at, &d.skip, DoctorCheck::parse, DoctorCheck::known)?,
                allow_secrets_in: match &d.allow_secrets_in {
                    Some(globs) => at.globs(globs)?,
                    None => DoctorOptions::default().allow_secrets_in,
                },
            };
            (options, steps(&at, d.steps, "doctor")?)
        }
        None => (DoctorOptions::default(), Vec::new()),
    };
    let (jobs, kill_grace) = runner(&at, raw.runner)?;
    Ok(Config {
        source: Some(path.to_path_buf()),
        setup: raw.setup.map(|s| setup(&at, s)).transpose()?,
        fast,
        release,
        release_steps,
        doctor,
        doctor_steps,
        thresholds: thresholds(&at, raw.thresholds)?,
        jobs,
        kill_grace,
        detected: Vec::new(),
        history: history(&at, raw.history)?,
        premerge: PremergeOptions {
            reuse_cache: raw.premerge.is_some_and(|p| p.reuse_cache),
        },
    })
}

fn history(at: &Locator, raw: Option<RawHistory>) -> Result<HistoryOptions> {
    let defaults = HistoryOptions::default();
    let Some(raw) = raw else {
        return Ok(defaults);
    };
    let store = match &raw.store {
        None => StoreKind::Local,
        Some(s) => match s.get_ref().as_str() {
            "local" => StoreKind::Local,
            "git" => StoreKind::Git,
            "postgres" => StoreKind::Postgres,
            other => {
                return Err(at.error(
                    s.span(),
                    format!("history.store is \"{other}\": use \"local\", \"git\" or \"postgres\""),
                ));
            }
        },
    };
    if let Some(r) = &raw.git_ref
        && !r.get_ref().starts_with("refs/")
    {
        return Err(at.error(r.span(), "history.ref must be a full ref name under refs/"));
    }
    Ok(HistoryOptions {
        store,
        remote: raw.remote.unwrap_or(defaults.remote),
        git_ref: raw.git_ref.map_or(defaults.git_ref, Spanned::into_inner),
        url_env: raw.url_env.unwrap_or(defaults.url_env),
    })
}

/// Turns byte offsets into `file:line` errors.
struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
    /// The repository the files the config names are relative to, when they are checked.
    root: Option<&'a Path>,
}

impl Locator<'_> {
    /// A file setting `name` (at `span`) names `rel` under the root: when it exists it must
    /// be a regular file of at most `cap` bytes (a FIFO would hang its read, `/dev/zero`
    /// never end it).
    fn named_file(&self, span: Range<usize>, name: &str, rel: &Path, cap: u64) -> Result<()> {
        match self
            .root
            .map(|root| crate::files::regular(&root.join(rel), cap))
        {
            Some(Err(e)) => Err(self.error(span, format!("{name}: {e}"))),
            _ => Ok(()),
        }
    }

    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> Error {
        self.error_at_line(self.line(span.start), message)
    }

    fn error_at_line(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Config {
            path: self.path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    fn duration(&self, value: &Spanned<String>) -> Result<std::time::Duration> {
        duration::parse(value.get_ref()).map_err(|m| self.error(value.span(), m))
    }

    fn globs(&self, value: &Spanned<Vec<String>>) -> Result<Globs> {
        Globs::new(value.get_ref()).map_err(|m| self.error(value.span(), m))
    }
}

fn setup(at: &Locator, raw: RawSetup) -> Result<StepSpec> {
    let mut step = StepSpec::new("setup", &raw.run);
    step.cwd = raw.cwd;
    step.env = raw.env;
    if let Some(t) = &raw.timeout {
        step.timeout = at.duration(t)?;
    }
    Ok(step)
}

fn runner(at: &Locator, raw: Option<RawRunner>) -> Result<(Option<usize>, std::time::Duration)> {
    let Some(raw) = raw else {
        return Ok((None, DEFAULT_KILL_GRACE));
    };
    if let Some(jobs) = &raw.jobs
        && *jobs.get_ref() == 0
    {
        return Err(at.error(jobs.span(), "runner.jobs must be at least 1"));
    }
    let grace = match &raw.kill_grace {
        Some(g) => at.duration(g)?,
        None => DEFAULT_KILL_GRACE,
    };
    Ok((raw.jobs.map(Spanned::into_inner), grace))
}

fn release(at: &Locator, raw: RawRelease) -> Result<(ReleaseOptions, Vec<StepSpec>)> {
    let defaults = ReleaseOptions::default();
    let options = ReleaseOptions {
        changelog: match raw.changelog.map(|c| (c.span(), c.into_inner())) {
            None | Some((_, RawChangelog::Keep(true))) => ChangelogSetting::Auto,
            Some((_, RawChangelog::Keep(false))) => ChangelogSetting::Off,
            Some((span, RawChangelog::File(path))) => {
                at.named_file(span, "changelog", &path, super::CHANGELOG_CAP)?;
                ChangelogSetting::File(path)
            }
        },
        tag_prefix: raw.tag_prefix.or(defaults.tag_prefix),
        release_branches: match &raw.release_branches {
            Some(branches) => at.globs(branches)?,
            None => defaults.release_branches,
        },
        version_file: match raw.version_file {
            Some(file) => {
                at.named_file(
                    file.span(),
                    "version_file",
                    file.get_ref(),
                    super::VERSION_FILE_CAP,
                )?;
                Some(file.into_inner())
            }
            None => None,
        },
        skip: check_names(at, &raw.skip, ReleaseCheck::parse, ReleaseCheck::known)?,
    };
    let custom = steps(at, raw.steps, "gate.release")?;
    if let Some(clash) = custom.iter().find(|s| ReleaseCheck::parse(&s.id).is_some()) {
        return Err(Error::Config {
            path: at.path.to_path_buf(),
            line: 1,
            message: format!(
                "gate.release step id `{}` clashes with a built-in check; pick another id",
                clash.id
            ),
        });
    }
    Ok((options, custom))
}

/// The checks `names` names; an unknown one is an error at its line, listing the known ones.
fn check_names<C>(
    at: &Locator,
    names: &[Spanned<String>],
    parse: fn(&str) -> Option<C>,
    known: fn() -> String,
) -> Result<Vec<C>> {
    names
        .iter()
        .map(|name| {
            parse(name.get_ref()).ok_or_else(|| {
                at.error(
                    name.span(),
                    format!(
                        "unknown check `{}` in skip (known: {})",
                        name.get_ref(),
                        known()
                    ),
                )
            })
        })
        .collect()
}

fn steps(at: &Locator, raw: Vec<RawStep>, table: &str) -> Result<Vec<StepSpec>> {
    let mut seen: HashMap<String, Range<usize>> = HashMap::new();
    for step in &raw {
        let id = step.id.get_ref();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(at.error(
                step.id.span(),
                format!("{table} step id `{id}` must be non-empty and use only letters, digits, `-`, `_` or `.`"),
            ));
        }
        if id.len() > MAX_STEP_ID {
            return Err(at.error(
                step.id.span(),
                format!(
                    "{table} step id is {} bytes long; at most {MAX_STEP_ID} (it names the step's log file)",
                    id.len()
                ),
            ));
        }
        if let Some(first) = seen.get(id) {
            return Err(at.error(
                step.id.span(),
                format!(
                    "duplicate {table} step id `{id}` (first defined on line {})",
                    at.line(first.start)
                ),
            ));
        }
        if step.run.get_ref().trim().is_empty() {
            return Err(at.error(
                step.run.span(),
                format!("{table} step `{id}` has an empty `run`"),
            ));
        }
        seen.insert(id.clone(), step.id.span());
    }
    for step in &raw {
        for need in &step.needs {
            if !seen.contains_key(need.get_ref()) {
                return Err(at.error(
                    need.span(),
                    format!(
                        "step `{}` needs unknown step `{}`",
                        step.id.get_ref(),
                        need.get_ref()
                    ),
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&raw) {
        let first = &raw[cycle[0]];
        let names: Vec<&str> = cycle
            .iter()
            .map(|&i| raw[i].id.get_ref().as_str())
            .collect();
        return Err(at.error(
            first.id.span(),
            format!(
                "{table} steps form a `needs` cycle: {} -> {}",
                names.join(" -> "),
                names[0]
            ),
        ));
    }
    raw.into_iter().map(|s| step(at, s)).collect()
}

fn step(at: &Locator, raw: RawStep) -> Result<StepSpec> {
    let mut step = StepSpec::new(raw.id.get_ref(), raw.run.get_ref());
    step.timeout = match &raw.timeout {
        Some(t) => at.duration(t)?,
        None => DEFAULT_TIMEOUT,
    };
    step.needs = raw.needs.into_iter().map(Spanned::into_inner).collect();
    step.junit = raw.junit;
    step.cwd = raw.cwd;
    step.env = raw.env;
    step.cache = raw.cache.unwrap_or(true);
    step.inputs = raw.inputs.as_ref().map(|g| at.globs(g)).transpose()?;
    Ok(step)
}

/// Returns the indices of one `needs` cycle, in order, if there is one.
fn find_cycle(steps: &[RawStep]) -> Option<Vec<usize>> {
    let index: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; steps.len()];
    let mut path = Vec::new();
    fn visit(
        i: usize,
        steps: &[RawStep],
        index: &HashMap<&str, usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        path.push(i);
        for need in &steps[i].needs {
            let j = index[need.get_ref().as_str()];
            if state[j] == 1 {
                let start = path.iter().position(|&p| p == j).unwrap_or(0);
                return Some(path[start..].to_vec());
            }
            if state[j] == 0
                && let Some(cycle) = visit(j, steps, index, state, path)
            {
                return Some(cycle);
            }
        }
        path.pop();
        state[i] = 2;
        None
    }
    (0..steps.len()).find_map(|i| {
        if state[i] == 0 {
            visit(i, steps, &index, &mut state, &mut path)
        } else {
            None
        }
    })
}

fn thresholds(
    at: &Locator,
    raw: BTreeMap<String, Spanned<RawThresholds>>,
) -> Result<BTreeMap<String, Thresholds>> {
    let builtin = builtin_thresholds();
    let base_default = match raw.get("default") {
        Some(d) => merge(at, d, builtin["default"])?,
        None => builtin["default"],
    };
    let mut out = builtin;
    out.insert("default".into(), base_default);
    for (name, profile) in &raw {
        let base = if name == "default" {
            continue;
        } else {
            out.get(name).copied().unwrap_or(base_default)
        };
        out.insert(name.clone(), merge(at, profile, base)?);
    }
    Ok(out)
}

fn merge(at: &Locator, raw: &Spanned<RawThresholds>, base: Thresholds) -> Result<Thresholds> {
    let r = raw.get_ref();
    if let Some(rate) = r.min_ship_rate
        && !(0.0..=1.0).contains(&rate)
    {
        return Err(at.error(
            raw.span(),
            format!("min_ship_rate {rate} must be between 0 and 1"),
        ));
    }
    Ok(Thresholds {
        min_ship_rate: r.min_ship_rate.unwrap_or(base.min_ship_rate),
        min_total_runs: r.min_total_runs.unwrap_or(base.min_total_runs),
        min_consecutive_breaches: r
            .min_consecutive_breaches
            .unwrap_or(base.min_consecutive_breaches),
        fail_on_breach: r.fail_on_breach.unwrap_or(base.fail_on_breach),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("sdetkit.toml"), text)
            .unwrap_err()
            .to_string()
    }

    /// The shipped JSON Schema of `sdetkit.toml` and this reader agree on the shape of a
    /// config: every key the reader takes is in the schema, and what it refuses for its shape
    /// (unknown keys, wrong types, missing `run`, bad ids, unknown check ids or stores) the
    /// schema refuses too.
    #[test]
    fn the_config_schema_agrees_with_the_reader() {
        let whole = r#"
[setup]
run = "npm ci"
timeout = "10m"
cwd = "web"
env = { CI = "1" }

[runner]
jobs = 4
kill_grace = "5s"

[[gate.fast.steps]]
id = "lint"
run = "npm run lint"
timeout = "2m"
cache = false
inputs = ["src/**", "package.json"]

[[gate.fast.steps]]
id = "unit.tests"
run = "npm test"
needs = ["lint"]
junit = "reports/junit.xml"
env = { NODE_ENV = "test" }

[gate.release]
changelog = "CHANGES.md"
tag_prefix = "release-"
release_branches = ["main", "release/*"]
version_file = "package.json"
skip = ["upstream", "fast-gate"]

[[gate.release.steps]]
id = "build"
run = "npm run build"

[doctor]
skip = ["license"]
allow_secrets_in = ["tests/fixtures/**"]

[[doctor.steps]]
id = "audit"
run = "npm audit"

[thresholds.default]
min_ship_rate = 0.5
[thresholds.main]
min_ship_rate = 0.8
min_total_runs = 5
min_consecutive_breaches = 2
fail_on_breach = true

[history]
store = "git"
remote = "origin"
ref = "refs/sdetkit/history"
url_env = "DB_URL"

[premerge]
reuse_cache = true
"#;
        let schema_says = |text: &str| {
            let value: serde_json::Value = toml::from_str(text).unwrap();
            crate::schemas::CONFIG.violations(&value)
        };
        assert!(parse(Path::new("sdetkit.toml"), whole).is_ok());
        assert_eq!(schema_says(whole), Vec::<String>::new());
        assert!(schema_says("[gate.release]\nchangelog = false\n").is_empty());
        let refused = [
            "[setup]\ncwd = \"x\"\n",
            "[runner]\njobs = \"4\"\n",
            "[runner]\njobs = 0\n",
            "[[gate.fast.steps]]\nid = \"a b\"\nrun = \"x\"\n",
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nbogus = 1\n",
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\ncache = \"no\"\n",
            "[gate.fast]\nstep = []\n",
            "[gate.release]\nskip = [\"tags\"]\n",
            "[doctor]\nskip = [\"secret\"]\n",
            "[thresholds.main]\nmin_ship_rate = \"high\"\n",
            "[thresholds.main]\nmin_ship_rate = 1.5\n",
            "[history]\nstore = \"s3\"\n",
            "[history]\nref = \"sdetkit/history\"\n",
            "[premerge]\nreuse = true\n",
            "[gates.fast]\n",
        ];
        for text in refused {
            assert!(
                parse(Path::new("sdetkit.toml"), text).is_err(),
                "reader took {text:?}"
            );
            assert!(!schema_says(text).is_empty(), "schema took {text:?}");
        }
    }

    #[test]
    fn unknown_key_names_its_line() {
        let e = err(
            "[setup]\nrun = \"x\"\n\n[[gate.fast.steps]]\nid = \"a\"\nrun = \"true\"\nbogus = 1\n",
        );
        assert!(e.starts_with("sdetkit.toml:7:"), "{e}");
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn duplicate_ids_cycles_and_unknown_needs() {
        let dup = err(
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\n[[gate.fast.steps]]\nid = \"a\"\nrun = \"y\"\n",
        );
        assert!(
            dup.starts_with("sdetkit.toml:5:") && dup.contains("duplicate"),
            "{dup}"
        );
        let cycle = err(
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nneeds = [\"b\"]\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"y\"\nneeds = [\"a\"]\n",
        );
        assert!(cycle.contains("cycle: a -> b -> a"), "{cycle}");
        let unknown = err("[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nneeds = [\"zz\"]\n");
        assert!(
            unknown.starts_with("sdetkit.toml:4:") && unknown.contains("unknown step `zz`"),
            "{unknown}"
        );
    }

    #[test]
    fn bad_duration_names_its_line() {
        let e = err("[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\ntimeout = \"20\"\n");
        assert!(
            e.starts_with("sdetkit.toml:4:") && e.contains("unit"),
            "{e}"
        );
    }

    #[test]
    fn threshold_profiles_inherit_from_default() {
        let c = parse(
            Path::new("t"),
            "[thresholds.default]\nmin_total_runs = 9\n[thresholds.dev]\nmin_ship_rate = 0.9\n",
        )
        .unwrap();
        assert_eq!(c.thresholds_for("dev").min_total_runs, 9);
        assert_eq!(c.thresholds_for("dev").min_ship_rate, 0.9);
        assert_eq!(c.thresholds_for("main").min_ship_rate, 0.6);
        assert_eq!(c.thresholds_for("feature/x").min_total_runs, 9);
    }
}

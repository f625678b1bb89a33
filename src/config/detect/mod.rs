//! Auto-detection of the fast gate from the repository's own conventions, used when there is no
//! `sdetkit.toml` and written out by `init`.
//!
//! The repository says what it checks: its CI (`.github/workflows`, `.gitlab-ci.yml`,
//! `.travis.yml`, CircleCI), the tox / nox / pre-commit configuration CI runs, its `package.json`
//! scripts and its Makefile. Those commands are kept when they are local, fast checks (format,
//! lint, type-check, test, a build that checks) and left out, with the reason, when they install,
//! upload, deploy, need nightly or the network, or when CI ignores their failure. Only for an
//! ecosystem the CI says nothing about do the per-ecosystem defaults apply (configuration files
//! for Python linters, scripts for Node, `go test`, cargo's three). Every step says where it
//! came from.

mod ci;
mod classify;
mod go;
mod ini;
mod make;
mod node;
mod nox;
mod precommit;
mod python;
mod rust;
mod tox;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use classify::{Check, Verdict};
pub use classify::{Eco, Kind};

use super::{Config, DoctorOptions, ReleaseOptions, StepSpec, builtin_thresholds};

/// A step detection proposes, and where it came from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proposal {
    /// The step id.
    pub id: String,
    /// Its command.
    pub run: String,
    /// Where it came from: `.github/workflows/ci.yml:31`, `tox.ini [testenv:flake8]`,
    /// `package.json scripts.lint`, or `default for Cargo.toml`.
    pub from: String,
}

/// One detected ecosystem, the evidence for it, its steps and what was left out.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// `rust`, `python`, `node`, `go`, `make`, or `ci` (CI commands of no ecosystem, and what
    /// CI runs that was left out).
    pub ecosystem: String,
    /// The file that gave it away.
    pub evidence: String,
    /// The steps it contributed.
    pub steps: Vec<Proposal>,
    /// Anything left out, and why.
    pub notes: Vec<String>,
}

/// What detection found: the fast-gate steps, the `[setup]` command, and the findings.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Fast-gate steps, in order.
    pub steps: Vec<StepSpec>,
    /// The dependency install for `[setup]`, when the repository needs one.
    pub setup: Option<StepSpec>,
    /// Why each step is there.
    pub findings: Vec<Finding>,
}

/// The configuration auto-detection gives for `root`.
pub fn config(root: &Path) -> Config {
    let found = detect(root);
    Config {
        source: None,
        setup: found.setup,
        fast: found.steps,
        release: ReleaseOptions::default(),
        release_steps: Vec::new(),
        doctor: DoctorOptions::default(),
        doctor_steps: Vec::new(),
        thresholds: builtin_thresholds(),
        jobs: None,
        kill_grace: super::DEFAULT_KILL_GRACE,
        detected: found.findings,
        history: super::HistoryOptions::default(),
        premerge: super::PremergeOptions::default(),
    }
}

/// A check on its way to becoming a step.
#[derive(Debug, Clone)]
struct Candidate {
    check: Check,
    /// Where it came from.
    from: String,
    /// Working directory relative to the root.
    cwd: Option<String>,
    env: BTreeMap<String, String>,
    /// The CI jobs (`file#job`) it ran in, for ordering after a build of the same job.
    jobs: Vec<String>,
}

impl Candidate {
    fn new(check: Check, from: impl Into<String>) -> Self {
        Candidate {
            check,
            from: from.into(),
            cwd: None,
            env: BTreeMap::new(),
            jobs: Vec::new(),
        }
    }
}

/// What the repository's CI (and the runners it calls) says.
#[derive(Debug, Default)]
struct Signals {
    checks: Vec<Candidate>,
    /// Install commands, by ecosystem, as CI writes them.
    installs: Vec<(Eco, String)>,
    /// Python packages the tox environments and nox sessions taken install.
    python_deps: Vec<String>,
    /// What CI runs that was left out, and why.
    left_out: Vec<String>,
}

/// Detects the fast gate, the setup and the findings of `root`.
pub fn detect(root: &Path) -> Detection {
    let mut signals = Signals::default();
    for command in ci::read(root) {
        let origin = command.origin();
        if let Some(reason) = &command.ignored {
            signals.left_out.push(format!(
                "`{}` ({origin}): {reason}",
                one_line(&command.text)
            ));
            continue;
        }
        let at = Place {
            from: origin,
            cwd: command.cwd.clone(),
            env: command.env.clone(),
            job: Some(command.job.clone()),
        };
        absorb(root, &command.text, &at, &mut signals, 0);
    }
    assemble(root, signals)
}

/// Where a command runs and came from.
#[derive(Debug, Clone, Default)]
struct Place {
    from: String,
    cwd: Option<String>,
    env: BTreeMap<String, String>,
    job: Option<String>,
}

/// Classifies one command line and records what it is; tox, nox and pre-commit are followed
/// into their configuration.
fn absorb(root: &Path, text: &str, at: &Place, signals: &mut Signals, depth: usize) {
    if depth > 4 {
        return;
    }
    let dir = at.cwd.as_ref().map_or(root.to_path_buf(), |c| root.join(c));
    for part in classify::line(text, &dir) {
        let cwd = join_dirs(at.cwd.as_deref(), part.cwd.as_deref());
        match part.verdict {
            Verdict::Check(check) => signals.checks.push(Candidate {
                check,
                from: at.from.clone(),
                cwd,
                env: at.env.clone(),
                jobs: at.job.iter().cloned().collect(),
            }),
            Verdict::Setup(eco) => signals.installs.push((eco, part.text)),
            Verdict::Drop(reason) => signals.left_out.push(format!(
                "`{}` ({}): {reason}",
                one_line(&part.text),
                at.from
            )),
            Verdict::Tox(envs) => python::follow_tox(root, &envs, at, signals, depth),
            Verdict::Nox(sessions) => python::follow_nox(root, &sessions, at, signals, depth),
            Verdict::PreCommit => python::follow_precommit(root, at, signals, depth),
        }
    }
}

fn join_dirs(a: Option<&str>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (a, b) => a.or(b).map(str::to_string),
    }
}

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    if text.trim().contains('\n') {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// Per ecosystem: CI's checks when it has any, else the defaults; then ids, order, `needs`,
/// requirements and setup.
fn assemble(root: &Path, mut signals: Signals) -> Detection {
    let mut findings = Vec::new();
    let mut chosen: Vec<Candidate> = Vec::new();
    let mut take = |eco: Eco| -> Vec<Candidate> {
        let (mine, rest): (Vec<_>, Vec<_>) =
            signals.checks.drain(..).partition(|c| c.check.eco == eco);
        signals.checks = rest;
        mine
    };
    let rust_ci = take(Eco::Rust);
    let python_ci = take(Eco::Python);
    let node_ci = take(Eco::Node);
    let go_ci = take(Eco::Go);
    let make_ci = take(Eco::Make);
    let other_ci = take(Eco::Other);
    let ecosystems: [(Eco, Option<EcoSteps>); 4] = [
        (Eco::Rust, rust::steps(root, rust_ci)),
        (
            Eco::Python,
            python::steps(root, python_ci, &mut signals.python_deps),
        ),
        (Eco::Node, node::steps(root, node_ci)),
        (Eco::Go, go::steps(root, go_ci)),
    ];
    for (eco, found) in ecosystems {
        if let Some(found) = found {
            findings.push((eco, found.evidence, found.notes));
            chosen.extend(found.steps);
        }
    }
    let covered: Vec<String> = chosen.iter().map(|c| c.check.run.clone()).collect();
    if let Some(found) = make::steps(root, make_ci, &covered, !findings.is_empty()) {
        findings.push((Eco::Make, found.evidence, found.notes));
        chosen.extend(found.steps);
    }
    let other_count = other_ci.len();
    chosen.extend(other_ci);
    let ci_files = ci::files(root);
    if other_count > 0 || !signals.left_out.is_empty() {
        findings.push((
            Eco::Other,
            if ci_files.is_empty() {
                "CI".to_string()
            } else {
                ci_files.join(", ")
            },
            signals
                .left_out
                .iter()
                .map(|l| format!("left out {l}"))
                .collect(),
        ));
    }
    let steps = finish(root, &mut chosen);
    // Findings list their own steps, in the order the gate declares them.
    let findings = findings
        .into_iter()
        .map(|(eco, evidence, notes)| Finding {
            ecosystem: if eco == Eco::Other {
                "ci".into()
            } else {
                eco.as_str().into()
            },
            evidence,
            steps: chosen
                .iter()
                .zip(&steps)
                .filter(|(c, _)| c.check.eco == eco)
                .map(|(c, s)| Proposal {
                    id: s.id.clone(),
                    run: s.run.clone(),
                    from: c.from.clone(),
                })
                .collect(),
            notes,
        })
        .collect();
    Detection {
        steps,
        setup: setup(root, &signals),
        findings,
    }
}

/// What an ecosystem contributes.
struct EcoSteps {
    evidence: String,
    steps: Vec<Candidate>,
    notes: Vec<String>,
}

/// Order (by ecosystem, then format → lint → types → build → test), unique ids, `needs` on a
/// build CI ran first in the same job, and the programs each step needs.
fn finish(root: &Path, chosen: &mut Vec<Candidate>) -> Vec<StepSpec> {
    let rank = |k: Kind| match k {
        Kind::Format => 0,
        Kind::Lint => 1,
        Kind::Types => 2,
        Kind::Build => 3,
        Kind::Test => 4,
    };
    chosen.sort_by_key(|c| (c.check.eco, rank(c.check.kind)));
    // The same command from several jobs is one step that belongs to all of them.
    let mut unique: Vec<Candidate> = Vec::new();
    for c in chosen.drain(..) {
        match unique
            .iter_mut()
            .find(|u| u.check.run == c.check.run && u.cwd == c.cwd)
        {
            Some(kept) => kept.jobs.extend(c.jobs),
            None => unique.push(c),
        }
    }
    *chosen = unique;
    let mut ids: Vec<String> = Vec::new();
    let mut steps: Vec<StepSpec> = Vec::new();
    for c in chosen.iter() {
        let base = sanitize(&c.check.id);
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.push(id.clone());
        let mut step = StepSpec::new(&id, &c.check.run);
        step.cwd = c.cwd.as_ref().map(PathBuf::from);
        step.env = c.env.clone();
        let dir = step.dir(root);
        step.requires = crate::tools::needs::of_command(&step.run, &dir);
        steps.push(step);
    }
    // A check CI runs after a build in the same job may need what the build made (`dist/`).
    for i in 0..chosen.len() {
        if chosen[i].check.kind == Kind::Build {
            continue;
        }
        let build = (0..chosen.len()).find(|&j| {
            chosen[j].check.kind == Kind::Build
                && chosen[j].check.eco == chosen[i].check.eco
                && chosen[j]
                    .jobs
                    .iter()
                    .any(|job| chosen[i].jobs.contains(job))
        });
        if let Some(j) = build {
            let need = steps[j].id.clone();
            steps[i].needs.push(need);
        }
    }
    steps
}

fn sanitize(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "step".into() } else { s }
}

/// The `[setup]` command: each ecosystem's install (CI's own, when it has one), joined.
fn setup(root: &Path, signals: &Signals) -> Option<StepSpec> {
    let mut parts: Vec<String> = Vec::new();
    let ci_install = |eco: Eco| {
        signals
            .installs
            .iter()
            .find(|(e, _)| *e == eco)
            .map(|(_, t)| t.clone())
    };
    if root.join("package.json").is_file() {
        let pm = crate::tools::node::PackageManager::of(root);
        let ci = ci_install(Eco::Node).filter(|t| t.starts_with(pm.program()));
        parts.push(ci.unwrap_or_else(|| pm.install(root).to_string()));
    }
    if let Some(py) = python::setup(root, &signals.python_deps) {
        parts.push(py);
    }
    if root.join("Cargo.toml").is_file() {
        parts.push("cargo fetch".into());
    }
    let go_mod = std::fs::read_to_string(root.join("go.mod")).unwrap_or_default();
    if go_mod
        .lines()
        .any(|l| l.trim_start().starts_with("require"))
    {
        parts.push("go mod download".into());
    }
    if parts.is_empty() {
        return None;
    }
    let mut step = StepSpec::new("setup", &parts.join(" && "));
    step.timeout = std::time::Duration::from_secs(20 * 60);
    Some(step)
}

/// Paths of the repository's files (tracked ones when it is a git repository), relative to the
/// root, for finding tests.
fn files(root: &Path) -> Vec<String> {
    let tracked = crate::tools::git(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(out) = tracked {
        return out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
    }
    let mut out = Vec::new();
    walk(root, root, 0, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    const SKIP: &[&str] = &[
        "node_modules",
        "target",
        "build",
        "dist",
        "venv",
        "vendor",
        "__pycache__",
    ];
    if depth > 8 || out.len() > 20_000 {
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || SKIP.contains(&name.as_str()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, depth + 1, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().into_owned());
        }
    }
}

/// A default step (no CI signal): its check and the file that justifies it.
fn default(eco: Eco, kind: Kind, id: &str, run: &str, from: &str) -> Candidate {
    Candidate::new(
        Check {
            eco,
            kind,
            id: id.into(),
            run: run.into(),
            note: None,
        },
        from,
    )
}

/// CI's checks of one ecosystem, with a test step added when CI's own tests were left out (the
/// fast gate always tests), and builds dropped when a test compiles the same code.
fn from_ci(
    mut ci: Vec<Candidate>,
    notes: &mut Vec<String>,
    default_test: Option<Candidate>,
    test_compiles: bool,
) -> Vec<Candidate> {
    let has_test = ci.iter().any(|c| c.check.kind == Kind::Test);
    if !has_test && let Some(test) = default_test {
        notes.push(format!(
            "CI's tests were left out (see the ci notes); `{}` stands in",
            test.check.run
        ));
        ci.push(test);
    }
    if test_compiles && ci.iter().any(|c| c.check.kind == Kind::Test) {
        ci.retain(|c| {
            let keep = c.check.kind != Kind::Build;
            if !keep {
                notes.push(format!(
                    "`{}` ({}) left out: the test step compiles the same code",
                    c.check.run, c.from
                ));
            }
            keep
        });
    }
    for c in &ci {
        if let Some(note) = &c.check.note {
            notes.push(format!("`{}`: {note}", c.check.run));
        }
    }
    ci
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shell-ish text from a fixed pseudo-random sequence: quotes, substitutions, operators,
    /// keywords and Makefile syntax in any order.
    fn noise(seed: u64, len: usize) -> String {
        const PIECES: &[&str] = &[
            "'",
            "\"",
            "$(",
            ")",
            "(",
            "`",
            "\\",
            "\n",
            ";",
            "&&",
            "||",
            "|",
            "&",
            ">",
            "<",
            "2>&1",
            "<(",
            "$((",
            "${{ matrix.x }}",
            "${{",
            "}}",
            "if",
            "then",
            "fi",
            "for",
            "do",
            "done",
            "case",
            "esac",
            "{",
            "}",
            "#",
            "=",
            ":",
            "\t",
            "$@",
            "$(CC)",
            "${X}",
            "<<EOF",
            "EOF",
            " ",
            "cargo",
            "test",
            "npm",
            "run",
            "make",
            "ruff",
            "--fix",
            "-m",
            "pytest",
            "go",
            "tox",
            "-e",
            "é",
            "\u{0}",
        ];
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut out = String::new();
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            out.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            if state.is_multiple_of(3) {
                out.push(' ');
            }
        }
        out
    }

    #[test]
    fn readers_never_panic_on_arbitrary_text() {
        let dir = Path::new("/nonexistent");
        for seed in 0..3000 {
            let text = noise(seed, (seed % 40) as usize);
            let _ = crate::tools::shell::commands(&text);
            let _ = crate::tools::shell::split_list(&text);
            let make = crate::tools::makefile::Makefile::parse(&text);
            let _ = make.commands("test");
            let _ = crate::tools::needs::of_command(&text, dir);
            for (_, line) in ci::script_lines(&text) {
                let _ = classify::line(&line, dir);
            }
            let _ = yaml::parse(&text);
        }
    }
}

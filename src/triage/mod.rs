//! First failure: "if not, what failed first?" — the earliest meaningful failure in a step's
//! log, with where it is and the narrowest command that reproduces it.
//!
//! Layers, the first that recognises anything wins: structured results (JUnit files, then
//! libtest JSON and nextest lines in the log), runner matchers (one module per tool), the
//! generic `error:` / `FAILED` / `panicked` / `Traceback` heuristic, and finally "nothing
//! recognised; see <log>". Within a layer the earliest line wins, never the loudest or the
//! last: wrappers such as `make: *** … Error 2` or cargo's `could not compile` only answer
//! when nothing above them did.
//!
//! A malformed JUnit file is an error, not a silent fallback: `investigate failure` exits 2
//! naming the file and line, so a broken report gets fixed. The gate, which must always give
//! an answer, retries with the log alone.
//!
//! Some answers depend on more than the log: a [`StepContext`] says which command the step
//! ran and in which directory, so that reruns keep the step's own flags (ruff's `--select`,
//! jest's `--env`), use its package manager, name the Cargo package a file belongs to, and
//! paths come out relative to the repository.

mod cargo;
mod cc;
mod dependency;
pub mod failing;
mod format;
mod generic;
mod gotest;
mod hit;
pub use hit::shell_quote;
mod jest;
/// Public for [`junit::Malformed`], the error a broken JUnit file gives.
pub mod junit;
mod libtest;
mod lint;
mod make;
mod missing;
mod mypy;
mod nextest;
mod nodetest;
mod normalize;
mod pytest;
mod reader;
mod rustc;
mod search;
mod step;
mod treesitter;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What kind of problem a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// A test ran and failed.
    Test,
    /// A linter rule (clippy, ruff, eslint) or a lint denied by `-D warnings`.
    Lint,
    /// A formatter in check mode found unformatted code.
    Format,
    /// A type checker (mypy, tsc) rejected the code.
    Type,
    /// Compiling or linking failed.
    Build,
    /// A package could not be resolved, fetched or imported.
    Dependency,
    /// The machine lacks something: a command, space, permissions.
    Environment,
    /// The step ran out of time.
    Timeout,
    /// The configuration is wrong (a make target that does not exist, a bad setting).
    Config,
    /// A release precondition (version, changelog, tag) does not hold.
    Release,
    /// Recognised as a failure, but not of a known kind.
    Unknown,
}

/// Which extraction layer recognised the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// JUnit XML, libtest/nextest JSON.
    Structured,
    /// A runner-specific matcher (pytest, cargo, jest, go…).
    Runner,
    /// The generic `error:` / `FAILED` / `panicked` heuristic.
    Generic,
    /// Nothing recognised.
    None,
    /// Not from a log: a built-in check or a step that could not start.
    Check,
}

/// The answer to "what failed first?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstFailure {
    /// The step (or check) that failed.
    pub step: String,
    /// What kind of problem it is.
    pub classification: Classification,
    /// Source file, when known.
    pub file: Option<String>,
    /// Line in that file, when known.
    pub line: Option<u64>,
    /// Test id, when a test failed.
    pub test: Option<String>,
    /// The first meaningful error line(s).
    pub message: String,
    /// Up to 20 lines of context.
    pub excerpt: String,
    /// The narrowest command that reproduces it.
    pub next_command: Option<String>,
    /// Which layer matched.
    pub layer: Layer,
}

impl FirstFailure {
    /// `file:line` (or `file`) when the failure has a location.
    pub fn location(&self) -> Option<String> {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => Some(format!("{file}:{line}")),
            (Some(file), None) => Some(file.clone()),
            _ => None,
        }
    }

    /// A failure that does not come from a log (built-in checks, steps that could not start).
    pub fn from_check(
        step: &str,
        classification: Classification,
        message: &str,
        next: Option<String>,
    ) -> Self {
        FirstFailure {
            step: step.to_string(),
            classification,
            file: None,
            line: None,
            test: None,
            message: message.to_string(),
            excerpt: String::new(),
            next_command: next,
            layer: Layer::Check,
        }
    }
}

/// What triage knows about a step besides its log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepContext {
    /// The step's id (the answer's `step`).
    pub id: String,
    /// The shell command the step ran, when known: reruns keep its flags and its package
    /// manager, and some outputs (`gofmt -l`'s bare file list) only mean "failed" with it.
    pub command: Option<String>,
    /// The directory the command ran in (the repository root, or the step's `cwd` under it),
    /// absolute, when known: paths are made relative to it, and manifests (`Cargo.toml`,
    /// `package.json`, `go.mod`, lockfiles) are read from it.
    pub root: Option<PathBuf>,
}

impl StepContext {
    /// A step known by its id only.
    pub fn new(id: &str) -> Self {
        StepContext {
            id: id.to_string(),
            command: None,
            root: None,
        }
    }

    /// With the command the step ran.
    pub fn command(mut self, command: Option<&str>) -> Self {
        self.command = command.map(str::to_string);
        self
    }

    /// With the directory the command ran in.
    pub fn root(mut self, root: Option<&Path>) -> Self {
        self.root = root.map(Path::to_path_buf);
        self
    }
}

/// Finds the first failure of a step: the JUnit files first (structured results are
/// exact), then the log, layer by layer. A JUnit file that cannot be parsed is an error
/// (`InvalidData`, wrapping a [`junit::Malformed`] that names the file and line) rather than
/// a silent fallback, so that a broken report is fixed instead of ignored.
pub fn analyze(
    log: &Path,
    junit: &[PathBuf],
    context: &StepContext,
) -> std::io::Result<FirstFailure> {
    let head = log_head(log)?;
    let step = step::Step::new(context, &head);
    if let Some(hit) = junit::first_failure(junit, &step)? {
        return Ok(hit.into_failure(&context.id, &step));
    }
    let file = crate::files::open_regular(log, crate::files::Links::Follow)?;
    Ok(match search::first_hit(file, &step)? {
        Some(hit) => hit.into_failure(&context.id, &step),
        None => nothing(log, &context.id),
    })
}

/// The first few kilobytes of a log, where package managers announce the script they run.
fn log_head(log: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut head = Vec::new();
    crate::files::open_regular(log, crate::files::Links::Follow)?
        .take(8 << 10)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    Ok(text
        .lines()
        .filter_map(|l| normalize::line(l.as_bytes()))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The answer when no layer recognised anything: say so and point at the log.
fn nothing(log: &Path, step: &str) -> FirstFailure {
    let message = format!("no error line recognised; see {}", log.display());
    let mut found = FirstFailure::from_check(step, Classification::Unknown, &message, None);
    found.layer = Layer::None;
    found
}

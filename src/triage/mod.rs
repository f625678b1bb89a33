//! First failure: "if not, what failed first?" — the earliest meaningful failure in a step's
//! log, with where it is and the narrowest command that reproduces it.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// What kind of problem a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Test,
    Lint,
    Format,
    Type,
    Build,
    Dependency,
    Environment,
    Timeout,
    Config,
    Release,
    Unknown,
}

/// Which extraction layer recognised the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Finds the first failure in `log` (and the JUnit files, when given) of step `step`.
pub fn analyze(log: &Path, junit: &[PathBuf], step: &str) -> std::io::Result<FirstFailure> {
    let _ = junit;
    let file = std::fs::File::open(log)?;
    let reader = std::io::BufReader::new(file);
    let mut context: Vec<String> = Vec::new();
    for line in reader.split(b'\n') {
        let line = String::from_utf8_lossy(&line?).trim_end().to_string();
        let lower = line.to_ascii_lowercase();
        if lower.contains("error") || line.contains("FAILED") || line.contains("panicked") {
            context.push(line.clone());
            return Ok(FirstFailure {
                step: step.to_string(),
                classification: Classification::Unknown,
                file: None,
                line: None,
                test: None,
                message: line,
                excerpt: context.join("\n"),
                next_command: None,
                layer: Layer::Generic,
            });
        }
        context.push(line);
        if context.len() > 5 {
            context.remove(0);
        }
    }
    Ok(FirstFailure {
        step: step.to_string(),
        classification: Classification::Unknown,
        file: None,
        line: None,
        test: None,
        message: format!("no error line recognised; see {}", log.display()),
        excerpt: String::new(),
        next_command: None,
        layer: Layer::None,
    })
}

//! The one error type of sdetkit. Every variant is a user-facing problem with a one-line
//! `Display` that names the file (and line) and says what to do; none of them is a panic.

use std::path::PathBuf;

/// Everything that stops a command before it can give a verdict (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `sdetkit.toml` is wrong at a line.
    #[error("{}:{line}: {message}", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A user-supplied input file that does not parse at a line (a JUnit report…).
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A user-supplied file that exists but cannot be used (a directory, not UTF-8…).
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// One of sdetkit's own artifacts is not what sdetkit writes (edited by hand, written by
    /// another tool, or damaged): rerun the lane that writes it, or delete it.
    #[error(
        "{}{}: {problem} (an sdetkit artifact; rerun the lane that writes it, or delete it)",
        path.display(),
        line.map_or(String::new(), |l| format!(":{l}"))
    )]
    Artifact {
        /// The artifact.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What is wrong.
        problem: String,
    },
    /// A file that could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`cannot read`…).
        action: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A bad flag, argument or environment variable.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Shorthand for an I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// What is wrong, without the file's name: for a message that names the file itself.
    pub fn problem(&self) -> String {
        match self {
            Error::Config { line, message, .. } => format!("line {line}: {message}"),
            Error::Syntax { line, message, .. } => format!("line {line}: {message}"),
            Error::Input { message, .. } => message.clone(),
            Error::Artifact { problem, .. } => problem.clone(),
            Error::Io { action, source, .. } => format!("{action}: {source}"),
            Error::Usage(message) => message.clone(),
        }
    }

    /// Shorthand for an unusable input file.
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

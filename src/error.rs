//! The one error type of sdetkit. Every variant is a user-facing problem with a one-line
//! `Display` that names the file (and line) and says what to do; none of them is a panic.

use std::path::PathBuf;

/// Everything that stops a command before it can give a verdict (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration problem with its location.
    #[error("{}:{line}: {message}", path.display())]
    Config {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// An input file that does not parse, with the line where parsing stopped.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A file that exists but cannot be used (bad JSON, not UTF-8, wrong shape…).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// A file that could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// A bad combination of flags or arguments.
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

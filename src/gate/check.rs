//! Built-in checks: a uniform result that becomes a [`StepRecord`].

use std::time::Instant;

use crate::artifacts::proof::{Severity, StepKind, StepRecord};
use crate::runner::Status;
use crate::triage::{Classification, FirstFailure};

/// The outcome of one built-in check; its id is given when it is recorded.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was looked at (`git status --porcelain`, `Cargo.toml`…).
    pub looked_at: String,
    /// Passed, failed, skipped, or a failure demoted to warn / info.
    pub status: Status,
    /// What it found.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Specific findings (files and lines, tool versions…).
    pub details: Vec<String>,
    /// How much a failure matters.
    pub severity: Severity,
    /// The command that shows or fixes the problem, for the first failure.
    pub next_command: Option<String>,
    /// What kind of problem a failure is, for the first failure.
    pub classification: Classification,
    /// The failure depends on the moment of release, not on the content (a development
    /// version): a dry run demotes it, as it does the release-moment checks.
    pub moment: bool,
    /// Where the first finding is (file relative to the root, line), for the first failure.
    pub at: Option<(String, u64)>,
}

impl Check {
    /// A check that passed.
    pub fn pass(looked_at: impl Into<String>, message: impl Into<String>) -> Self {
        Check {
            looked_at: looked_at.into(),
            status: Status::Passed,
            message: message.into(),
            hint: None,
            details: Vec::new(),
            severity: Severity::Error,
            next_command: None,
            classification: Classification::Release,
            moment: false,
            at: None,
        }
    }

    /// A check that failed, with how to fix it.
    pub fn fail(
        looked_at: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Check {
            status: Status::Failed,
            hint: Some(hint.into()),
            ..Check::pass(looked_at, message)
        }
    }

    /// A check that did not apply.
    pub fn skip(looked_at: impl Into<String>, reason: impl Into<String>) -> Self {
        Check {
            status: Status::Skipped,
            ..Check::pass(looked_at, reason)
        }
    }

    /// Sets the severity; a failed check below `error` becomes `warn` or `info`.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        if self.status == Status::Failed {
            self.status = match severity {
                Severity::Error => Status::Failed,
                Severity::Warn => Status::Warn,
                Severity::Info => Status::Info,
            };
        }
        self
    }

    /// Sets the command that reproduces or fixes the problem.
    pub fn next(mut self, command: impl Into<String>) -> Self {
        self.next_command = Some(command.into());
        self
    }

    /// Adds specific findings.
    pub fn details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }

    /// Sets the first-failure classification.
    pub fn classified(mut self, classification: Classification) -> Self {
        self.classification = classification;
        self
    }

    /// Places the first finding at `file:line`, which the first failure then names.
    pub fn at(mut self, file: impl Into<String>, line: u64) -> Self {
        self.at = Some((file.into(), line));
        self
    }

    /// Marks the failure as one of the release moment (see [`Check::moment`]).
    pub fn at_release_moment(mut self) -> Self {
        self.moment = true;
        self
    }

    /// Demotes a failure to a warning, for release-moment checks in a dry run. The message
    /// says so: a demoted check is never reported as passed.
    pub fn demote(mut self) -> Self {
        if self.status == Status::Failed {
            self.status = Status::Warn;
            self.severity = Severity::Warn;
            self.message = format!("dry run: {} (would block a real release)", self.message);
        }
        self
    }

    /// The artifact record of check `id`; `started_ms` on the run's timeline.
    pub fn record(self, id: &str, started_ms: u64, began: Instant) -> StepRecord {
        let first_failure = self.status.blocks().then(|| {
            let mut f = FirstFailure::from_check(
                id,
                self.classification,
                &self.message,
                self.next_command.clone(),
            );
            if let Some((file, line)) = self.at.clone() {
                f.file = Some(file);
                f.line = Some(line);
            }
            f
        });
        StepRecord {
            id: id.to_string(),
            kind: StepKind::Builtin,
            cmd: Some(self.looked_at),
            status: self.status,
            rc: None,
            started_ms,
            duration_ms: began.elapsed().as_millis() as u64,
            log: None,
            log_truncated: false,
            log_sha256: None,
            message: Some(self.message),
            hint: self.hint,
            severity: Some(self.severity),
            details: self.details,
            first_failure,
            tests: Vec::new(),
        }
    }
}

/// Runs check `id` and turns it into a record timed on `epoch`'s timeline.
pub fn timed(epoch: Instant, id: &str, f: impl FnOnce() -> Check) -> StepRecord {
    let began = Instant::now();
    let check = f();
    check.record(id, began.duration_since(epoch).as_millis() as u64, began)
}

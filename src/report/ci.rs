//! A run in a CI's own words: the findings of its gates (each blocking step's first failure,
//! each warning), as GitHub Actions workflow commands (`::error file=…,line=…,title=…::`) and a
//! job summary in Markdown, as GitLab Code Quality issues, and step logs folded into GitHub
//! groups or GitLab collapsible sections. JUnit and SARIF, which every CI reads, are
//! [`super::junit`] and [`super::sarif`]; they report the same [`findings`].

use std::fmt::Write;

use super::fold::escape_data;
use crate::artifacts::ci::{CodeQualityIssue, CodeQualityLines, CodeQualityLocation};
use crate::artifacts::proof::{GateReport, Summary};
use crate::runner::Status;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A blocking step: the gate fails.
    Error,
    /// A warning: a doctor warning, a release check a dry run demoted.
    Warning,
}

/// One thing a CI should show: a blocking step's first failure, or a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding<'a> {
    /// `<gate>/<step>` (`gate-fast/unit`, `doctor/secrets`): the SARIF rule, the Code Quality
    /// check, the annotation's title.
    pub rule: String,
    /// Error or warning.
    pub level: Level,
    /// The file, relative to the root, when known.
    pub file: Option<&'a str>,
    /// The line in it, when known.
    pub line: Option<u64>,
    /// What failed (the first failure's message), or what the warning says.
    pub message: String,
    /// What to run: the first failure's rerun command, or the warning's hint.
    pub next: Option<String>,
}

impl Finding<'_> {
    /// The message and what to run, as one text.
    pub fn text(&self) -> String {
        match (&self.next, self.level) {
            (Some(next), Level::Error) => format!("{}\nrerun: {next}", self.message),
            (Some(hint), Level::Warning) => format!("{}\nhint: {hint}", self.message),
            (None, _) => self.message.clone(),
        }
    }

    /// The file and line to anchor the finding to: its own, else `anchor` (the configuration
    /// file, where the gate is defined) at line 1, for consumers that need a place (GitHub
    /// code scanning rejects a SARIF file with one unlocated result, GitLab requires a path).
    pub fn place<'b>(&'b self, anchor: &'b str) -> (&'b str, u64) {
        match self.file {
            Some(file) => (file, self.line.unwrap_or(1)),
            None => (anchor, 1),
        }
    }
}

/// Every finding of `gates`, in gate and step order: each blocking step with its first
/// failure, each warning.
pub fn findings(gates: &[GateReport]) -> Vec<Finding<'_>> {
    let mut out = Vec::new();
    for gate in gates {
        for step in &gate.steps {
            let rule = format!("{}/{}", gate.gate.name(), step.id);
            let finding = if step.status.blocks() {
                let f = step.first_failure.as_ref();
                Finding {
                    rule,
                    level: Level::Error,
                    file: f.and_then(|f| f.file.as_deref()),
                    line: f.and_then(|f| f.line),
                    message: f.map(|f| f.message.clone()).unwrap_or_else(|| {
                        step.message
                            .clone()
                            .unwrap_or_else(|| step.status.label().to_lowercase())
                    }),
                    next: f.and_then(|f| f.next_command.clone()),
                }
            } else if step.status == Status::Warn {
                Finding {
                    rule,
                    level: Level::Warning,
                    file: None,
                    line: None,
                    message: step.message.clone().unwrap_or_else(|| "warning".into()),
                    next: step.hint.clone(),
                }
            } else {
                continue;
            };
            out.push(finding);
        }
    }
    out
}

/// GitHub's escaping of a workflow command's property value: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub Actions workflow command per finding: `::error file=src/lib.rs,line=3,
/// title=gate-fast/unit::message%0Arerun: cargo test …`, or `::warning …`.
pub fn annotations(gates: &[GateReport]) -> String {
    let mut out = String::new();
    for f in findings(gates) {
        let command = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(file) = f.file {
            properties.push(format!("file={}", escape_property(file)));
            if let Some(line) = f.line {
                properties.push(format!("line={line}"));
            }
        }
        properties.push(format!("title={}", escape_property(&f.rule)));
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&f.text())
        );
    }
    out
}

/// What a command's job summary shows.
pub struct View<'a> {
    /// The command (`ops daily`, `gate fast`).
    pub command: &'a str,
    /// Its verdict for people (`NO-SHIP`, `FAIL`, `BLOCKED`).
    pub verdict: String,
    /// The gates that ran.
    pub gates: &'a [GateReport],
    /// The decision snapshot, when the proof ran.
    pub summary: Option<&'a Summary>,
    /// The top actions (Markdown list items, without the marker).
    pub actions: Vec<String>,
    /// The weekly KPI line, when the weekly lane ran.
    pub kpis: Option<String>,
}

/// The job summary in Markdown: the verdict; the proof table with the first failure and its
/// rerun command (or the gate's step table); the top actions; the KPI line.
pub fn job_summary(view: &View) -> String {
    let mut parts = Vec::new();
    match (view.summary, view.gates) {
        (Some(summary), _) => parts.push(super::proof::md_body(summary)),
        (None, [gate]) => parts.push(super::gate::md_body(gate)),
        _ => {}
    }
    if !view.actions.is_empty() {
        let mut actions = String::from("#### Next actions\n\n");
        for (i, action) in view.actions.iter().enumerate() {
            let _ = writeln!(actions, "{}. {action}", i + 1);
        }
        parts.push(actions);
    }
    if let Some(kpis) = &view.kpis {
        parts.push(format!("{kpis}\n"));
    }
    // A blank line after it, so the next step's summary starts a block of its own.
    format!(
        "## sdetkit {}: {}\n\n{}\n",
        view.command,
        view.verdict,
        parts.join("\n")
    )
}

/// The findings as GitLab Code Quality issues; unlocated ones are anchored at `anchor`.
pub fn code_quality(gates: &[GateReport], anchor: &str) -> Vec<CodeQualityIssue> {
    findings(gates)
        .iter()
        .map(|f| {
            let (path, line) = f.place(anchor);
            let fingerprint = format!("{}\0{path}\0{line}\0{}", f.rule, f.message);
            CodeQualityIssue {
                description: f.text(),
                check_name: f.rule.clone(),
                fingerprint: crate::digest::sha256_hex(fingerprint.as_bytes()),
                severity: match f.level {
                    Level::Error => "major",
                    Level::Warning => "minor",
                }
                .to_string(),
                location: CodeQualityLocation {
                    path: path.to_string(),
                    lines: CodeQualityLines { begin: line },
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_data_and_properties() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}

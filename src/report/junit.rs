//! The gates as JUnit XML, for the test dashboards every CI has (`--junit-out`, GitLab's
//! `artifacts:reports:junit`): a testsuite per gate, a test case per step, and a test case per
//! failing test of a step's results, with the first failure as the failure message.

use std::fmt::Write;

use crate::artifacts::proof::{GateReport, StepRecord};
use crate::runner::Status;
use crate::triage::FirstFailure;

/// What became of a test case.
enum Outcome {
    Passed,
    Failed {
        message: String,
        kind: String,
        body: String,
    },
    Error {
        message: String,
        body: String,
    },
    Skipped(String),
}

/// One `<testcase>`.
struct Case {
    classname: String,
    name: String,
    seconds: Option<f64>,
    outcome: Outcome,
    /// What a passing case said (a warning, an informational check).
    out: Option<String>,
}

/// The JUnit document of `gates`.
pub fn xml(gates: &[GateReport]) -> String {
    let suites: Vec<(&GateReport, Vec<Case>)> = gates.iter().map(|g| (g, cases(g))).collect();
    let all: Vec<&Case> = suites.iter().flat_map(|(_, c)| c).collect();
    let total_ms: u64 = gates.iter().map(|g| g.duration_ms).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sdetkit\" {} time=\"{}\">",
        counts(&all),
        seconds(total_ms as f64 / 1000.0)
    );
    for (gate, cases) in &suites {
        let refs: Vec<&Case> = cases.iter().collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" {} time=\"{}\">",
            gate.gate.name(),
            counts(&refs),
            seconds(gate.duration_ms as f64 / 1000.0)
        );
        for case in cases {
            write_case(&mut out, case);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn counts(cases: &[&Case]) -> String {
    let n = |f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
        cases.len(),
        n(|o| matches!(o, Outcome::Failed { .. })),
        n(|o| matches!(o, Outcome::Error { .. })),
        n(|o| matches!(o, Outcome::Skipped(_))),
    )
}

fn seconds(s: f64) -> String {
    format!("{s:.3}")
}

fn cases(gate: &GateReport) -> Vec<Case> {
    let mut out = Vec::new();
    for step in &gate.steps {
        out.push(step_case(gate, step));
        let first = step.first_failure.as_ref();
        for test in step.tests.iter().filter(|t| t.status == "failed") {
            let message = match first {
                Some(f) if f.test.as_deref() == Some(test.id.as_str()) => first_line(&f.message),
                _ => format!("failed (log: {})", step.log.as_deref().unwrap_or("none")),
            };
            let body = first
                .filter(|f| f.test.as_deref() == Some(test.id.as_str()))
                .map(failure_body)
                .unwrap_or_default();
            out.push(Case {
                classname: format!("{}.{}", gate.gate.name(), step.id),
                name: test.id.clone(),
                seconds: test.duration_ms.map(|ms| ms as f64 / 1000.0),
                outcome: Outcome::Failed {
                    message,
                    kind: "test".into(),
                    body,
                },
                out: None,
            });
        }
    }
    out
}

fn step_case(gate: &GateReport, step: &StepRecord) -> Case {
    let first = step.first_failure.as_ref();
    let message = || {
        first
            .map(|f| first_line(&f.message))
            .or_else(|| step.message.clone())
            .unwrap_or_else(|| step.status.label().to_lowercase())
    };
    let body = || first.map(failure_body).unwrap_or_default();
    let outcome = match step.status {
        // A cached step passed on these very inputs before: the gate counts it as passing.
        Status::Passed | Status::Warn | Status::Info | Status::Cached => Outcome::Passed,
        Status::Skipped => Outcome::Skipped(step.message.clone().unwrap_or_default()),
        Status::Error => Outcome::Error {
            message: message(),
            body: body(),
        },
        Status::Failed | Status::TimedOut | Status::Interrupted => Outcome::Failed {
            message: message(),
            kind: first.map_or_else(
                || step.status.label().to_lowercase(),
                |f| {
                    crate::json::to_value(&f.classification)
                        .as_str()
                        .unwrap_or("unknown")
                        .to_string()
                },
            ),
            body: body(),
        },
    };
    let out = matches!(step.status, Status::Warn | Status::Info)
        .then(|| step.message.clone())
        .flatten();
    Case {
        classname: gate.gate.name().to_string(),
        name: step.id.clone(),
        seconds: (step.status != Status::Skipped).then(|| step.duration_ms as f64 / 1000.0),
        outcome,
        out,
    }
}

/// The failure's text: where, the excerpt, the rerun command.
fn failure_body(f: &FirstFailure) -> String {
    let mut out = String::new();
    if let Some(location) = f.location() {
        let _ = writeln!(out, "at {location}");
    }
    let _ = writeln!(out, "{}", f.message);
    if !f.excerpt.is_empty() {
        let _ = writeln!(out, "\n{}", f.excerpt);
    }
    if let Some(next) = &f.next_command {
        let _ = writeln!(out, "rerun: {next}");
    }
    out
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

fn write_case(out: &mut String, case: &Case) {
    let time = case
        .seconds
        .map(|s| format!(" time=\"{}\"", seconds(s)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"{time}",
        esc(&case.classname),
        esc(&case.name)
    );
    let inner = match &case.outcome {
        Outcome::Passed => String::new(),
        Outcome::Failed {
            message,
            kind,
            body,
        } => format!(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
            esc(message),
            esc(kind),
            esc(body)
        ),
        Outcome::Error { message, body } => format!(
            "      <error message=\"{}\" type=\"error\">{}</error>\n",
            esc(message),
            esc(body)
        ),
        Outcome::Skipped(why) => format!("      <skipped message=\"{}\"/>\n", esc(why)),
    };
    let system_out = case
        .out
        .as_ref()
        .map(|o| format!("      <system-out>{}</system-out>\n", esc(o)))
        .unwrap_or_default();
    if inner.is_empty() && system_out.is_empty() {
        out.push_str("/>\n");
    } else {
        let _ = write!(out, ">\n{inner}{system_out}    </testcase>\n");
    }
}

/// XML-escaped text, without the control characters XML 1.0 cannot hold (a log's ANSI
/// escapes, a stray NUL).
fn esc(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

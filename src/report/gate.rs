//! Text and Markdown renderings of a gate artifact.

use std::fmt::Write;

use super::progress::paint;
use crate::artifacts::proof::{GateKind, GateReport, StepKind, StepRecord};
use crate::ci::Native;
use crate::clock::human_ms as ms;
use crate::runner::Status;

fn verdict(report: &GateReport) -> &'static str {
    super::verdict(report.ok, report.dry_run)
}

fn counts(report: &GateReport) -> String {
    let n = |st: Status| report.steps.iter().filter(|s| s.status == st).count();
    let mut parts = vec![format!("{} passed", n(Status::Passed))];
    for (status, word) in [
        (Status::Failed, "failed"),
        (Status::TimedOut, "timed out"),
        (Status::Error, "could not run"),
        (Status::Interrupted, "interrupted"),
        (Status::Warn, "warned"),
        (Status::Skipped, "skipped"),
        (Status::Cached, "cached"),
    ] {
        if n(status) > 0 {
            parts.push(format!("{} {word}", n(status)));
        }
    }
    parts.join(", ")
}

/// The people-facing report; `detail` adds excerpts of first failures, each folded as the CI
/// in `fold` shows step logs (a GitHub group, a GitLab section), or as is.
pub fn text(report: &GateReport, color: bool, detail: bool, fold: Option<Native>) -> String {
    let name = report.gate.name();
    let mut out = format!(
        "{name}: {} ({}; {})\n",
        verdict(report),
        counts(report),
        ms(report.duration_ms)
    );
    let width = report.steps.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for step in &report.steps {
        line(&mut out, report.gate, step, width, color, detail, fold);
    }
    if let Some(score) = report.score {
        let _ = writeln!(out, "score: {score}/100 (informational)");
    }
    if !report.recommendations.is_empty() {
        out.push_str("next:\n");
        for r in &report.recommendations {
            let _ = writeln!(out, "  - {r}");
        }
    }
    out
}

fn line(
    out: &mut String,
    gate: GateKind,
    step: &StepRecord,
    width: usize,
    color: bool,
    detail: bool,
    fold: Option<Native>,
) {
    let time = if step.status == Status::Skipped {
        String::new()
    } else {
        ms(step.duration_ms)
    };
    let rc = step
        .rc
        .filter(|&rc| rc != 0)
        .map(|rc| format!(" rc={rc}"))
        .unwrap_or_default();
    let _ = write!(
        out,
        "  {} {:<width$} {:>7}{rc}",
        paint(step.status, color),
        step.id,
        time
    );
    let note = match (step.kind, step.status) {
        (StepKind::Builtin, _) => step.message.clone(),
        (_, Status::Passed) => None,
        _ => step.message.clone(),
    };
    if let Some(note) = note {
        let _ = write!(out, "  {note}");
    }
    out.push('\n');
    let pad = " ".repeat(width + 12);
    if let Some(f) = &step.first_failure {
        let repeats_reason = step
            .message
            .as_deref()
            .is_some_and(|m| f.message.starts_with(m));
        if step.kind == StepKind::Command && !repeats_reason {
            let location = f.location().map(|l| format!("{l}: ")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad}{location}{}",
                f.message.lines().next().unwrap_or("")
            );
        }
        if let Some(next) = &f.next_command {
            let _ = writeln!(out, "{pad}rerun: {next}");
        }
        if detail && !f.excerpt.is_empty() {
            let body: String = f.excerpt.lines().map(|l| format!("{pad}| {l}\n")).collect();
            let id = format!("{}-{}", gate.name(), step.id);
            let title = format!("{} log excerpt", step.id);
            let at = crate::clock::now().as_second();
            out.push_str(&super::fold::fold(fold, &id, &title, &body, at));
        }
    }
    if let Some(log) = step.log.as_ref().filter(|_| step.status.blocks()) {
        let _ = writeln!(out, "{pad}log: {log}");
    }
}

/// Markdown for PR comments and wikis.
pub fn md(report: &GateReport) -> String {
    format!(
        "### sdetkit {}: {}\n\n{}",
        report.gate.name(),
        verdict(report),
        md_body(report)
    )
}

/// The gate in Markdown without its heading: the step table and what to do next.
pub fn md_body(report: &GateReport) -> String {
    let mut out = String::from("| step | status | time | details |\n|---|---|---|---|\n");
    for s in &report.steps {
        let details = s
            .first_failure
            .as_ref()
            .map(|f| f.message.lines().next().unwrap_or("").to_string())
            .or_else(|| s.message.clone())
            .unwrap_or_default()
            .replace('|', "\\|");
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {details} |",
            s.id,
            s.status.label(),
            ms(s.duration_ms)
        );
    }
    if !report.recommendations.is_empty() {
        out.push_str("\n#### Next\n\n");
        for r in &report.recommendations {
            let _ = writeln!(out, "- {r}");
        }
    }
    out
}

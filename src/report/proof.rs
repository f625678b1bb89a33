//! Text and Markdown renderings of the proof: a short table and the decision line.

use std::fmt::Write;

use crate::artifacts::proof::Summary;
use crate::clock::human_ms as ms;

/// The people-facing proof report, ending with `FIRST_PROOF_DECISION=…`.
pub fn text(summary: &Summary, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<13} {:<14} {:>8}  failed steps",
        "gate", "verdict", "time"
    );
    for step in &summary.steps {
        let verdict = super::verdict(step.ok, step.dry_run);
        let painted = if color {
            let code = if step.ok { "32" } else { "31" };
            format!("\x1b[{code}m{verdict:<14}\x1b[0m")
        } else {
            format!("{verdict:<14}")
        };
        let failed = if step.failed_steps.is_empty() {
            "-".to_string()
        } else {
            step.failed_steps.join(", ")
        };
        let _ = writeln!(
            out,
            "{:<13} {painted} {:>8}  {failed}",
            step.name.name(),
            ms(step.duration_ms)
        );
    }
    if let Some(f) = &summary.first_failure {
        let location = f.location().map(|l| format!(" at {l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "first failure: {}{location}: {}",
            f.step,
            f.message.lines().next().unwrap_or("")
        );
        if let Some(next) = &f.next_command {
            let _ = writeln!(out, "rerun: {next}");
        }
    }
    if summary.interrupted {
        out.push_str("interrupted: the run was stopped before it finished\n");
    }
    out.push_str(&summary.decision_line);
    out.push('\n');
    out
}

/// Markdown summary of the proof.
pub fn md(summary: &Summary) -> String {
    format!(
        "### sdetkit proof: **{}**\n\n{}",
        summary.decision.as_str(),
        md_body(summary)
    )
}

/// The proof in Markdown without its heading: the gate table, the first failure (where it is,
/// and the command that reproduces it) and the decision line.
pub fn md_body(summary: &Summary) -> String {
    let mut out = String::from("| gate | verdict | failed steps |\n|---|---|---|\n");
    for s in &summary.steps {
        let verdict = super::verdict(s.ok, s.dry_run);
        let _ = writeln!(
            out,
            "| {} | {verdict} | {} |",
            s.name.name(),
            s.failed_steps.join(", ")
        );
    }
    if let Some(f) = &summary.first_failure {
        let location = f
            .location()
            .map(|l| format!(" at `{l}`"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\nFirst failure: `{}`{location}: {}",
            f.step,
            f.message.lines().next().unwrap_or("")
        );
        if let Some(next) = &f.next_command {
            let _ = writeln!(out, "\nReproduce: `{next}`");
        }
    }
    let _ = writeln!(out, "\n`{}`", summary.decision_line);
    out
}

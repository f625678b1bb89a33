//! Renderings of the pre-merge gate: the release-room summary a person pastes into a PR, the
//! console report, and the `--next` lines.

use std::fmt::Write;

use crate::artifacts::premerge::PremergeGate;
use crate::artifacts::proof::Summary;

/// The pre-merge verdict for people: `READY TO MERGE`, `REHEARSAL PASSED (…)` or `BLOCKED`.
pub fn verdict(gate: &PremergeGate) -> &'static str {
    match (gate.ok, gate.bypass) {
        (true, false) => "READY TO MERGE",
        (true, true) => "REHEARSAL PASSED (bypass: not a merge pass)",
        (false, _) => "BLOCKED",
    }
}

/// The release-room summary.
pub fn release_room(gate: &PremergeGate, summary: &Summary) -> String {
    let mut out = format!("## Release room: {}\n\n", verdict(gate));
    let _ = writeln!(
        out,
        "- Decision: **{}**{}",
        gate.decision.as_str(),
        if gate.release_dry_run {
            " (release gate dry run)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "- Run: `{}` on `{}` at `{}`",
        gate.run_id,
        gate.branch,
        gate.commit.as_deref().unwrap_or("no commit")
    );
    let _ = writeln!(
        out,
        "- Evidence pack: {}",
        gate.evidence_pack
            .as_deref()
            .map_or("none".to_string(), |p| format!("`{p}`"))
    );
    let bypass = if gate.bypass { "**yes**" } else { "no" };
    let _ = writeln!(out, "- Bypass: {bypass}");
    for r in &gate.bypass_reasons {
        let _ = writeln!(out, "  - {r}");
    }
    out.push_str("\n### Gates\n\n| gate | verdict | failed steps |\n|---|---|---|\n");
    for s in &summary.steps {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            s.name.name(),
            super::verdict(s.ok, s.dry_run),
            s.failed_steps.join(", ")
        );
    }
    out.push_str("\n### Blockers\n\n");
    if gate.blockers.is_empty() {
        out.push_str("None.\n");
    }
    for (i, b) in gate.blockers.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. **{}**: {}\n   - next: `{}`\n   - evidence: {}",
            i + 1,
            b.id,
            b.reason,
            b.next_command,
            b.evidence.join(", ")
        );
    }
    let _ = writeln!(out, "\nNext: `{}`", gate.next_command);
    out
}

/// The first `limit` blockers as Markdown list items (without the number).
pub fn actions(gate: &PremergeGate, limit: usize) -> Vec<String> {
    gate.blockers
        .iter()
        .take(limit)
        .map(|b| format!("**{}**: {} — next: `{}`", b.id, b.reason, b.next_command))
        .collect()
}

/// The console report after the proof table.
pub fn text(gate: &PremergeGate) -> String {
    let mut out = format!("premerge: {}\n", verdict(gate));
    for b in &gate.blockers {
        let _ = writeln!(
            out,
            "  - {}: {}\n    next: {}",
            b.id, b.reason, b.next_command
        );
    }
    for r in &gate.bypass_reasons {
        let _ = writeln!(out, "  bypass: {r}");
    }
    out.push_str(&ops_lines(gate));
    out
}

/// `OPS_DECISION=`, `OPS_PREMERGE_OK=`, `OPS_NEXT_COMMAND=`.
fn ops_lines(gate: &PremergeGate) -> String {
    format!(
        "OPS_DECISION={}\nOPS_PREMERGE_OK={}\nOPS_NEXT_COMMAND={}\n",
        gate.decision.as_str(),
        gate.ok && !gate.bypass,
        gate.next_command
    )
}

/// `--next`: the OPS lines and the top `limit` blocker actions.
pub fn next(gate: &PremergeGate, limit: usize) -> String {
    let mut out = ops_lines(gate);
    out.push_str("OPS_TOP_ACTIONS=\n");
    if gate.blockers.is_empty() {
        let _ = writeln!(
            out,
            "1. [ok] Nothing blocks the merge :: {}",
            gate.next_command
        );
    }
    for (i, b) in gate.blockers.iter().take(limit.max(1)).enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {} :: {}",
            i + 1,
            b.id,
            b.reason,
            b.next_command
        );
    }
    out
}

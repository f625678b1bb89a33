//! The follow-up for people: its Markdown (the reference's template) and the `OPS_*` lines.

use std::fmt::Write;

use crate::artifacts::followup::{Followup, Recommendation};

/// The follow-up in Markdown, with `next` as the command to run; no timestamp, so identical
/// inputs give identical bytes.
pub fn md(f: &Followup, next: &str) -> String {
    let threshold = if f.threshold_breach {
        "**breached**"
    } else {
        "not breached"
    };
    let mut out = format!(
        "# Follow-up: what to fix next\n\n- Decision: **{}**\n- Threshold: {threshold}\n\
         - Next command: `{next}`\n\n## Recommendations\n",
        f.decision.as_str(),
    );
    if f.recommendations.is_empty() {
        out.push_str("- No follow-up actions generated.\n");
    }
    for (i, r) in f.recommendations.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, item(r));
    }
    out
}

/// The first `limit` recommendations as Markdown list items (without the number).
pub fn actions(f: &Followup, limit: usize) -> Vec<String> {
    f.top(limit).iter().map(item).collect()
}

fn item(r: &Recommendation) -> String {
    format!("[{:?}] **{}** — {}", r.priority, r.title, r.action)
}

/// `OPS_DECISION=…` and `OPS_NEXT_COMMAND=…` (`next`, a command that runs here).
pub fn ops_lines(f: &Followup, next: &str) -> String {
    format!(
        "OPS_DECISION={}\nOPS_NEXT_COMMAND={next}\n",
        f.decision.as_str()
    )
}

/// The `OPS_*` lines, then `OPS_TOP_ACTIONS=` and the first `limit` recommendations as
/// `1. [P0] title :: action`.
pub fn top_actions(f: &Followup, limit: usize, next: &str) -> String {
    let mut out = ops_lines(f, next);
    out.push_str("OPS_TOP_ACTIONS=\n");
    for (i, r) in f.top(limit).iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{:?}] {} :: {}",
            i + 1,
            r.priority,
            r.title,
            r.action
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::followup::Priority;
    use crate::artifacts::proof::Decision;

    fn followup(recommendations: Vec<Recommendation>) -> Followup {
        Followup::new(Decision::NoShip, false, recommendations, "t".into())
    }

    #[test]
    fn markdown_reads_as_written_by_a_person() {
        let rec = Recommendation {
            priority: Priority::P0,
            title: "Fix".into(),
            action: "Do it.".into(),
        };
        assert_eq!(
            md(&followup(vec![rec.clone()]), "cargo test -p x y"),
            "# Follow-up: what to fix next\n\n- Decision: **NO-SHIP**\n- Threshold: not breached\n\
             - Next command: `cargo test -p x y`\n\n## Recommendations\n\
             1. [P0] **Fix** — Do it.\n"
        );
        assert!(md(&followup(vec![]), "x").ends_with("- No follow-up actions generated.\n"));
        assert_eq!(
            top_actions(&followup(vec![rec.clone(), rec]), 1, "sdetkit ops daily"),
            "OPS_DECISION=NO-SHIP\nOPS_NEXT_COMMAND=sdetkit ops daily\nOPS_TOP_ACTIONS=\n1. [P0] Fix :: Do it.\n"
        );
    }
}

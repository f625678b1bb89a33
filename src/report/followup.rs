//! The follow-up for people: its Markdown (the reference's template) and the `OPS_*` lines.

use std::fmt::Write;

use crate::artifacts::followup::Followup;

/// The follow-up in Markdown; no timestamp, so identical inputs give identical bytes.
pub fn md(f: &Followup) -> String {
    let breach = if f.threshold_breach { "True" } else { "False" };
    let mut out = format!(
        "# Real workflow follow-up\n\n- Decision: **{}**\n- Threshold breach: **{breach}**\n\
         - Suggested next command: `{}`\n\n## Recommendations\n",
        f.decision.as_str(),
        f.next_command
    );
    if f.recommendations.is_empty() {
        out.push_str("- No follow-up actions generated.\n");
    }
    for (i, r) in f.recommendations.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{:?}] **{}** — {}",
            i + 1,
            r.priority,
            r.title,
            r.action
        );
    }
    out
}

/// `OPS_DECISION=…` and `OPS_NEXT_COMMAND=…`.
pub fn ops_lines(f: &Followup) -> String {
    format!(
        "OPS_DECISION={}\nOPS_NEXT_COMMAND={}\n",
        f.decision.as_str(),
        f.next_command
    )
}

/// The `OPS_*` lines, then `OPS_TOP_ACTIONS=` and the first `limit` recommendations as
/// `1. [P0] title :: action`.
pub fn top_actions(f: &Followup, limit: usize) -> String {
    let mut out = ops_lines(f);
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
    use crate::artifacts::followup::{Priority, Recommendation};
    use crate::artifacts::proof::Decision;

    fn followup(recommendations: Vec<Recommendation>) -> Followup {
        Followup::new(Decision::NoShip, false, recommendations, "t".into())
    }

    #[test]
    fn markdown_follows_the_reference_template() {
        let rec = Recommendation {
            priority: Priority::P0,
            title: "Fix".into(),
            action: "Do it.".into(),
        };
        assert_eq!(
            md(&followup(vec![rec.clone()])),
            "# Real workflow follow-up\n\n- Decision: **NO-SHIP**\n- Threshold breach: **False**\n\
             - Suggested next command: `make ops-daily`\n\n## Recommendations\n\
             1. [P0] **Fix** — Do it.\n"
        );
        assert!(md(&followup(vec![])).ends_with("- No follow-up actions generated.\n"));
        assert_eq!(
            top_actions(&followup(vec![rec.clone(), rec]), 1),
            "OPS_DECISION=NO-SHIP\nOPS_NEXT_COMMAND=make ops-daily\nOPS_TOP_ACTIONS=\n1. [P0] Fix :: Do it.\n"
        );
    }
}

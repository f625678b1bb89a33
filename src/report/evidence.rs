//! Text and Markdown renderings of an evidence verification.

use std::fmt::Write;

use crate::evidence::verify::Verification;

/// People-facing verification result.
pub fn text(v: &Verification) -> String {
    let verdict = if v.ok { "OK" } else { "FAIL" };
    let mut out = format!(
        "evidence verify: {verdict} ({} entries, run {}, decision {}, derived {})\n",
        v.entries,
        v.run_id.as_deref().unwrap_or("?"),
        v.decision.as_deref().unwrap_or("?"),
        v.derived_decision.as_deref().unwrap_or("?")
    );
    for p in &v.problems {
        let _ = writeln!(out, "  {}: {}", p.entry, p.problem);
    }
    out
}

/// Markdown verification result.
pub fn md(v: &Verification) -> String {
    let verdict = if v.ok { "OK" } else { "FAIL" };
    let mut out = format!(
        "### Evidence pack: {verdict}\n\n- pack: `{}`\n- run: `{}`\n- decision: {} (derived: {})\n",
        v.pack,
        v.run_id.as_deref().unwrap_or("?"),
        v.decision.as_deref().unwrap_or("?"),
        v.derived_decision.as_deref().unwrap_or("?")
    );
    for p in &v.problems {
        let _ = writeln!(out, "- `{}`: {}", p.entry, p.problem);
    }
    out
}

//! Renderings of `ops status`.

use std::fmt::Write;

use crate::health::status::Status;

/// The checklist for people.
pub fn text(status: &Status) -> String {
    let mut out = format!(
        "workflow: {}\n",
        if status.healthy {
            "HEALTHY"
        } else {
            "UNHEALTHY"
        }
    );
    for c in &status.criteria {
        let _ = writeln!(
            out,
            "  [{}] {}\n        {}",
            if c.ok { "x" } else { " " },
            c.title,
            c.detail
        );
        if let Some(next) = &c.next_command {
            let _ = writeln!(out, "        run: {next}");
        }
    }
    out
}

/// The checklist in Markdown.
pub fn md(status: &Status) -> String {
    let mut out = format!(
        "### Workflow health: {}\n\n",
        if status.healthy {
            "healthy"
        } else {
            "unhealthy"
        }
    );
    for c in &status.criteria {
        let _ = writeln!(
            out,
            "- [{}] **{}** {}",
            if c.ok { "x" } else { " " },
            c.title,
            c.detail
        );
        if let Some(next) = &c.next_command {
            let _ = writeln!(out, "  - run `{next}`");
        }
    }
    out
}

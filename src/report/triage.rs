//! Text and Markdown renderings of a first failure (`investigate failure`).

use std::fmt::Write;

use serde::Serialize;

use crate::triage::FirstFailure;

/// The people-facing answer: what, where, why, and how to rerun it.
pub fn text(f: &FirstFailure, color: bool) -> String {
    let heading = format!("first failure in {}: {}", f.step, label(&f.classification));
    let mut out = if color {
        format!("\x1b[1;31m{heading}\x1b[0m")
    } else {
        heading
    };
    let _ = writeln!(out, " ({} layer)", label(&f.layer));
    for (key, value) in fields(f) {
        let _ = writeln!(out, "  {key:<8} {value}");
    }
    if !f.excerpt.is_empty() {
        out.push_str("  excerpt:\n");
        for line in f.excerpt.lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    out
}

/// Markdown for PR comments.
pub fn md(f: &FirstFailure) -> String {
    let mut out = format!(
        "### First failure in `{}`: {}\n\n",
        f.step,
        label(&f.classification)
    );
    for (key, value) in fields(f) {
        let _ = writeln!(out, "- **{key}** `{}`", value.replace('`', "'"));
    }
    let _ = writeln!(out, "- **layer** {}", label(&f.layer));
    if !f.excerpt.is_empty() {
        let _ = write!(out, "\n```text\n{}\n```\n", f.excerpt.replace("```", "'''"));
    }
    out
}

/// The known fields, in reading order.
fn fields(f: &FirstFailure) -> Vec<(&'static str, String)> {
    let location = match (&f.file, f.line) {
        (Some(file), Some(line)) => Some(format!("{file}:{line}")),
        (Some(file), None) => Some(file.clone()),
        _ => None,
    };
    [
        ("message", Some(f.message.clone())),
        ("at", location),
        ("test", f.test.clone()),
        ("rerun", f.next_command.clone()),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (key, v)))
    .collect()
}

/// The snake_case name serde gives an enum value, as in the JSON output.
fn label(value: &impl Serialize) -> String {
    match crate::json::to_value(value) {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

//! `sdetkit init`: write a commented `sdetkit.toml` from auto-detection and `sdetkit.mk` with
//! the seed's make aliases, and say what was detected and why.

mod config_file;
mod make_aliases;

use std::fmt::Write;

use crate::config::detect;
use crate::error::{Error, Result};
use crate::workspace::Workspace;

pub use make_aliases::{TARGETS, render as render_make_aliases};

/// Writes both files (refusing to overwrite either unless `force`) and returns the report
/// for the user.
pub fn run(ws: &Workspace, force: bool) -> Result<String> {
    let config_path = &ws.config_path;
    let mk_path = ws.root.join("sdetkit.mk");
    if !force && let Some(existing) = [config_path, &mk_path].into_iter().find(|p| p.exists()) {
        return Err(Error::Usage(format!(
            "{} already exists; rerun with --force to overwrite it (nothing was written)",
            existing.display()
        )));
    }
    let (steps, findings) = detect::steps(&ws.root);
    let config = config_file::render(&ws.root, &steps, &findings);
    // Never write a config that sdetkit itself would reject.
    crate::config::load_str(config_path, &config)?;
    crate::artifacts::write_atomic(config_path, config.as_bytes())?;
    crate::artifacts::write_atomic(&mk_path, render_make_aliases("sdetkit").as_bytes())?;
    Ok(report(ws, &findings, &steps))
}

fn report(
    ws: &Workspace,
    findings: &[detect::Finding],
    steps: &[crate::config::StepSpec],
) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("detected: nothing (no Cargo.toml, pyproject.toml/setup.py, package.json, go.mod or Makefile with test/lint/check)\n");
    }
    for f in findings {
        let listed = if f.steps.is_empty() {
            "no steps".to_string()
        } else {
            f.steps.join(", ")
        };
        let _ = writeln!(
            out,
            "detected: {} (from {}): {listed}",
            f.ecosystem, f.evidence
        );
        for note in &f.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    for step in steps {
        for tool in step
            .requires
            .iter()
            .filter(|t| crate::tools::find(&t.program).is_none())
        {
            let _ = writeln!(
                out,
                "  missing: `{}` for step `{}` is not installed ({}); the step reports `error` until it is",
                tool.program, step.id, tool.hint
            );
        }
    }
    let _ = writeln!(
        out,
        "wrote {} ({} fast-gate step(s))",
        ws.rel(&ws.config_path),
        steps.len()
    );
    let _ = writeln!(
        out,
        "wrote sdetkit.mk ({} make aliases; add `include sdetkit.mk` to your Makefile)",
        TARGETS.len()
    );
    out.push_str("next: sdetkit ops daily\n");
    out
}

//! `sdetkit init`: write a commented `sdetkit.toml` from auto-detection (and `sdetkit.mk` with
//! the seed's make aliases when the repository has a Makefile to include it from), and say what
//! was detected, where each step came from, and what was left out.

mod config_file;
pub mod hook;
mod make_aliases;

use std::fmt::Write;

use crate::config::detect::{self, Detection};
use crate::error::{Error, Result};
use crate::tools::makefile::Makefile;
use crate::workspace::Workspace;

pub use make_aliases::{TARGETS, render as render_make_aliases};

/// Writes the files (refusing to overwrite any unless `force`) and returns the report for the
/// user.
pub fn run(ws: &Workspace, force: bool) -> Result<String> {
    let config_path = &ws.config_path;
    let mk_path = ws.root.join("sdetkit.mk");
    let makefile = Makefile::find(&ws.root);
    let writes_mk = makefile.is_some();
    let targets: Vec<&std::path::PathBuf> = if writes_mk {
        vec![config_path, &mk_path]
    } else {
        vec![config_path]
    };
    if !force && let Some(existing) = targets.into_iter().find(|p| p.exists()) {
        return Err(Error::Usage(format!(
            "{} already exists; rerun with --force to overwrite it (nothing was written)",
            existing.display()
        )));
    }
    let found = detect::detect(&ws.root);
    let config = config_file::render(&ws.root, &found);
    // Never write a config that sdetkit itself would reject.
    crate::config::load_str(config_path, &config)?;
    crate::artifacts::write_atomic(config_path, config.as_bytes())?;
    if writes_mk {
        crate::artifacts::write_atomic(&mk_path, render_make_aliases("sdetkit").as_bytes())?;
    }
    Ok(report(
        ws,
        &found,
        makefile.as_ref().map(|m| m.name.as_str()),
    ))
}

fn report(ws: &Workspace, found: &Detection, makefile: Option<&str>) -> String {
    let mut out = String::new();
    if found.findings.is_empty() {
        out.push_str("detected: nothing (no CI checks, Cargo.toml, pyproject.toml/setup.py, package.json, go.mod or Makefile with test/lint/check)\n");
    }
    for f in &found.findings {
        let _ = if f.ecosystem == "ci" {
            writeln!(out, "read CI: {}", f.evidence)
        } else {
            writeln!(
                out,
                "detected: {} (from {}): {} step(s)",
                f.ecosystem,
                f.evidence,
                f.steps.len()
            )
        };
        for p in &f.steps {
            let _ = writeln!(
                out,
                "  step {}: {}  (from {})",
                p.id,
                first_line(&p.run),
                p.from
            );
        }
        for note in &f.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    if let Some(setup) = &found.setup {
        let _ = writeln!(
            out,
            "setup: {} (run by `sdetkit ops daily` before the gates; `--no-setup` skips it)",
            setup.run
        );
    }
    for step in &found.steps {
        let dir = step.dir(&ws.root);
        for tool in step.requires.iter().filter(|t| t.locate(&dir).is_none()) {
            let _ = writeln!(
                out,
                "  missing: {} for step `{}`: {}; the step reports `error` until it is",
                tool.describe(),
                step.id,
                tool.hint
            );
        }
    }
    let _ = writeln!(
        out,
        "wrote {} ({} fast-gate step(s))",
        ws.rel(&ws.config_path),
        found.steps.len()
    );
    match makefile {
        Some(name) => {
            let _ = writeln!(
                out,
                "wrote sdetkit.mk ({} make aliases): add `include sdetkit.mk` to {name} for `make ops-daily`, or run `make -f sdetkit.mk ops-daily`",
                TARGETS.len()
            );
        }
        None => out.push_str(
            "sdetkit.mk not written: the repository has no Makefile; run the lanes directly\n",
        ),
    }
    out.push_str("next: sdetkit ops daily\n");
    out
}

fn first_line(run: &str) -> String {
    match run.split_once('\n') {
        Some((first, _)) => format!("{first} …"),
        None => run.to_string(),
    }
}

//! Handing a run to the tools teams already have: `--junit-out` and `--sarif-out` files, and
//! the CI's own channels (`--ci`): GitLab's JUnit and Code Quality reports under the out-dir,
//! GitHub Actions' job summary. The annotations are printed by the front end; this writes.

use std::path::Path;

use crate::artifacts::ci::{CODE_QUALITY, JUNIT};
use crate::ci::Native;
use crate::error::Result;
use crate::report::ci::{View, code_quality, job_summary};
use crate::report::{junit, sarif};
use crate::workspace::Workspace;

/// The files the user asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outputs<'a> {
    /// `--junit-out FILE`.
    pub junit: Option<&'a Path>,
    /// `--sarif-out FILE`.
    pub sarif: Option<&'a Path>,
}

/// Writes every output of the run `view` shows; returns one line per CI channel written, for
/// people.
pub fn publish(ws: &Workspace, view: &View, outputs: Outputs) -> Result<Vec<String>> {
    let anchor = ws.rel(&ws.config_path);
    if let Some(path) = outputs.junit {
        crate::report::write_to(path, junit::xml(view.gates).as_bytes())?;
    }
    if let Some(path) = outputs.sarif {
        let log = crate::json::pretty(&sarif::log(view.gates, &anchor));
        crate::report::write_to(path, log.as_bytes())?;
    }
    let mut wrote = Vec::new();
    match ws.ci {
        Some(Native::Gitlab) if !view.gates.is_empty() => {
            let out = &ws.out_dir;
            crate::artifacts::write_all(&[
                JUNIT.entry(out, junit::xml(view.gates)),
                CODE_QUALITY.entry(out, &code_quality(view.gates, &anchor)),
            ])?;
            wrote.push(format!(
                "GitLab reports: {} (artifacts:reports:junit), {} (artifacts:reports:codequality)",
                ws.places().page(&JUNIT),
                ws.places().doc(&CODE_QUALITY)
            ));
        }
        Some(Native::Github) => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                crate::artifacts::append_atomic(Path::new(&path), &job_summary(view))?;
            }
        }
        _ => {}
    }
    Ok(wrote)
}

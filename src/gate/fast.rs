//! `gate fast`: format, lint, type-check and test commands, in parallel.

use std::sync::Arc;

use super::{GateKind, GateReport, Started, run_commands, select};
use crate::config::Config;
use crate::error::Result;
use crate::repo::git::GitFacts;
use crate::runner::{Progress, Redactor};
use crate::workspace::Workspace;

/// Runs the fast gate's steps (after `--only` / `--skip`) and returns its report.
pub fn run(
    ws: &Workspace,
    config: &Config,
    redactor: &Arc<Redactor>,
    progress: &Option<Arc<Progress>>,
    git: &GitFacts,
    only: &[String],
    skip: &[String],
) -> Result<GateReport> {
    let started = Started::now();
    let steps = select(&config.fast, only, skip)?;
    let records = run_commands(ws, config, GateKind::Fast, &steps, redactor, progress);
    Ok(GateReport::new(
        GateKind::Fast,
        ws,
        records,
        false,
        git.clone(),
        started,
    ))
}

/// Removes the previous run's logs of a gate, so a log on disk always belongs to this run.
pub fn clear_logs(dir: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

//! `gate fast`: format, lint, type-check and test commands, in parallel.

use super::{Started, run_commands, select};
use crate::artifacts::proof::{GateKind, GateReport};
use crate::config::Config;
use crate::error::Result;
use crate::repo::git::GitFacts;
use crate::workspace::Workspace;

/// Runs the fast gate's steps (after `--only` / `--skip`) and returns its report.
pub fn run(
    ws: &Workspace,
    config: &Config,
    git: &GitFacts,
    only: &[String],
    skip: &[String],
) -> Result<GateReport> {
    let started = Started::now();
    let steps = select(&config.fast, only, skip)?;
    let records = run_commands(ws, config, GateKind::Fast, &steps)?;
    Ok(GateReport::new(
        GateKind::Fast,
        ws,
        records,
        false,
        git.clone(),
        started,
    ))
}

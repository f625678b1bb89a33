//! `gate fast`: format, lint, type-check and test commands, in parallel.

use super::cache::StepCache;
use super::{Started, run_commands, select};
use crate::artifacts::proof::{GateKind, GateReport};
use crate::config::Config;
use crate::error::Result;
use crate::repo::git::GitFacts;
use crate::workspace::Workspace;

/// Runs the fast gate's steps (after `--only` / `--skip`) and returns its report; with a
/// `cache`, a step that passed before on the same inputs is `cached`, not run.
pub fn run(
    ws: &Workspace,
    config: &Config,
    git: &GitFacts,
    select_steps: (&[String], &[String]),
    cache: Option<&StepCache>,
) -> Result<GateReport> {
    let started = Started::now();
    let (only, skip) = select_steps;
    let steps = select(&config.fast, only, skip)?;
    let records = run_commands(ws, config, GateKind::Fast, &steps, cache)?;
    Ok(GateReport::new(
        GateKind::Fast,
        ws,
        records,
        false,
        git.clone(),
        started,
    ))
}

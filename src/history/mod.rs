//! History: the event log of lane runs and everything derived from it (learning rollup,
//! control tower, weekly trend, threshold check). The log is read once per run.

pub mod counter;
pub mod eventlog;
pub mod jsonl;
pub mod rollup;
mod rowscan;
pub mod threshold;
pub mod trend;
pub mod window;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::Result;
use crate::workspace::Workspace;
use rollup::{BranchView, Digest};
use threshold::ThresholdCheck;
use trend::WeeklyTrend;

/// Schema version of `control-tower.json`.
pub const TOWER_SCHEMA: &str = "sdetkit.first-proof-control-tower.v1";

/// Records one lane run (one event-log row), then reads the log once and writes the derived
/// artifacts; returns what was learned and the time the run was recorded at.
pub fn record(
    ws: &Workspace,
    config: &Config,
    summary: &crate::decision::Summary,
    lane: &str,
) -> Result<(Learning, String)> {
    let now = crate::clock::now();
    let at = crate::clock::iso(now);
    let branch = branch(summary.git.branch.as_deref());
    eventlog::EventRow::new(summary, lane, &branch, at.clone())
        .append(&ws.proof_dir().join(eventlog::FILE))?;
    let learning = Learning::read(ws, config, &branch, now)?;
    learning.write(ws, &at)?;
    Ok((learning, at))
}

/// The branch a run is recorded and judged under: `FIRST_PROOF_BRANCH` (what CI sets, as in
/// the reference), else the checked-out branch, else `local` (detached HEAD, no git).
pub fn branch(git_branch: Option<&str>) -> String {
    std::env::var("FIRST_PROOF_BRANCH")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .or_else(|| git_branch.map(str::to_string))
        .unwrap_or_else(|| "local".to_string())
}

/// What the event log says about a branch, read in one pass.
pub struct Learning {
    /// The pass over the whole log.
    pub digest: Digest,
    /// The branch the lane runs on.
    pub branch: String,
    /// Its runs.
    pub view: BranchView,
    /// The threshold verdict for it.
    pub threshold: ThresholdCheck,
}

impl Learning {
    /// Reads the event log of `ws` once and judges `branch`.
    pub fn read(ws: &Workspace, config: &Config, branch: &str, now: Timestamp) -> Result<Learning> {
        let digest = Digest::read(&ws.proof_dir().join(eventlog::FILE), now)?;
        let view = digest.branch(branch);
        let threshold = ThresholdCheck::new(&view, branch, config);
        Ok(Learning {
            digest,
            branch: branch.to_string(),
            view,
            threshold,
        })
    }

    /// Writes the derived artifacts, each atomically and all at once: learning rollup,
    /// control tower (+ .md), weekly trend (+ .md) and threshold check.
    pub fn write(&self, ws: &Workspace, generated_at: &str) -> Result<()> {
        let dir = ws.proof_dir();
        let rollup = self.digest.learning_rollup(generated_at);
        let tower = control_tower(&rollup, generated_at);
        let tower_md = crate::report::history::control_tower_md(&self.digest, generated_at);
        let trend = WeeklyTrend::new(&self.digest, &self.branch, generated_at);
        let trend_md = crate::report::history::weekly_trend_md(&trend);
        let json = |value: &Value| crate::json::pretty(value).into_bytes();
        crate::json::write_atomic_all(&[
            (dir.join("first-proof-learning-rollup.json"), json(&rollup)),
            (dir.join("control-tower.json"), json(&tower)),
            (dir.join("control-tower.md"), tower_md.into_bytes()),
            (
                dir.join("weekly-trend.json"),
                json(&crate::json::to_value(&trend)),
            ),
            (dir.join("weekly-trend.md"), trend_md.into_bytes()),
            (
                dir.join("weekly-threshold-check.json"),
                json(&crate::json::to_value(&self.threshold)),
            ),
        ])
    }
}

/// `control-tower.json`: the rollup embedded whole (v1). sdetkit has no adaptive postcheck,
/// so that half is always absent rather than read from a file nothing writes.
fn control_tower(rollup: &Value, generated_at: &str) -> Value {
    json!({
        "schema_version": TOWER_SCHEMA,
        "generated_at": generated_at,
        "first_proof_rollup_present": true,
        "adaptive_postcheck_present": false,
        "first_proof_rollup": rollup,
        "adaptive_postcheck": null,
    })
}

/// Test support: the learning of a temporary repository whose event log holds `rows`.
#[cfg(test)]
pub(crate) fn learning_of(rows: &[String], branch: &str, config: &Config) -> Learning {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::resolve(Some(dir.path()), None, None).unwrap();
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let log = ws.proof_dir().join(eventlog::FILE);
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, text).unwrap();
    let now = "2026-11-25T12:00:00Z".parse().unwrap();
    Learning::read(&ws, config, branch, now).unwrap()
}

//! History: the event log of lane runs and everything derived from it (learning rollup,
//! control tower, weekly trend, threshold check). The log is read once per run.

pub mod counter;
pub mod rollup;
pub mod run;
pub mod tail;
pub mod threshold;
pub mod trend;
pub mod window;

use jiff::Timestamp;

use crate::artifacts::eventlog::{EventLog, EventRow};
use crate::artifacts::learning::{
    ControlTower, LearningRollup, TOWER_SCHEMA, ThresholdCheck, WeeklyTrend,
};
use crate::artifacts::proof::{GateReport, Summary};
use crate::config::Config;
use crate::error::Result;
use crate::workspace::Workspace;
use rollup::{BranchView, Digest};

/// Records one lane run (one event-log row), then reads the log once and learns from it;
/// returns what was learned and the time the run was recorded at.
pub fn record(
    ws: &Workspace,
    config: &Config,
    summary: &Summary,
    gates: &[GateReport],
    lane: &str,
) -> Result<(Learning, String)> {
    let now = crate::clock::now();
    let at = crate::clock::iso(now);
    let branch = branch(summary.git.branch.as_deref());
    let mut row = EventRow::new(summary, gates, lane, &branch, at.clone());
    row.ci = crate::ci::detect();
    row.repo = crate::repo::git::identity(&ws.root);
    EventLog::at(&ws.out_dir).append(&row)?;
    let learning = Learning::read(ws, config, &branch, now)?;
    Ok((learning, at))
}

/// The branch a run is recorded and judged under: `FIRST_PROOF_BRANCH` (as in the
/// reference), else the checked-out branch, else the branch the CI service says it builds
/// (CI checks out a detached HEAD), else `local` (detached HEAD, no git).
pub fn branch(git_branch: Option<&str>) -> String {
    std::env::var("FIRST_PROOF_BRANCH")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .or_else(|| git_branch.map(str::to_string))
        .or_else(|| crate::ci::detect().and_then(|ci| ci.branch))
        .unwrap_or_else(|| "local".to_string())
}

/// Runs the follow-up looks back over for recurring failures (documented in
/// `docs/daily-lane.md`): recent enough to decay, long enough to see a pattern.
pub const RECENT_RUNS: usize = 20;

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
    /// Steps (gates, in rows that name no steps) that failed in the branch's last
    /// [`RECENT_RUNS`] judged runs, most frequent first.
    pub recurring: Vec<(String, u64)>,
    /// How many runs that window holds.
    pub recent_runs: usize,
    /// The learning checkpoint to write with the lane's artifacts: the next read resumes from
    /// it (views do not write it).
    pub checkpoint: Option<crate::artifacts::Entry>,
}

impl Learning {
    /// Reads the event log of `ws` once and judges `branch`.
    pub fn read(ws: &Workspace, config: &Config, branch: &str, now: Timestamp) -> Result<Learning> {
        let log = EventLog::at(&ws.out_dir);
        let (digest, checkpoint) = Digest::resume(&log, &ws.out_dir, now)?;
        let view = digest.branch(branch);
        let threshold = threshold::check(&view, branch, config);
        let recent = log.recent(RECENT_RUNS, |row| {
            let on_branch = row.head.branch.as_deref().is_none_or(|b| b == branch);
            on_branch && row.lane().as_deref() != Some(rollup::REHEARSAL)
        })?;
        Ok(Learning {
            digest,
            branch: branch.to_string(),
            view,
            threshold,
            recurring: recurring(&recent),
            recent_runs: recent.len(),
            checkpoint: Some(checkpoint),
        })
    }

    /// The derived artifacts: learning rollup, control tower, weekly trend, threshold check.
    pub fn artifacts(&self, generated_at: &str) -> Learned {
        let rollup = self.digest.learning_rollup(generated_at);
        Learned {
            tower: ControlTower {
                schema_version: TOWER_SCHEMA.to_string(),
                generated_at: generated_at.to_string(),
                first_proof_rollup_present: true,
                adaptive_postcheck_present: false,
                first_proof_rollup: rollup.clone(),
                adaptive_postcheck: None,
            },
            rollup,
            trend: trend::of(&self.digest, &self.branch, generated_at),
            threshold: self.threshold.clone(),
        }
    }
}

/// The failing steps of `rows` (oldest first), most frequent first, ties in first-seen order.
fn recurring(rows: &[EventRow]) -> Vec<(String, u64)> {
    let mut counter = counter::Counter::default();
    for row in rows {
        match &row.step_results {
            Some(results) => results
                .iter()
                .filter(|s| s.status.blocks())
                .for_each(|s| counter.add(&format!("{}/{}", s.gate.name(), s.id))),
            None => row.failed_steps.iter().for_each(|s| counter.add(s)),
        }
    }
    counter.top(usize::MAX)
}

/// What the daily lane writes from the learning.
pub struct Learned {
    /// The learning rollup.
    pub rollup: LearningRollup,
    /// The control tower: the rollup embedded whole (v1). sdetkit has no adaptive
    /// postcheck, so that half is always absent rather than read from a file nothing writes.
    pub tower: ControlTower,
    /// The weekly trend.
    pub trend: WeeklyTrend,
    /// The threshold check.
    pub threshold: ThresholdCheck,
}

/// Test support: the learning of a temporary repository whose event log holds `rows`.
#[cfg(test)]
pub(crate) fn learning_of(rows: &[String], branch: &str, config: &Config) -> Learning {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::resolve(Some(dir.path()), None, None).unwrap();
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let log = EventLog::at(&ws.out_dir).path().to_path_buf();
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, text).unwrap();
    let now = "2026-11-25T12:00:00Z".parse().unwrap();
    Learning::read(&ws, config, branch, now).unwrap()
}

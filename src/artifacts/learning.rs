//! What the daily lane learns from the event log, under `first-proof/`: the learning rollup,
//! the control tower (+ `.md`), the weekly trend (+ `.md`) and the threshold check, with the
//! reference's v1 field names and `schema_version` strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::jsonl::Checkpoint;
use super::{Doc, Page};
use crate::schemas;

/// `first-proof/.learning.checkpoint.json`: where the last read of the event log stopped and
/// the all-time learning sums up to there (a cache: a missing or stale one only means a full
/// read).
pub const fn checkpoint<T>() -> Doc<Checkpoint<T>> {
    Doc::new("first-proof/.learning.checkpoint.json", None)
}

/// Schema version of `first-proof-learning-rollup.json`.
pub const ROLLUP_SCHEMA: &str = "sdetkit.first-proof-learning-rollup.v1";
/// Schema version of `control-tower.json`.
pub const TOWER_SCHEMA: &str = "sdetkit.first-proof-control-tower.v1";
/// Schema version of `weekly-trend.json`.
pub const TREND_SCHEMA: &str = "sdetkit.first-proof-weekly-trend.v1";

/// `first-proof/first-proof-learning-rollup.json`.
pub const ROLLUP: Doc<LearningRollup> = Doc::new(
    "first-proof/first-proof-learning-rollup.json",
    Some(&schemas::LEARNING_ROLLUP),
);
/// `first-proof/control-tower.json`.
pub const CONTROL_TOWER: Doc<ControlTower> = Doc::new(
    "first-proof/control-tower.json",
    Some(&schemas::CONTROL_TOWER),
);
/// `first-proof/control-tower.md`.
pub const CONTROL_TOWER_MD: Page = Page {
    rel: "first-proof/control-tower.md",
};
/// `first-proof/weekly-trend.json`.
pub const TREND: Doc<WeeklyTrend> =
    Doc::new("first-proof/weekly-trend.json", Some(&schemas::DAILY_TREND));
/// `first-proof/weekly-trend.md`.
pub const TREND_MD: Page = Page {
    rel: "first-proof/weekly-trend.md",
};
/// `first-proof/weekly-threshold-check.json`.
pub const THRESHOLD: Doc<ThresholdCheck> = Doc::new(
    "first-proof/weekly-threshold-check.json",
    Some(&schemas::THRESHOLD_CHECK),
);

/// A gate and how often it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCount {
    /// The gate.
    pub step: String,
    /// Failures.
    pub count: u64,
}

/// The all-time counts of the learning rollup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupSummary {
    /// Valid rows.
    pub total_runs: u64,
    /// SHIP rows.
    pub ship_runs: u64,
    /// NO-SHIP rows.
    pub no_ship_runs: u64,
    /// SHIP runs / all runs (0.0 without runs, as in v1).
    pub ship_rate: f64,
    /// Lines skipped as corrupt.
    pub corrupt_rows: u64,
    /// The most failed gates (at most 5).
    pub top_failed_steps: Vec<StepCount>,
}

/// The reference's fixed "adaptive reviewer" block (v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reviewer {
    /// Always `parallel-learning`.
    pub mode: String,
    /// The reference's canned actions for the counts.
    pub actions: Vec<String>,
}

/// `first-proof-learning-rollup.json` (v1 fields, plus `corrupt_rows`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningRollup {
    /// [`ROLLUP_SCHEMA`].
    pub schema_version: String,
    /// When it was written.
    pub generated_at: String,
    /// The counts.
    pub summary: RollupSummary,
    /// The reviewer block.
    pub adaptive_reviewer: Reviewer,
}

/// `control-tower.json`: the rollup embedded whole (v1). sdetkit has no adaptive postcheck,
/// so that half is always absent rather than read from a file nothing writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlTower {
    /// [`TOWER_SCHEMA`].
    pub schema_version: String,
    /// When it was written.
    pub generated_at: String,
    /// Always true.
    pub first_proof_rollup_present: bool,
    /// Always false.
    pub adaptive_postcheck_present: bool,
    /// The learning rollup.
    pub first_proof_rollup: LearningRollup,
    /// Always null.
    pub adaptive_postcheck: Option<Value>,
}

/// Ship rates over the real time windows; a window without runs has a `null` rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRates {
    /// Runs in the last 7 days.
    pub runs_7d: u64,
    /// Their SHIP share.
    pub ship_rate_7d: Option<f64>,
    /// Runs in the last 30 days.
    pub runs_30d: u64,
    /// Their SHIP share.
    pub ship_rate_30d: Option<f64>,
}

/// The whole log in the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendSummary {
    /// All valid rows ever written (v1).
    pub total_runs: u64,
    /// SHIP share of the last 7 rows in file order (v1).
    pub ship_rate_last_7: f64,
    /// v1 field; sdetkit has no adaptive postcheck, so always `null`.
    pub adaptive_confidence: Option<i64>,
    /// Lines of the log that were skipped as corrupt.
    pub corrupt_rows: u64,
    /// The time windows.
    #[serde(flatten)]
    pub windows: WindowRates,
}

/// One branch in the trend: its own rows plus the rows that name no branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchTrend {
    /// Its runs.
    pub total_runs: u64,
    /// SHIP share of its last 7 runs.
    pub ship_rate_last_7: f64,
    /// Trailing NO-SHIP runs among its last 7.
    pub consecutive_no_ship: u64,
    /// The time windows.
    #[serde(flatten)]
    pub windows: WindowRates,
}

/// `weekly-trend.json`: the v1 "last 7 runs" view of the whole log, plus real 7-day and
/// 30-day windows, for the whole log and for each branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyTrend {
    /// [`TREND_SCHEMA`].
    pub schema_version: String,
    /// When it was written.
    pub generated_at: String,
    /// The whole log.
    pub summary: TrendSummary,
    /// The last 7 rows, verbatim (v1).
    pub recent_runs: Vec<Value>,
    /// Every branch with rows of its own, plus the lane's branch.
    pub branches: BTreeMap<String, BranchTrend>,
}

/// What the threshold check advises (the v1 `action` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdAction {
    /// The threshold is breached.
    #[serde(rename = "recover-first-proof-ship-rate")]
    Recover,
    /// Not enough runs to judge yet.
    #[serde(rename = "collect-more-data")]
    Collect,
    /// Enough runs, fewer trailing NO-SHIP runs than the profile needs.
    #[serde(rename = "watch-consecutive-no-ship")]
    Watch,
    /// Trailing NO-SHIP runs with an acceptable rate.
    #[serde(rename = "maintain-current-lane")]
    Maintain,
}

impl ThresholdAction {
    /// The v1 action string.
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdAction::Recover => "recover-first-proof-ship-rate",
            ThresholdAction::Collect => "collect-more-data",
            ThresholdAction::Watch => "watch-consecutive-no-ship",
            ThresholdAction::Maintain => "maintain-current-lane",
        }
    }
}

/// `weekly-threshold-check.json` (v1 fields, plus the profile that was applied).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCheck {
    /// No breach.
    pub ok: bool,
    /// The breach rule holds.
    pub breach: bool,
    /// Enough runs to judge.
    pub enough_data: bool,
    /// SHIP share of the branch's last 7 runs.
    pub ship_rate_last_7: f64,
    /// The branch's runs.
    pub total_runs: u64,
    /// The branch judged.
    pub branch: String,
    /// `[thresholds.<name>]` used: the branch's own, or `default`.
    pub profile: String,
    /// The profile's minimum ship rate.
    pub min_ship_rate: f64,
    /// The profile's minimum sample.
    pub min_total_runs: u64,
    /// Trailing NO-SHIP runs the profile needs for a breach.
    pub min_consecutive_breaches: u64,
    /// Trailing NO-SHIP runs among the last 7.
    pub consecutive_no_ship: u64,
    /// Whether a breach fails the lane.
    pub fail_on_breach: bool,
    /// What to do.
    pub action: ThresholdAction,
}

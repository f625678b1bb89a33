//! The follow-up's artifacts under `ops/`: `followup.json` (exactly the six keys of
//! `ops-followup.v1.json`) and `.md`, the follow-up history (one payload per lane run) and its
//! rollup, the contract check, and the rollup's resume point.

use serde::{Deserialize, Serialize};

use super::proof::Decision;
use super::{Doc, Log, Page};
use crate::schemas;

/// Schema version of `followup.json` (and of every follow-up history row).
pub const FOLLOWUP_SCHEMA: &str = "sdetkit.real-workflow-followup.v1";
/// Schema version of `followup-history-rollup.json`.
pub const ROLLUP_SCHEMA: &str = "sdetkit.real-workflow-followup-history-rollup.v1";

/// `ops/followup.json`.
pub const FOLLOWUP: Doc<Followup> = Doc::new("ops/followup.json", Some(&schemas::FOLLOWUP));
/// `ops/followup.md`.
pub const FOLLOWUP_MD: Page = Page {
    rel: "ops/followup.md",
};
/// `ops/followup-history.jsonl`: one full payload per lane run.
pub const HISTORY: Log<Followup> = Log::new("ops/followup-history.jsonl", &schemas::FOLLOWUP);
/// `ops/followup-history-rollup.json`.
pub const HISTORY_ROLLUP: Doc<FollowupRollup> = Doc::new(
    "ops/followup-history-rollup.json",
    Some(&schemas::FOLLOWUP_HISTORY_ROLLUP),
);
/// `ops/followup-contract-check.json`.
pub const CONTRACT_CHECK: Doc<ContractCheck> = Doc::new(
    "ops/followup-contract-check.json",
    Some(&schemas::FOLLOWUP_CONTRACT_CHECK),
);

/// `ops/.followup-history.checkpoint.json`: where the last read of the history stopped and
/// the sum `T` up to there (a cache: a missing or stale one only means a full read).
pub const fn checkpoint<T>() -> Doc<Checkpoint<T>> {
    Doc::new("ops/.followup-history.checkpoint.json", None)
}

pub use super::jsonl::Checkpoint;

/// Urgency, P0 (now) to P3 (when convenient); sorts in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    /// Now.
    P0,
    /// Today.
    P1,
    /// This week.
    P2,
    /// When convenient.
    P3,
}

/// One recommendation; exactly the schema's three keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Its urgency.
    pub priority: Priority,
    /// A short title (counted across runs for recurring themes).
    pub title: String,
    /// What to do, concretely.
    pub action: String,
}

/// `followup.json`: exactly the six keys of `ops-followup.v1.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    /// [`FOLLOWUP_SCHEMA`].
    pub schema_version: String,
    /// When it was written.
    pub generated_at: String,
    /// The run's decision.
    pub decision: Decision,
    /// Whether the threshold is breached.
    pub threshold_breach: bool,
    /// In priority order.
    pub recommendations: Vec<Recommendation>,
    /// The one command to run next.
    pub next_command: String,
}

/// A recommendation title and how often it came up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleCount {
    /// The title.
    pub title: String,
    /// Runs that carried it.
    pub count: u64,
}

/// The counts of the follow-up history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupSummary {
    /// Rows.
    pub total_runs: u64,
    /// SHIP rows.
    pub ship_runs: u64,
    /// Rows whose decision is not SHIP (v1 semantics of this rollup).
    pub no_ship_runs: u64,
    /// Rows with a threshold breach.
    pub threshold_breach_runs: u64,
    /// Lines skipped as corrupt.
    pub corrupt_rows: u64,
    /// SHIP rows / rows (0.0 without rows).
    pub ship_rate: f64,
    /// The most frequent recommendation titles (at most 5).
    pub top_recurring_recommendations: Vec<TitleCount>,
}

/// `followup-history-rollup.json` (v1 fields, plus `corrupt_rows`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowupRollup {
    /// [`ROLLUP_SCHEMA`].
    pub schema_version: String,
    /// When it was written.
    pub generated_at: String,
    /// The counts.
    pub summary: RollupSummary,
}

/// `followup-contract-check.json` (v1 fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractCheck {
    /// No error.
    pub ok: bool,
    /// Every violation, `file: what`.
    pub errors: Vec<String>,
    /// The follow-up checked (relative to the root).
    pub followup: String,
    /// The rollup checked (relative to the root).
    pub history_rollup: String,
}

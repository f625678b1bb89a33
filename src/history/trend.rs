//! `weekly-trend.json`: the v1 "last 7 runs" view of the whole log, plus real 7-day and
//! 30-day windows, for the whole log and for each branch.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::rollup::{BranchView, Digest, rate_or_zero};
use super::window::Tally;

/// Schema version of `weekly-trend.json`.
pub const TREND_SCHEMA: &str = "sdetkit.first-proof-weekly-trend.v1";

/// Ship rates over the real time windows; a window without runs has a `null` rate.
#[derive(Debug, Clone, Serialize)]
pub struct WindowRates {
    pub runs_7d: u64,
    pub ship_rate_7d: Option<f64>,
    pub runs_30d: u64,
    pub ship_rate_30d: Option<f64>,
}

impl WindowRates {
    fn new(week: Tally, month: Tally) -> WindowRates {
        WindowRates {
            runs_7d: week.runs,
            ship_rate_7d: week.rate(),
            runs_30d: month.runs,
            ship_rate_30d: month.rate(),
        }
    }
}

/// The whole log.
#[derive(Debug, Clone, Serialize)]
pub struct TrendSummary {
    /// All valid rows ever written (v1).
    pub total_runs: u64,
    /// SHIP share of the last 7 rows in file order (v1).
    pub ship_rate_last_7: f64,
    /// v1 field; sdetkit has no adaptive postcheck, so always `null`.
    pub adaptive_confidence: Option<i64>,
    /// Lines of the log that were skipped as corrupt.
    pub corrupt_rows: u64,
    #[serde(flatten)]
    pub windows: WindowRates,
}

/// One branch: its own rows plus the rows that name no branch.
#[derive(Debug, Clone, Serialize)]
pub struct BranchTrend {
    pub total_runs: u64,
    pub ship_rate_last_7: f64,
    pub consecutive_no_ship: u64,
    #[serde(flatten)]
    pub windows: WindowRates,
}

impl BranchTrend {
    fn new(view: &BranchView) -> BranchTrend {
        BranchTrend {
            total_runs: view.total_runs,
            ship_rate_last_7: view.ship_rate_last_7(),
            consecutive_no_ship: view.consecutive_no_ship(),
            windows: WindowRates::new(view.week, view.month),
        }
    }
}

/// `weekly-trend.json`.
#[derive(Debug, Clone, Serialize)]
pub struct WeeklyTrend {
    pub schema_version: &'static str,
    pub generated_at: String,
    pub summary: TrendSummary,
    /// The last 7 rows, verbatim (v1).
    pub recent_runs: Vec<Value>,
    /// Every branch with rows of its own, plus the lane's branch.
    pub branches: BTreeMap<String, BranchTrend>,
}

impl WeeklyTrend {
    /// The trend of `digest`, including `branch` even when it has no rows of its own yet.
    pub fn new(digest: &Digest, branch: &str, generated_at: &str) -> WeeklyTrend {
        let recent_runs = digest.last_rows();
        let ship = recent_runs
            .iter()
            .filter(|row| row.get("decision").and_then(Value::as_str) == Some("SHIP"))
            .count();
        let (week, month) = digest.windows();
        let branches = digest
            .branch_names()
            .chain([branch])
            .map(|name| (name.to_string(), BranchTrend::new(&digest.branch(name))))
            .collect();
        WeeklyTrend {
            schema_version: TREND_SCHEMA,
            generated_at: generated_at.to_string(),
            summary: TrendSummary {
                total_runs: digest.total_runs,
                ship_rate_last_7: rate_or_zero(ship as u64, recent_runs.len() as u64),
                adaptive_confidence: None,
                corrupt_rows: digest.corrupt_rows,
                windows: WindowRates::new(week, month),
            },
            recent_runs,
            branches,
        }
    }
}

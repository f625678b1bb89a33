//! The weekly trend ([`crate::artifacts::learning::TREND`]): the v1 "last 7 runs" view of the whole log, plus real 7-day and
//! 30-day windows, for the whole log and for each branch.

use serde_json::Value;

use super::rollup::{BranchView, Digest, rate_or_zero};
use super::window::Tally;
use crate::artifacts::learning::{
    BranchTrend, TREND_SCHEMA, TrendSummary, WeeklyTrend, WindowRates,
};

fn rates(week: Tally, month: Tally) -> WindowRates {
    WindowRates {
        runs_7d: week.runs,
        ship_rate_7d: week.rate(),
        runs_30d: month.runs,
        ship_rate_30d: month.rate(),
    }
}

fn branch_trend(view: &BranchView) -> BranchTrend {
    BranchTrend {
        total_runs: view.total_runs,
        ship_rate_last_7: view.ship_rate_last_7(),
        consecutive_no_ship: view.consecutive_no_ship(),
        windows: rates(view.week, view.month),
    }
}

/// The trend of `digest`, including `branch` even when it has no rows of its own yet.
pub fn of(digest: &Digest, branch: &str, generated_at: &str) -> WeeklyTrend {
    let recent_runs = digest.last_rows();
    let ship = recent_runs
        .iter()
        .filter(|row| row.get("decision").and_then(Value::as_str) == Some("SHIP"))
        .count();
    let (week, month) = digest.windows();
    let branches = digest
        .branch_names()
        .chain([branch])
        .map(|name| (name.to_string(), branch_trend(&digest.branch(name))))
        .collect();
    WeeklyTrend {
        schema_version: TREND_SCHEMA.to_string(),
        generated_at: generated_at.to_string(),
        summary: TrendSummary {
            total_runs: digest.total_runs,
            ship_rate_last_7: rate_or_zero(ship as u64, recent_runs.len() as u64),
            adaptive_confidence: None,
            corrupt_rows: digest.corrupt_rows,
            windows: rates(week, month),
        },
        recent_runs,
        branches,
    }
}

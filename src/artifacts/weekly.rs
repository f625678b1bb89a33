//! The weekly lane's artifacts under `ops/weekly/` (KPI scorecard, 8-window trend, incidents,
//! guidance, contract health, the Markdown and HTML report) and its history
//! `ops/weekly-history.jsonl`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::jsonl::Checkpoint;
use super::{Doc, Log, Page};
use crate::schemas;

/// Schema version of `kpi-scorecard.json`.
pub const SCORECARD_SCHEMA: &str = "sdetkit.kpi-scorecard.v1";
/// Schema version of `kpi-trend.json`.
pub const TREND_SCHEMA: &str = "sdetkit.kpi-trend.v1";
/// Schema version of `kpi-incidents.json`.
pub const INCIDENTS_SCHEMA: &str = "sdetkit.kpi-incidents.v1";
/// Schema version of `guidance.json`.
pub const GUIDANCE_SCHEMA: &str = "sdetkit.weekly-guidance.v1";
/// Schema version of `contract-health.json`.
pub const HEALTH_SCHEMA: &str = "sdetkit.contract-health.v1";

/// `ops/weekly/kpi-scorecard.json`.
pub const SCORECARD: Doc<Scorecard> = Doc::new(
    "ops/weekly/kpi-scorecard.json",
    Some(&schemas::KPI_SCORECARD),
);
/// `ops/weekly/kpi-scorecard.md`.
pub const SCORECARD_MD: Page = Page {
    rel: "ops/weekly/kpi-scorecard.md",
};
/// `ops/weekly/kpi-trend.json`.
pub const TREND: Doc<Trend> = Doc::new("ops/weekly/kpi-trend.json", Some(&schemas::KPI_TREND));
/// `ops/weekly/kpi-incidents.json`.
pub const INCIDENTS: Doc<Incidents> = Doc::new(
    "ops/weekly/kpi-incidents.json",
    Some(&schemas::KPI_INCIDENTS),
);
/// `ops/weekly/guidance.json`.
pub const GUIDANCE: Doc<Guidance> =
    Doc::new("ops/weekly/guidance.json", Some(&schemas::WEEKLY_GUIDANCE));
/// `ops/weekly/guidance.md`.
pub const GUIDANCE_MD: Page = Page {
    rel: "ops/weekly/guidance.md",
};
/// `ops/weekly/report.md`.
pub const REPORT_MD: Page = Page {
    rel: "ops/weekly/report.md",
};
/// `ops/weekly/index.html`.
pub const REPORT_HTML: Page = Page {
    rel: "ops/weekly/index.html",
};
/// `ops/weekly/contract-health.json`.
pub const HEALTH: Doc<Health> = Doc::new("ops/weekly/contract-health.json", None);

/// `ops/weekly/.pass.checkpoint.json`: where the rows before the last pass's horizon end in
/// the event log, and the red-streak state they left (a cache: a missing, stale or unfitting
/// one only means the next pass reads the log from the top).
pub const fn checkpoint<T>() -> Doc<Checkpoint<T>> {
    Doc::new("ops/weekly/.pass.checkpoint.json", None)
}
/// `ops/weekly-history.jsonl`: one row per weekly run.
pub const HISTORY: Log<HistoryRow> = Log::new("ops/weekly-history.jsonl", &schemas::WEEKLY_HISTORY);

/// A span as artifacts show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SpanLabel {
    /// Exclusive start.
    pub start: String,
    /// Inclusive end.
    pub end: String,
}

/// Whether a KPI had enough data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KpiStatus {
    /// It has a value.
    Ok,
    /// Under its minimum sample: no value, never a fake 0 %.
    InsufficientData,
}

/// One KPI in one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// `percent` (0–100) or `seconds`; `None` without enough data.
    pub value: Option<f64>,
    /// Hits (or the sum of seconds).
    pub numerator: u64,
    /// The sample.
    pub denominator: u64,
    /// `percent` or `seconds`.
    pub unit: &'static str,
    /// Whether it had enough data.
    pub status: KpiStatus,
    /// The sample the KPI needs before it has a value.
    pub minimum_sample: u64,
    /// Why there is no value, naming the minimum sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The runs or events counted in the denominator (absent in trend series).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Those counted in the numerator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator_ids: Option<Vec<String>>,
    /// The older ids left out of `ids` (it keeps the newest [`MAX_IDS`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub ids_omitted: u64,
    /// The older ids left out of `numerator_ids`.
    #[serde(skip_serializing_if = "is_zero")]
    pub numerator_ids_omitted: u64,
}

/// The most ids a KPI lists, the newest: enough to drill into a week, and the scorecard of a
/// history with a million runs in its windows stays a few megabytes, not 233 MB held in
/// memory twice.
pub const MAX_IDS: usize = 1_000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The red streak still open at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenStreak {
    /// When it opened.
    pub since: String,
    /// Its age at `as_of`.
    pub age_seconds: u64,
    /// The NO-SHIP run that opened it.
    pub id: String,
}

/// Every KPI of one window and scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiSet {
    /// The window.
    pub window: SpanLabel,
    /// Runs in it.
    pub runs: u64,
    /// KPI name → value.
    pub kpis: BTreeMap<&'static str, Kpi>,
    /// Only on windows ending at `as_of`: the current red streak, reported apart from the mean.
    pub open_red_streak: Option<OpenStreak>,
    /// Fast-gate steps the step cache stood in for (earlier passes reused, not run) in the
    /// window's runs: the share of green that is not fresh.
    #[serde(default)]
    pub cached_steps: u64,
}

/// A KPI flagged by the two-window rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// The KPI.
    pub kpi: String,
    /// `None` for the overall scope.
    pub branch: Option<String>,
}

/// `kpi-scorecard.json`.
#[derive(Debug, Serialize)]
pub struct Scorecard {
    /// [`SCORECARD_SCHEMA`].
    pub schema_version: &'static str,
    /// When it was written.
    pub generated_at: String,
    /// The end of every window.
    pub as_of: String,
    /// Unreadable rows skipped, per source file.
    pub corrupt_rows: BTreeMap<&'static str, u64>,
    /// `7d` and `30d` windows over every run.
    pub overall: BTreeMap<&'static str, KpiSet>,
    /// The same per branch (rollback rate is repository-wide, so overall only).
    pub branches: BTreeMap<String, BTreeMap<&'static str, KpiSet>>,
    /// KPIs with an open incident (details in `kpi-incidents.json`).
    pub incidents: Vec<Flag>,
    /// The four DORA keys over the last 30 days, each with its performance band.
    pub dora: Dora,
}

/// The four keys of DORA's delivery performance, computed from what the weekly lane already
/// reads: releases (tags and recorded releases) as deployments, the commits each shipped,
/// rollbacks and hotfixes as failed changes, and the mean time to green as time to restore.
#[derive(Debug, Clone, Serialize)]
pub struct Dora {
    /// The window, in days.
    pub window_days: i64,
    /// Deployments per day.
    pub deployment_frequency: DoraKey,
    /// Median time from a commit to the release that shipped it, in seconds.
    pub lead_time_for_changes: DoraKey,
    /// Deployments that were rolled back or followed by a hotfix, in percent.
    pub change_failure_rate: DoraKey,
    /// Mean time from a NO-SHIP to the next SHIP, in seconds.
    pub time_to_restore: DoraKey,
}

/// One DORA key.
#[derive(Debug, Clone, Serialize)]
pub struct DoraKey {
    /// `None` when there is nothing to measure (see `note`).
    pub value: Option<f64>,
    /// `per_day`, `seconds` or `percent`.
    pub unit: &'static str,
    /// How many deployments, changes or restores it is computed from.
    pub sample: u64,
    /// DORA's performance band for the value.
    pub band: Option<Band>,
    /// Why there is no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// DORA's performance bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// The best cluster.
    Elite,
    /// The second.
    High,
    /// The third.
    Medium,
    /// The last.
    Low,
}

impl Band {
    /// Its name, as the JSON spells it.
    pub fn name(self) -> &'static str {
        match self {
            Band::Elite => "elite",
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }
}

/// One scope's series: KPI name → one point per window, oldest first.
pub type ScopeSeries = BTreeMap<&'static str, Vec<Kpi>>;

/// `kpi-trend.json`: every KPI over the last 8 weekly windows, overall and per branch.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// [`TREND_SCHEMA`].
    pub schema_version: &'static str,
    /// The end of the last window.
    pub as_of: String,
    /// The windows, oldest first.
    pub windows: Vec<SpanLabel>,
    /// Every run.
    pub overall: ScopeSeries,
    /// Per branch.
    pub branches: BTreeMap<String, ScopeSeries>,
}

/// A KPI that degraded two windows in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The KPI.
    pub kpi: String,
    /// `None` for the overall scope.
    pub branch: Option<String>,
    /// `percent` or `seconds`.
    pub unit: String,
    /// The three windows of the rule, oldest first, and the KPI's value in each.
    pub windows: Vec<SpanLabel>,
    /// The values in those windows.
    pub values: Vec<f64>,
    /// `as_of` of the weekly run that first saw it.
    pub opened_at: String,
    /// `as_of` of the weekly run that saw it recover (only in `closed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
}

/// `kpi-incidents.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incidents {
    /// [`INCIDENTS_SCHEMA`].
    pub schema_version: String,
    /// The end of the last window.
    pub as_of: String,
    /// Tolerance for rates, in percentage points.
    pub tolerance_percent_points: f64,
    /// Tolerance for durations, as a share of the previous value.
    pub tolerance_duration_ratio: f64,
    /// Incidents open now.
    pub open: Vec<Incident>,
    /// Incidents open at the previous weekly run that recovered in this one.
    pub closed: Vec<Incident>,
}

/// A step that failed in the current week.
#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    /// The step.
    pub step: String,
    /// Runs where it failed.
    pub failures: u64,
    /// Runs where it ran.
    pub runs: u64,
    /// The runs where it failed.
    pub ids: Vec<String>,
    /// What to do.
    pub action: String,
}

/// A step's duration this week against last week.
#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    /// The step.
    pub step: String,
    /// Durations seen.
    pub samples: u64,
    /// Median.
    pub median_ms: u64,
    /// 90th percentile.
    pub p90_ms: u64,
    /// Last week's median, when it had samples.
    pub previous_median_ms: Option<u64>,
    /// `slower`, `faster`, `steady` or `new`.
    pub trend: &'static str,
    /// What to do.
    pub action: String,
}

/// One failed-then-passed pair.
#[derive(Debug, Clone, Serialize)]
pub struct FlakyPair {
    /// The commit the failed run checked.
    pub commit: String,
    /// The input digest both runs share, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_digest: Option<String>,
    /// The run where it failed.
    pub failed_run: String,
    /// The later run where it passed.
    pub passed_run: String,
}

/// A step that failed and then passed on the same commit.
#[derive(Debug, Clone, Serialize)]
pub struct Flaky {
    /// The step.
    pub step: String,
    /// Each occurrence.
    pub occurrences: Vec<FlakyPair>,
    /// What to do.
    pub action: String,
}

/// `guidance.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Guidance {
    /// [`GUIDANCE_SCHEMA`].
    pub schema_version: &'static str,
    /// The end of the current week.
    pub as_of: String,
    /// The current week.
    pub current_window: SpanLabel,
    /// The week before it.
    pub previous_window: SpanLabel,
    /// The steps that failed most this week.
    pub most_failing: Vec<Failing>,
    /// The slowest steps this week.
    pub slowest: Vec<Slow>,
    /// Steps that failed then passed on the same inputs.
    pub flaky: Vec<Flaky>,
    /// The tests that failed most this week (`step::test`).
    pub failing_tests: Vec<Failing>,
    /// Tests that failed then passed on the same inputs.
    pub flaky_tests: Vec<Flaky>,
}

/// One artifact's verdict in contract health.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// The file (relative to the root).
    pub file: String,
    /// Its schema.
    pub schema: &'static str,
    /// The lane that writes it.
    pub lane: &'static str,
    /// Whether it exists.
    pub present: bool,
    /// Every violation.
    pub violations: Vec<String>,
    /// History rows that break the schema (readers skip and count those they cannot read):
    /// reported, never a violation.
    pub warnings: Vec<String>,
}

/// One lane's freshness.
#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    /// `daily` or `weekly`.
    pub lane: &'static str,
    /// Where the last run's time was read.
    pub source: String,
    /// The last run's time.
    pub last_run: Option<String>,
    /// Its age.
    pub age_hours: Option<f64>,
    /// The limit.
    pub max_age_hours: f64,
    /// Within the limit.
    pub fresh: bool,
}

/// `contract-health.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// [`HEALTH_SCHEMA`].
    pub schema_version: &'static str,
    /// When it was written.
    pub generated_at: String,
    /// No violation and every lane fresh.
    pub ok: bool,
    /// Every violation, `file[:line]: /pointer: what`.
    pub violations: Vec<String>,
    /// Every history row that breaks its schema, `file:line: what`: a torn or damaged row is
    /// skipped and counted by every reader, so it is reported here without failing the check.
    pub warnings: Vec<String>,
    /// Each lane's freshness.
    pub freshness: Vec<Freshness>,
    /// Each artifact's verdict.
    pub artifacts: Vec<Checked>,
}

/// One row of `ops/weekly-history.jsonl`: a weekly run's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// When the run was written.
    pub generated_at: String,
    /// The end of its windows.
    pub as_of: String,
    /// Runs in the last 7 days.
    pub runs_7d: u64,
    /// Runs in the last 30 days.
    pub runs_30d: u64,
    /// The 7-day ship rate, when it had enough data.
    pub ship_rate_7d: Option<f64>,
    /// KPI incidents open.
    pub open_incidents: usize,
    /// Days in a weekly window.
    pub window_days: i64,
}

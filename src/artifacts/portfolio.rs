//! The portfolio's artifacts under `ops/portfolio/`: the KPIs of every repository in the
//! shared store and across all of them (`portfolio.json`), and the same as Markdown and as
//! one HTML page.

use std::collections::BTreeMap;

use serde::Serialize;

use super::weekly::KpiSet;
use super::{Doc, Page};

/// Schema version of `portfolio.json`.
pub const PORTFOLIO_SCHEMA: &str = "sdetkit.portfolio.v1";

/// `ops/portfolio/portfolio.json`.
pub const PORTFOLIO: Doc<Portfolio> = Doc::new("ops/portfolio/portfolio.json", None);
/// `ops/portfolio/portfolio.md`.
pub const PORTFOLIO_MD: Page = Page {
    rel: "ops/portfolio/portfolio.md",
};
/// `ops/portfolio/index.html`.
pub const PORTFOLIO_HTML: Page = Page {
    rel: "ops/portfolio/index.html",
};

/// `portfolio.json`.
#[derive(Debug, Serialize)]
pub struct Portfolio {
    /// [`PORTFOLIO_SCHEMA`].
    pub schema_version: &'static str,
    /// When it was written.
    pub generated_at: String,
    /// The end of every window.
    pub as_of: String,
    /// Every repository's KPIs (window → set) and guidance, by repository id.
    pub repositories: BTreeMap<String, RepoCard>,
    /// All repositories together, window → set.
    pub overall: BTreeMap<&'static str, KpiSet>,
    /// The steps that failed most this week across the portfolio.
    pub most_failing: Vec<Failing>,
    /// The slowest steps this week across the portfolio.
    pub slowest: Vec<Slow>,
    /// The flakiest steps (last 30 days) across the portfolio.
    pub flaky: Vec<Flaky>,
    /// The tests that failed most this week across the portfolio.
    pub failing_tests: Vec<Failing>,
    /// The flakiest tests across the portfolio.
    pub flaky_tests: Vec<Flaky>,
    /// KPIs the portfolio leaves out, and why.
    pub not_in_store: Vec<String>,
}

/// One repository in the portfolio.
#[derive(Debug, Serialize)]
pub struct RepoCard {
    /// Window → KPI set (as the weekly lane's `overall`).
    pub windows: BTreeMap<&'static str, KpiSet>,
    /// Its most-failing steps this week.
    pub most_failing: Vec<Failing>,
    /// Its slowest steps this week.
    pub slowest: Vec<Slow>,
    /// Its flaky steps.
    pub flaky: Vec<Flaky>,
    /// Its most-failing tests this week.
    pub failing_tests: Vec<Failing>,
    /// Its flaky tests.
    pub flaky_tests: Vec<Flaky>,
}

/// A step (or test) that failed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failing {
    /// The repository.
    pub repo: String,
    /// The step or test.
    pub step: String,
    /// Runs where it failed.
    pub failures: u64,
    /// Runs where it ran.
    pub runs: u64,
}

/// A step's durations this week.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Slow {
    /// The repository.
    pub repo: String,
    /// The step.
    pub step: String,
    /// Durations seen.
    pub samples: u64,
    /// Median (nearest rank).
    pub median_ms: u64,
    /// 90th percentile (nearest rank).
    pub p90_ms: u64,
    /// Last week's median.
    pub previous_median_ms: Option<u64>,
    /// `slower`, `faster`, `steady` or `new`.
    pub trend: &'static str,
}

/// A step (or test) that failed then passed on the same inputs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Flaky {
    /// The repository.
    pub repo: String,
    /// The step or test.
    pub step: String,
    /// Failed-then-passed pairs.
    pub pairs: u64,
}

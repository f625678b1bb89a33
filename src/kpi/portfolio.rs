//! The portfolio: the weekly lane's KPIs for every repository in the shared store and across
//! all of them, built from counts the database computed (see
//! [`crate::store::postgres::portfolio`]) with the same rules as the local scorecard
//! ([`Kpi::counted`], the minimum samples, nearest-rank percentiles, failed-then-passed on the
//! same inputs). Rates add up across repositories, so the overall figures are sums of counts.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::guidance::{TOP, trend};
use super::scorecard::{KPIS, MIN_RUNS, MIN_STREAKS, WINDOWS};
use super::window::FLAKY_DAYS;
use super::window::Span;
use crate::artifacts::portfolio::{Failing, Flaky, PORTFOLIO_SCHEMA, Portfolio, RepoCard, Slow};
use crate::artifacts::weekly::{Kpi, KpiSet, OpenStreak};
use crate::store::postgres::portfolio::{
    Bounds, Counts, FlakyCounts, RunCounts, StepCounts, StreakCounts,
};

/// Entries in the portfolio-wide lists.
const TOP_OVERALL: usize = 10;

/// The windows of a portfolio ending at `as_of`, as the queries take them.
pub struct Windows {
    as_of: String,
    kpi: Vec<(&'static str, String)>,
    spans: BTreeMap<&'static str, Span>,
    week: String,
    last_week: String,
    flaky_since: String,
}

impl Windows {
    /// The scorecard windows (7 and 30 days), this week and last, and the flaky search.
    pub fn ending(as_of: Timestamp) -> Windows {
        let iso = crate::clock::iso;
        let spans: BTreeMap<&'static str, Span> = WINDOWS
            .iter()
            .map(|(name, days)| (*name, Span::days_before(as_of, *days)))
            .collect();
        let week = Span::days_before(as_of, 7);
        Windows {
            as_of: iso(as_of),
            kpi: spans.iter().map(|(n, s)| (*n, iso(s.start))).collect(),
            spans,
            week: iso(week.start),
            last_week: iso(Span::days_before(week.start, 7).start),
            flaky_since: iso(Span::days_before(as_of, FLAKY_DAYS).start),
        }
    }

    /// The bounds for the queries.
    pub fn bounds(&self) -> Bounds<'_> {
        Bounds {
            as_of: &self.as_of,
            windows: &self.kpi,
            week: &self.week,
            last_week: &self.last_week,
            flaky_since: &self.flaky_since,
        }
    }
}

/// KPIs the shared store cannot give: they come from each repository's own ledgers.
const NOT_IN_STORE: [&str; 2] = [
    "rollback_rate: from each repository's release ledger (ops record), not in the shared store",
    "evidence_pack_coverage: from each repository's verified evidence packs, not in the shared store",
];

impl Portfolio {
    /// The portfolio of `counts` at `as_of`.
    pub fn new(
        counts: &Counts,
        windows: &Windows,
        as_of: Timestamp,
        generated_at: String,
    ) -> Portfolio {
        let mut repos: Vec<&str> = counts.runs.iter().map(|r| r.repo.as_str()).collect();
        repos.extend(counts.open.iter().map(|o| o.repo.as_str()));
        repos.sort_unstable();
        repos.dedup();
        let card = |repo: Option<&str>| -> BTreeMap<&'static str, KpiSet> {
            windows
                .spans
                .iter()
                .map(|(name, span)| (*name, kpi_set(counts, repo, name, *span, as_of)))
                .collect()
        };
        let repositories = repos
            .iter()
            .map(|repo| {
                let mine = |c: &&StepCounts| c.repo == *repo;
                let flaky_mine = |c: &&FlakyCounts| c.repo == *repo;
                let card = RepoCard {
                    windows: card(Some(repo)),
                    most_failing: failing(counts.steps.iter().filter(mine), TOP),
                    slowest: slowest(counts.steps.iter().filter(mine), TOP),
                    flaky: flaky(counts.flaky_steps.iter().filter(flaky_mine), TOP),
                    failing_tests: failing(counts.tests.iter().filter(mine), TOP),
                    flaky_tests: flaky(counts.flaky_tests.iter().filter(flaky_mine), TOP),
                };
                (repo.to_string(), card)
            })
            .collect();
        Portfolio {
            schema_version: PORTFOLIO_SCHEMA,
            generated_at,
            as_of: crate::clock::iso(as_of),
            repositories,
            overall: card(None),
            most_failing: failing(counts.steps.iter(), TOP_OVERALL),
            slowest: slowest(counts.steps.iter(), TOP_OVERALL),
            flaky: flaky(counts.flaky_steps.iter(), TOP_OVERALL),
            failing_tests: failing(counts.tests.iter(), TOP_OVERALL),
            flaky_tests: flaky(counts.flaky_tests.iter(), TOP_OVERALL),
            not_in_store: NOT_IN_STORE.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The KPIs of one window for one repository (`None`: all of them).
fn kpi_set(
    counts: &Counts,
    repo: Option<&str>,
    window: &str,
    span: Span,
    as_of: Timestamp,
) -> KpiSet {
    let ours = |r: &str, w: &str| repo.is_none_or(|repo| repo == r) && w == window;
    let mut runs = RunCounts::default();
    for c in counts.runs.iter().filter(|c| ours(&c.repo, &c.window)) {
        runs.runs += c.runs;
        runs.ship += c.ship;
        runs.cached_steps += c.cached_steps;
        for (sum, gate) in runs.gates.iter_mut().zip(c.gates) {
            sum.0 += gate.0;
            sum.1 += gate.1;
        }
    }
    let mut streaks = StreakCounts::default();
    for c in counts.streaks.iter().filter(|c| ours(&c.repo, &c.window)) {
        streaks.closed += c.closed;
        streaks.seconds += c.seconds;
    }
    let mut kpis = BTreeMap::new();
    kpis.insert(
        KPIS[0],
        Kpi::counted(runs.ship, runs.runs, "percent", "runs", MIN_RUNS),
    );
    for (name, (ran, failed)) in KPIS[1..4].iter().zip(runs.gates) {
        kpis.insert(
            *name,
            Kpi::counted(failed, ran, "percent", "runs", MIN_RUNS),
        );
    }
    kpis.insert(
        KPIS[4],
        Kpi::counted(
            streaks.seconds,
            streaks.closed,
            "seconds",
            "closed red streaks",
            MIN_STREAKS,
        ),
    );
    let open = repo.and_then(|repo| counts.open.iter().find(|o| o.repo == repo));
    KpiSet {
        window: span.label(),
        runs: runs.runs,
        cached_steps: runs.cached_steps,
        kpis,
        open_red_streak: open.and_then(|o| {
            let since = Timestamp::from_microsecond(o.since_us).ok()?;
            Some(OpenStreak {
                since: crate::clock::iso(since),
                age_seconds: as_of.duration_since(since).as_secs().max(0) as u64,
                id: o.id.clone(),
            })
        }),
    }
}

/// The steps (or tests) that failed, most failures first.
fn failing<'a>(steps: impl Iterator<Item = &'a StepCounts>, top: usize) -> Vec<Failing> {
    let mut out: Vec<Failing> = steps
        .filter(|s| s.failures > 0)
        .map(|s| Failing {
            repo: s.repo.clone(),
            step: s.name.clone(),
            failures: s.failures,
            runs: s.runs,
        })
        .collect();
    out.sort_by(|a, b| (b.failures, &a.repo, &a.step).cmp(&(a.failures, &b.repo, &b.step)));
    out.truncate(top);
    out
}

/// The slowest steps by p90.
fn slowest<'a>(steps: impl Iterator<Item = &'a StepCounts>, top: usize) -> Vec<Slow> {
    let mut out: Vec<Slow> = steps
        .filter_map(|s| {
            let (median, p90) = (s.median_ms?, s.p90_ms?);
            Some(Slow {
                repo: s.repo.clone(),
                step: s.name.clone(),
                samples: s.samples,
                median_ms: median,
                p90_ms: p90,
                previous_median_ms: s.previous_median_ms,
                trend: trend(median, s.previous_median_ms),
            })
        })
        .collect();
    out.sort_by(|a, b| (b.p90_ms, &a.repo, &a.step).cmp(&(a.p90_ms, &b.repo, &b.step)));
    out.truncate(top);
    out
}

/// The flakiest steps (or tests) by failed-then-passed pairs.
fn flaky<'a>(found: impl Iterator<Item = &'a FlakyCounts>, top: usize) -> Vec<Flaky> {
    let mut out: Vec<Flaky> = found
        .map(|f| Flaky {
            repo: f.repo.clone(),
            step: f.name.clone(),
            pairs: f.pairs,
        })
        .collect();
    out.sort_by(|a, b| (b.pairs, &a.repo, &a.step).cmp(&(a.pairs, &b.repo, &b.step)));
    out.truncate(top);
    out
}

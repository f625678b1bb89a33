//! The KPI scorecard (PRODUCT §9): each KPI for the 7- and 30-day windows ending at `as_of`,
//! overall and per branch, with its numerator, denominator and the ids it counted. A KPI
//! under its minimum sample is `insufficient-data` with no value: never a fake 0 %.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::pass::Pass;
use super::releases::{Event, Ledger};
use super::tally::{Listed, RATES};
use super::window::Span;
use crate::artifacts::weekly::{
    Flag, Kpi, KpiSet, KpiStatus, MAX_IDS, OpenStreak, SCORECARD_SCHEMA, Scorecard,
};

/// Fewest runs (or runs where the gate ran) a run-based rate needs.
pub const MIN_RUNS: u64 = 3;
/// Fewest closed red streaks mean time to green needs.
pub const MIN_STREAKS: u64 = 1;
/// Fewest releases the rollback rate needs.
pub const MIN_RELEASES: u64 = 2;

/// The KPIs, in report order.
pub const KPIS: [&str; 7] = [
    "ship_rate",
    "gate_fast_failure_rate",
    "gate_release_failure_rate",
    "doctor_failure_rate",
    "mean_time_to_green",
    "rollback_rate",
    "evidence_pack_coverage",
];

pub use super::window::WINDOWS;

/// The newest [`MAX_IDS`] of `ids` (gathered oldest first), and how many older ones were left out.
fn newest(mut ids: Vec<String>) -> (Vec<String>, u64) {
    let omitted = ids.len().saturating_sub(MAX_IDS);
    ids.drain(..omitted);
    (ids, omitted as u64)
}

impl Kpi {
    /// The KPI with the ids it counted and those that hit, each with how many older ones
    /// were left out.
    fn listing(
        self,
        (ids, ids_omitted): (Vec<String>, u64),
        (hits, hits_omitted): (Vec<String>, u64),
    ) -> Kpi {
        Kpi {
            ids: Some(ids),
            numerator_ids: Some(hits),
            ids_omitted,
            numerator_ids_omitted: hits_omitted,
            ..self
        }
    }

    /// A KPI from its counts alone (no ids): `numerator` hits (or seconds) over `denominator`
    /// `what`, with no value under the minimum sample `min`. The one rule every scorecard,
    /// local or from the shared store, applies.
    pub fn counted(
        numerator: u64,
        denominator: u64,
        unit: &'static str,
        what: &str,
        min: u64,
    ) -> Kpi {
        let enough = denominator >= min;
        let value = enough.then(|| match unit {
            "percent" => round2(100.0 * numerator as f64 / denominator as f64),
            _ => round2(numerator as f64 / denominator as f64),
        });
        Kpi {
            value,
            numerator,
            denominator,
            unit,
            status: if enough {
                KpiStatus::Ok
            } else {
                KpiStatus::InsufficientData
            },
            minimum_sample: min,
            note: (!enough).then(|| format!("needs at least {min} {what}, has {denominator}")),
            ids: None,
            numerator_ids: None,
            ids_omitted: 0,
            numerator_ids_omitted: 0,
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Everything the KPIs are computed from.
pub struct Sources {
    /// The pass over the event log.
    pub pass: Pass,
    /// Releases and rollbacks.
    pub ledger: Ledger,
    /// The releases of the DORA window and the commits each shipped.
    pub shipped: Vec<super::dora::Shipped>,
    /// The end of every window.
    pub as_of: Timestamp,
}

impl Sources {
    /// The branches seen in the horizon (or carrying a streak into it), sorted.
    pub fn branches(&self) -> BTreeSet<String> {
        let mut all: BTreeSet<String> = self.pass.streaks.branches().map(str::to_string).collect();
        all.extend(self.pass.tally.branches().map(str::to_string));
        all
    }

    /// Every KPI of `span` on `branch` (`None`: overall); `ids` lists what was counted (only
    /// the scorecard's [`WINDOWS`] keep ids).
    pub fn kpi_set(&self, span: Span, branch: Option<&str>, ids: bool) -> KpiSet {
        let tally = &self.pass.tally;
        let scope = tally.scope(branch);
        let counts = scope.counts(&tally.grid, span);
        let lists = ids
            .then(|| tally.grid.listed_index(span))
            .flatten()
            .map(|w| scope.lists(w));
        let mut kpis = BTreeMap::new();
        for (at, name) in RATES.iter().enumerate() {
            let (defined, hits) = counts.rates[at];
            let kpi = Kpi::counted(hits, defined, "percent", "runs", MIN_RUNS);
            kpis.insert(*name, with_ids(kpi, lists.map(|l| &l.rates[at])));
        }
        let (closed, seconds) = counts.streaks;
        let mttg = Kpi::counted(
            seconds,
            closed,
            "seconds",
            "closed red streaks",
            MIN_STREAKS,
        );
        kpis.insert(
            "mean_time_to_green",
            with_ids(mttg, lists.map(|l| &l.streaks)),
        );
        if branch.is_none() {
            kpis.insert("rollback_rate", self.rollback_rate(span, ids));
        }
        KpiSet {
            window: span.label(),
            runs: counts.runs,
            cached_steps: counts.cached_steps,
            kpis,
            open_red_streak: (span.end == self.as_of)
                .then(|| self.open(branch))
                .flatten(),
        }
    }

    /// Rollbacks ÷ releases in `span` (repository-wide: releases have no branch).
    fn rollback_rate(&self, span: Span, ids: bool) -> Kpi {
        let within = |events: &[Event]| -> Vec<String> {
            events
                .iter()
                .filter(|e| span.contains(e.at))
                .map(|e| e.id.clone())
                .collect()
        };
        let hits = within(&self.ledger.rollbacks);
        let releases = within(&self.ledger.releases);
        let kpi = Kpi::counted(
            hits.len() as u64,
            releases.len() as u64,
            "percent",
            "releases",
            MIN_RELEASES,
        );
        match ids {
            true => kpi.listing(newest(releases), newest(hits)),
            false => kpi,
        }
    }

    fn open(&self, branch: Option<&str>) -> Option<OpenStreak> {
        self.pass.streaks.open(branch).map(|o| OpenStreak {
            since: crate::clock::iso(o.since),
            age_seconds: self.as_of.duration_since(o.since).as_secs().max(0) as u64,
            id: o.id.clone(),
        })
    }
}

/// `kpi` with the ids `listed` kept, when the window lists them.
fn with_ids(kpi: Kpi, listed: Option<&Listed>) -> Kpi {
    match listed {
        Some(listed) => kpi.listing(listed.ids.ids(), listed.hits.ids()),
        None => kpi,
    }
}

impl Scorecard {
    /// The scorecard of `sources` at their `as_of`.
    pub fn new(
        sources: &Sources,
        corrupt_rows: BTreeMap<&'static str, u64>,
        generated_at: String,
    ) -> Scorecard {
        let windows = |branch: Option<&str>| {
            WINDOWS
                .iter()
                .map(|(name, days)| {
                    (
                        *name,
                        sources.kpi_set(Span::days_before(sources.as_of, *days), branch, true),
                    )
                })
                .collect()
        };
        let overall: BTreeMap<&'static str, KpiSet> = windows(None);
        let mttg = overall
            .get("30d")
            .and_then(|set| set.kpis.get("mean_time_to_green"));
        let dora = super::dora::keys(
            &sources.shipped,
            &sources.ledger.rollbacks,
            sources.as_of,
            mttg,
        );
        Scorecard {
            schema_version: SCORECARD_SCHEMA,
            generated_at,
            as_of: crate::clock::iso(sources.as_of),
            corrupt_rows,
            overall,
            branches: sources
                .branches()
                .iter()
                .map(|b| (b.clone(), windows(Some(b))))
                .collect(),
            incidents: Vec::new(),
            dora,
        }
    }
}

impl Flag {
    /// The flag of an open incident.
    pub fn of(incident: &crate::artifacts::weekly::Incident) -> Flag {
        Flag {
            kpi: incident.kpi.clone(),
            branch: incident.branch.clone(),
        }
    }
}

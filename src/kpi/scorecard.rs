//! The KPI scorecard (PRODUCT §9): each KPI for the 7- and 30-day windows ending at `as_of`,
//! overall and per branch, with its numerator, denominator and the ids it counted. A KPI
//! under its minimum sample is `insufficient-data` with no value: never a fake 0 %.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use jiff::Timestamp;

use super::pass::Pass;
use super::releases::{Event, Ledger};
use super::window::Span;
use crate::artifacts::weekly::{
    Flag, Kpi, KpiSet, KpiStatus, MAX_IDS, OpenStreak, SCORECARD_SCHEMA, Scorecard,
};
use crate::history::run::{GateOutcome, Run};

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

/// The scorecard windows, in days.
pub const WINDOWS: [(&str, i64); 2] = [("7d", 7), ("30d", 30)];

/// The newest [`MAX_IDS`] of `ids` (gathered oldest first), and how many older ones were left out.
fn newest(mut ids: Vec<String>) -> (Vec<String>, u64) {
    let omitted = ids.len().saturating_sub(MAX_IDS);
    ids.drain(..omitted);
    (ids, omitted as u64)
}

/// Numerator/denominator ids of one KPI as they are gathered.
struct Count {
    ids: Vec<String>,
    hits: Vec<String>,
    /// Sum for averages (seconds), else the number of hits.
    total: u64,
}

impl Kpi {
    fn new(count: Count, unit: &'static str, what: &str, min: u64, ids: bool) -> Kpi {
        let kpi = Kpi::counted(count.total, count.ids.len() as u64, unit, what, min);
        if !ids {
            return kpi;
        }
        let (ids, ids_omitted) = newest(count.ids);
        let (hits, numerator_ids_omitted) = newest(count.hits);
        Kpi {
            ids: Some(ids),
            numerator_ids: Some(hits),
            ids_omitted,
            numerator_ids_omitted,
            ..kpi
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
    /// Runs with a verified evidence pack.
    pub verified: HashSet<String>,
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
        all.extend(self.pass.runs.iter().filter_map(|r| r.branch.clone()));
        all
    }

    /// The runs of `span` (the kept runs are sorted by time).
    fn runs_in(&self, span: Span) -> &[Run] {
        let runs = &self.pass.runs;
        let from = runs.partition_point(|r| r.at <= span.start);
        let to = runs.partition_point(|r| r.at <= span.end);
        &runs[from..to]
    }

    /// Every KPI of `span` on `branch` (`None`: overall); `ids` lists what was counted.
    pub fn kpi_set(&self, span: Span, branch: Option<&str>, ids: bool) -> KpiSet {
        let runs: Vec<&Run> = self.runs_in(span).iter().filter(|r| r.on(branch)).collect();
        let mut kpis = BTreeMap::new();
        kpis.insert("ship_rate", rate(&runs, |r| Some(r.ship), ids));
        // KPIS[1..4] are the failure rates of the gates, in `GateKind::ALL` order.
        for (at, name) in KPIS[1..4].iter().enumerate() {
            kpis.insert(*name, rate(&runs, |r| failed(r.gates[at]), ids));
        }
        kpis.insert("mean_time_to_green", self.time_to_green(span, branch, ids));
        if branch.is_none() {
            kpis.insert("rollback_rate", self.rollback_rate(span, ids));
        }
        let covered = |r: &Run| Some(r.has_run_id && self.verified.contains(&r.id));
        kpis.insert("evidence_pack_coverage", rate(&runs, covered, ids));
        KpiSet {
            window: span.label(),
            runs: runs.len() as u64,
            cached_steps: runs.iter().map(|r| r.cached_steps).sum(),
            kpis,
            open_red_streak: (span.end == self.as_of)
                .then(|| self.open(branch))
                .flatten(),
        }
    }

    /// Mean duration of the red streaks that closed in `span`.
    fn time_to_green(&self, span: Span, branch: Option<&str>, ids: bool) -> Kpi {
        let closed = self.pass.streaks.closed.iter();
        let mut count = Count {
            ids: Vec::new(),
            hits: Vec::new(),
            total: 0,
        };
        for c in closed.filter(|c| c.branch.as_deref() == branch && span.contains(c.end)) {
            count.ids.push(c.end_id.clone());
            count.total += c.seconds();
        }
        count.hits = count.ids.clone();
        Kpi::new(count, "seconds", "closed red streaks", MIN_STREAKS, ids)
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
        let count = Count {
            total: hits.len() as u64,
            ids: within(&self.ledger.releases),
            hits,
        };
        Kpi::new(count, "percent", "releases", MIN_RELEASES, ids)
    }

    fn open(&self, branch: Option<&str>) -> Option<OpenStreak> {
        self.pass.streaks.open(branch).map(|o| OpenStreak {
            since: crate::clock::iso(o.since),
            age_seconds: self.as_of.duration_since(o.since).as_secs().max(0) as u64,
            id: o.id.clone(),
        })
    }
}

fn failed(outcome: GateOutcome) -> Option<bool> {
    match outcome {
        GateOutcome::NotRun => None,
        GateOutcome::Passed => Some(false),
        GateOutcome::Failed => Some(true),
    }
}

/// Share of `runs` where `hit` is true, among those where it is defined.
fn rate(runs: &[&Run], hit: impl Fn(&Run) -> Option<bool>, ids: bool) -> Kpi {
    let mut count = Count {
        ids: Vec::new(),
        hits: Vec::new(),
        total: 0,
    };
    for run in runs {
        let Some(h) = hit(run) else { continue };
        count.ids.push(run.id.clone());
        if h {
            count.hits.push(run.id.clone());
            count.total += 1;
        }
    }
    Kpi::new(count, "percent", "runs", MIN_RUNS, ids)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kpi_lists_its_newest_ids_and_counts_the_rest() {
        let ids: Vec<String> = (0..MAX_IDS + 5).map(|i| format!("run-{i}")).collect();
        let count = Count {
            hits: ids[..3].to_vec(),
            ids,
            total: 3,
        };
        let kpi = Kpi::new(count, "percent", "runs", MIN_RUNS, true);
        let listed = kpi.ids.as_ref().unwrap();
        assert_eq!((listed.len(), kpi.ids_omitted), (MAX_IDS, 5));
        assert_eq!(listed[0], "run-5", "the oldest are left out");
        assert_eq!(kpi.numerator_ids_omitted, 0);
        // The counts are of every run, not of the ids listed.
        assert_eq!((kpi.numerator, kpi.denominator), (3, (MAX_IDS + 5) as u64));
        let json = serde_json::to_value(&kpi).unwrap();
        assert_eq!(json["ids_omitted"], 5);
        assert!(json.get("numerator_ids_omitted").is_none(), "{json}");
    }
}

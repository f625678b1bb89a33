//! Guidance refresh: from the runs of the event log, the most-failing steps, the slowest
//! steps (median and p90, against the previous week) and flaky candidates (the same commit
//! failed, then passed), each with a concrete action.

use std::collections::BTreeMap;

use super::row::Run;
use super::scorecard::Sources;
use super::window::Span;
use crate::artifacts::proof::GateKind;
use crate::artifacts::weekly::{Failing, Flaky, FlakyPair, GUIDANCE_SCHEMA, Guidance, Slow};

/// Entries per list.
const TOP: usize = 5;

/// A median this much above last week's is "slower" (and below, "faster").
const TREND_RATIO: f64 = 0.10;

/// Days searched for flaky candidates: a commit is retried within days, not weeks.
const FLAKY_DAYS: i64 = 30;

impl Guidance {
    /// The guidance of `sources` at their `as_of`.
    pub fn new(sources: &Sources) -> Guidance {
        let current = Span::days_before(sources.as_of, 7);
        let previous = Span::days_before(current.start, 7);
        let runs = |span: Span| -> Vec<&Run> {
            sources
                .pass
                .runs
                .iter()
                .filter(|r| span.contains(r.at))
                .collect()
        };
        let flaky_runs = runs(Span::days_before(sources.as_of, FLAKY_DAYS));
        Guidance {
            schema_version: GUIDANCE_SCHEMA,
            as_of: crate::clock::iso(sources.as_of),
            current_window: current.label(),
            previous_window: previous.label(),
            most_failing: most_failing(&runs(current)),
            slowest: slowest(&runs(current), &runs(previous)),
            flaky: flaky(&flaky_runs),
        }
    }
}

impl Guidance {
    /// The three lists as `(title, actions)`, for the reports.
    pub fn sections(&self) -> [(&'static str, Vec<&str>); 3] {
        [
            (
                "Most-failing steps",
                self.most_failing
                    .iter()
                    .map(|f| f.action.as_str())
                    .collect(),
            ),
            (
                "Slowest steps",
                self.slowest.iter().map(|s| s.action.as_str()).collect(),
            ),
            (
                "Flaky candidates",
                self.flaky.iter().map(|f| f.action.as_str()).collect(),
            ),
        ]
    }
}

/// The command that reruns a step of the lane.
fn rerun(step: &str) -> String {
    match step {
        "gate-fast" => "sdetkit gate fast".into(),
        "gate-release" => "sdetkit gate release --dry-run".into(),
        "doctor" => "sdetkit doctor".into(),
        other => format!("sdetkit gate fast --only {other}"),
    }
}

/// The steps a run recorded, with reference rows' gates (no timings) from `failed_steps`.
fn outcomes(run: &Run) -> Vec<(String, bool)> {
    if run.steps.is_empty() {
        let gates = GateKind::ALL.iter().zip(run.gates);
        return gates
            .filter(|(_, o)| *o != super::row::GateOutcome::NotRun)
            .map(|(g, o)| (g.name().to_string(), o == super::row::GateOutcome::Failed))
            .collect();
    }
    run.steps
        .iter()
        .map(|s| (s.name.clone(), s.failed))
        .collect()
}

fn most_failing(runs: &[&Run]) -> Vec<Failing> {
    let mut by_step: BTreeMap<String, (u64, Vec<String>)> = BTreeMap::new();
    for run in runs {
        for (step, failed) in outcomes(run) {
            let entry = by_step.entry(step).or_default();
            entry.0 += 1;
            if failed {
                entry.1.push(run.id.clone());
            }
        }
    }
    let mut out: Vec<Failing> = by_step
        .into_iter()
        .filter(|(_, (_, ids))| !ids.is_empty())
        .map(|(step, (runs, ids))| Failing {
            action: format!(
                "`{step}` failed {} of {runs} runs this week: rerun `{}`, read its first failure, and add a regression check before the next release.",
                ids.len(),
                rerun(&step)
            ),
            failures: ids.len() as u64,
            runs,
            ids,
            step,
        })
        .collect();
    out.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then_with(|| a.step.cmp(&b.step))
    });
    out.truncate(TOP);
    out
}

/// Durations per step, sorted.
fn durations(runs: &[&Run]) -> BTreeMap<String, Vec<u64>> {
    let mut by_step: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for step in runs.iter().flat_map(|r| &r.steps) {
        if let Some(ms) = step.duration_ms {
            by_step.entry(step.name.clone()).or_default().push(ms);
        }
    }
    by_step.values_mut().for_each(|v| v.sort_unstable());
    by_step
}

/// The `q` quantile of sorted, non-empty `values` (nearest rank).
fn quantile(values: &[u64], q: f64) -> u64 {
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn slowest(current: &[&Run], previous: &[&Run]) -> Vec<Slow> {
    let before = durations(previous);
    let mut out: Vec<Slow> = durations(current)
        .into_iter()
        .map(|(step, values)| {
            let median = quantile(&values, 0.5);
            let previous_median = before.get(&step).map(|v| quantile(v, 0.5));
            let trend = trend(median, previous_median);
            Slow {
                action: format!(
                    "`{step}` takes {} at the median and {} at p90 ({trend} vs last week): run `{}` and shorten its slowest step (cache its inputs, or split it and raise --jobs).",
                    crate::clock::human_ms(median),
                    crate::clock::human_ms(quantile(&values, 0.9)),
                    rerun(&step)
                ),
                samples: values.len() as u64,
                median_ms: median,
                p90_ms: quantile(&values, 0.9),
                previous_median_ms: previous_median,
                trend,
                step,
            }
        })
        .collect();
    out.sort_by(|a, b| b.p90_ms.cmp(&a.p90_ms).then_with(|| a.step.cmp(&b.step)));
    out.truncate(TOP);
    out
}

fn trend(now: u64, before: Option<u64>) -> &'static str {
    match before {
        None => "new",
        Some(b) if now as f64 > b as f64 * (1.0 + TREND_RATIO) => "slower",
        Some(b) if (now as f64) < b as f64 * (1.0 - TREND_RATIO) => "faster",
        Some(_) => "steady",
    }
}

/// Steps that failed and then passed on the same commit with a clean tree. A run on a dirty
/// tree checked something no commit holds (a failure fixed in the work tree, then passing,
/// is a fix, not flakiness), so it neither opens nor closes a pair.
fn flaky(runs: &[&Run]) -> Vec<Flaky> {
    // (step, commit) → the last failed run not yet followed by a pass.
    let mut pending: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut by_step: BTreeMap<String, Vec<FlakyPair>> = BTreeMap::new();
    for run in runs.iter().filter(|r| r.dirty != Some(true)) {
        let Some(commit) = &run.commit else { continue };
        for (step, failed) in outcomes(run) {
            let key = (step.clone(), commit.clone());
            if failed {
                pending.insert(key, run.id.clone());
            } else if let Some(failed_run) = pending.remove(&key) {
                by_step.entry(step).or_default().push(FlakyPair {
                    commit: commit.clone(),
                    failed_run,
                    passed_run: run.id.clone(),
                });
            }
        }
    }
    let mut out: Vec<Flaky> = by_step
        .into_iter()
        .map(|(step, occurrences)| Flaky {
            action: format!(
                "`{step}` failed then passed on the same commit {} time(s): compare the two runs' logs, then fix or quarantine the nondeterministic test before trusting a green `{}`.",
                occurrences.len(),
                rerun(&step)
            ),
            occurrences,
            step,
        })
        .collect();
    out.sort_by(|a, b| {
        b.occurrences
            .len()
            .cmp(&a.occurrences.len())
            .then_with(|| a.step.cmp(&b.step))
    });
    out.truncate(TOP);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!((quantile(&v, 0.5), quantile(&v, 0.9)), (5, 9));
        assert_eq!(quantile(&[7], 0.9), 7);
        assert_eq!(trend(120, Some(100)), "slower");
        assert_eq!(trend(95, Some(100)), "steady");
        assert_eq!(trend(5, None), "new");
    }
}

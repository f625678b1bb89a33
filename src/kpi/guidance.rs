//! Guidance refresh: from the runs of the event log, the most-failing steps and tests, the
//! slowest steps (median and p90, against the previous week) and flaky candidates (the same
//! inputs failed, then passed), each with a concrete action. Steps are named `gate/step`
//! (`gate-fast/unit`); rows written before steps were recorded name their gates.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::window::{FLAKY_DAYS, Span};
use crate::artifacts::proof::GateKind;
use crate::artifacts::weekly::{Failing, Flaky, FlakyPair, GUIDANCE_SCHEMA, Guidance, Slow};
use crate::history::run::Run;
use crate::maps::entry;

/// Entries per list.
pub(crate) const TOP: usize = 5;

/// A median this much above last week's is "slower" (and below, "faster").
const TREND_RATIO: f64 = 0.10;

/// What the guidance needs from the runs, gathered as they stream past in time order: this
/// week's failures per step and test, this and last week's durations, the flaky pairs of the
/// last 30 days, and the CI links of the runs it names. Nothing else of a run is kept.
#[derive(Debug)]
pub struct GuidanceTally {
    current: Span,
    previous: Span,
    flaky_span: Span,
    /// Per [`Subject`]: name → (runs this week, the runs where it failed).
    failing: [BTreeMap<String, (u64, Vec<String>)>; 2],
    /// This week's and last week's durations per step.
    durations: [BTreeMap<String, Vec<u64>>; 2],
    /// Per [`Subject`].
    flaky: [FlakyTrack; 2],
    /// The CI run of each run the guidance names, when it recorded one.
    links: BTreeMap<String, String>,
}

/// Failed-then-passed pairs as they are found.
#[derive(Debug, Default)]
struct FlakyTrack {
    /// name → inputs → the last failed run not yet followed by a pass, and its commit (never
    /// iterated, so a hash map's order does not show).
    pending: BTreeMap<String, HashMap<String, (String, String)>>,
    by_step: BTreeMap<String, Vec<FlakyPair>>,
}

impl GuidanceTally {
    /// An empty tally for the weeks ending at `as_of`.
    pub fn new(as_of: Timestamp) -> GuidanceTally {
        let current = Span::days_before(as_of, 7);
        GuidanceTally {
            current,
            previous: Span::days_before(current.start, 7),
            flaky_span: Span::days_before(as_of, FLAKY_DAYS),
            failing: Default::default(),
            durations: Default::default(),
            flaky: Default::default(),
            links: BTreeMap::new(),
        }
    }

    /// Takes in one run (runs come in time order).
    pub fn observe(&mut self, run: &Run) {
        // The flaky span holds the two weeks too.
        if !self.flaky_span.contains(run.at) {
            return;
        }
        let this_week = self.current.contains(run.at);
        for (i, subject) in Subject::ALL.into_iter().enumerate() {
            let outcomes = subject.outcomes(run);
            if this_week {
                self.count_failures(i, run, &outcomes);
            }
            self.pair(i, run, outcomes);
        }
        let week = if this_week {
            Some(0)
        } else {
            self.previous.contains(run.at).then_some(1)
        };
        if let Some(week) = week {
            for step in &run.steps {
                if let Some(ms) = step.duration_ms {
                    entry(&mut self.durations[week], &step.name, Default::default).push(ms);
                }
            }
        }
    }

    fn count_failures(&mut self, subject: usize, run: &Run, outcomes: &[(&str, bool)]) {
        for (name, failed) in outcomes {
            let entry = entry(&mut self.failing[subject], name, Default::default);
            entry.0 += 1;
            if *failed {
                entry.1.push(run.id.clone());
                self.link(run);
            }
        }
    }

    /// Steps (or tests) that failed and then passed on the same inputs: the same input
    /// digest, or for rows without one, the same commit with a clean tree. A run on a dirty
    /// tree checked something no commit holds (a failure fixed in the work tree, then
    /// passing, is a fix, not flakiness), so without a digest it neither opens nor closes a
    /// pair.
    fn pair(&mut self, subject: usize, run: &Run, outcomes: Vec<(&str, bool)>) {
        let inputs = match (&run.input_digest, &run.commit, run.dirty) {
            (Some(digest), _, _) => digest,
            (None, Some(commit), dirty) if dirty != Some(true) => commit,
            _ => return,
        };
        let track = &mut self.flaky[subject];
        let mut linked = false;
        for (name, failed) in outcomes {
            let pending = entry(&mut track.pending, name, Default::default);
            if failed {
                let commit = run.commit.clone().unwrap_or_default();
                pending.insert(inputs.clone(), (run.id.clone(), commit));
                linked = true;
            } else if let Some((failed_run, commit)) = pending.remove(inputs) {
                entry(&mut track.by_step, name, Default::default).push(FlakyPair {
                    commit,
                    input_digest: run.input_digest.clone(),
                    failed_run,
                    passed_run: run.id.clone(),
                });
                linked = true;
            }
        }
        if linked {
            self.link(run);
        }
    }

    fn link(&mut self, run: &Run) {
        if let Some(url) = &run.ci_url {
            self.links.insert(run.id.clone(), url.clone());
        }
    }

    /// The CI run of each run the guidance names, when it recorded one.
    pub fn links(&self) -> &BTreeMap<String, String> {
        &self.links
    }
}

impl Guidance {
    /// The guidance of what `tally` gathered up to `as_of`.
    pub fn new(tally: &GuidanceTally, as_of: Timestamp) -> Guidance {
        Guidance {
            schema_version: GUIDANCE_SCHEMA,
            as_of: crate::clock::iso(as_of),
            current_window: tally.current.label(),
            previous_window: tally.previous.label(),
            most_failing: most_failing(&tally.failing[0], Subject::Step),
            slowest: slowest(&tally.durations[0], &tally.durations[1]),
            flaky: flaky(&tally.flaky[0], Subject::Step),
            failing_tests: most_failing(&tally.failing[1], Subject::Test),
            flaky_tests: flaky(&tally.flaky[1], Subject::Test),
        }
    }
}

impl Guidance {
    /// The step behind a degraded `kpi`: the step of its gate that failed most this week
    /// (any step for the SHIP rate and the time to green, which every gate moves); none for
    /// KPIs no step moves (rollbacks, evidence coverage).
    pub fn behind(&self, kpi: &str) -> Option<&Failing> {
        let gate = match kpi {
            "gate_fast_failure_rate" => Some("gate-fast"),
            "gate_release_failure_rate" => Some("gate-release"),
            "doctor_failure_rate" => Some("doctor"),
            "ship_rate" | "mean_time_to_green" => None,
            _ => return None,
        };
        // A step is `gate/step`, or the gate itself in histories that only name gates.
        let of_gate = |step: &str| {
            gate.is_none_or(|g| {
                step == g || step.strip_prefix(g).is_some_and(|r| r.starts_with('/'))
            })
        };
        self.most_failing.iter().find(|f| of_gate(&f.step))
    }

    /// The lists as `(title, actions)`, for the reports.
    pub fn sections(&self) -> [(&'static str, Vec<&str>); 5] {
        fn actions<T>(list: &[T], action: fn(&T) -> &String) -> Vec<&str> {
            list.iter().map(|item| action(item).as_str()).collect()
        }
        [
            (
                "Most-failing steps",
                actions(&self.most_failing, |f| &f.action),
            ),
            ("Slowest steps", actions(&self.slowest, |s| &s.action)),
            ("Flaky candidates", actions(&self.flaky, |f| &f.action)),
            (
                "Most-failing tests",
                actions(&self.failing_tests, |f| &f.action),
            ),
            ("Flaky tests", actions(&self.flaky_tests, |f| &f.action)),
        ]
    }
}

impl Flaky {
    /// The runs behind it: each failed run, then the run where it passed.
    pub fn runs(&self) -> Vec<&str> {
        self.occurrences
            .iter()
            .flat_map(|p| [p.failed_run.as_str(), p.passed_run.as_str()])
            .collect()
    }
}

/// What a list speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// Steps (`gate-fast/unit`), or gates in old rows.
    Step,
    /// Tests (`unit::tests/test_a.py::test_total`).
    Test,
}

impl Subject {
    /// Both, in the order the tally keeps them.
    const ALL: [Subject; 2] = [Subject::Step, Subject::Test];

    /// The named outcomes of a run.
    fn outcomes(self, run: &Run) -> Vec<(&str, bool)> {
        match self {
            Subject::Step => step_outcomes(run),
            Subject::Test => run
                .tests
                .iter()
                .map(|t| (t.name.as_str(), t.failed))
                .collect(),
        }
    }

    /// The command that reruns `name`: its step through sdetkit.
    fn rerun(self, name: &str) -> String {
        match self {
            Subject::Step => rerun(name),
            Subject::Test => {
                let step = name.split("::").next().unwrap_or(name);
                format!("sdetkit gate fast --only {step}")
            }
        }
    }
}

/// The command that reruns a step (`gate-fast/unit`) or a gate (`gate-fast`).
fn rerun(step: &str) -> String {
    let (gate, id) = step.split_once('/').unwrap_or((step, ""));
    let only = |cmd: &str| match id {
        "" => cmd.to_string(),
        id => format!("{cmd} --only {id}"),
    };
    match GateKind::from_name(gate) {
        Some(GateKind::Fast) => only("sdetkit gate fast"),
        Some(GateKind::Release) => only("sdetkit gate release --dry-run"),
        Some(GateKind::Doctor) => "sdetkit doctor".into(),
        None => format!("sdetkit gate fast --only {step}"),
    }
}

/// The steps a run recorded, with reference rows' gates (no timings) from `failed_steps`.
fn step_outcomes(run: &Run) -> Vec<(&str, bool)> {
    if run.steps.is_empty() {
        let gates = GateKind::ALL.iter().zip(run.gates);
        return gates
            .filter(|(_, o)| *o != crate::history::run::GateOutcome::NotRun)
            .map(|(g, o)| (g.name(), o == crate::history::run::GateOutcome::Failed))
            .collect();
    }
    run.steps
        .iter()
        .map(|s| (s.name.as_str(), s.failed))
        .collect()
}

fn most_failing(by_step: &BTreeMap<String, (u64, Vec<String>)>, subject: Subject) -> Vec<Failing> {
    let mut out: Vec<Failing> = by_step
        .iter()
        .filter(|(_, (_, ids))| !ids.is_empty())
        .map(|(step, (runs, ids))| Failing {
            action: format!(
                "`{step}` failed {} of {runs} runs this week: rerun `{}`, read its first failure, and add a regression check before the next release.",
                ids.len(),
                subject.rerun(step)
            ),
            failures: ids.len() as u64,
            runs: *runs,
            ids: ids.clone(),
            step: step.clone(),
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
fn sorted(durations: &BTreeMap<String, Vec<u64>>) -> BTreeMap<&str, Vec<u64>> {
    durations
        .iter()
        .map(|(step, values)| {
            let mut values = values.clone();
            values.sort_unstable();
            (step.as_str(), values)
        })
        .collect()
}

/// The `q` quantile of sorted, non-empty `values` (nearest rank).
fn quantile(values: &[u64], q: f64) -> u64 {
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn slowest(
    current: &BTreeMap<String, Vec<u64>>,
    previous: &BTreeMap<String, Vec<u64>>,
) -> Vec<Slow> {
    let before = sorted(previous);
    let mut out: Vec<Slow> = sorted(current)
        .into_iter()
        .map(|(step, values)| {
            let median = quantile(&values, 0.5);
            let previous_median = before.get(step).map(|v| quantile(v, 0.5));
            let trend = trend(median, previous_median);
            Slow {
                action: format!(
                    "`{step}` takes {} at the median and {} at p90 ({trend} vs last week): run `{}` and shorten its slowest step (cache its inputs, or split it and raise --jobs).",
                    crate::clock::human_ms(median),
                    crate::clock::human_ms(quantile(&values, 0.9)),
                    rerun(step)
                ),
                samples: values.len() as u64,
                median_ms: median,
                p90_ms: quantile(&values, 0.9),
                previous_median_ms: previous_median,
                trend,
                step: step.to_string(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.p90_ms.cmp(&a.p90_ms).then_with(|| a.step.cmp(&b.step)));
    out.truncate(TOP);
    out
}

pub(crate) fn trend(now: u64, before: Option<u64>) -> &'static str {
    match before {
        None => "new",
        Some(b) if now as f64 > b as f64 * (1.0 + TREND_RATIO) => "slower",
        Some(b) if (now as f64) < b as f64 * (1.0 - TREND_RATIO) => "faster",
        Some(_) => "steady",
    }
}

fn flaky(track: &FlakyTrack, subject: Subject) -> Vec<Flaky> {
    let mut out: Vec<Flaky> = track
        .by_step
        .iter()
        .map(|(step, occurrences)| Flaky {
            action: format!(
                "`{step}` failed then passed on the same inputs {} time(s): compare the two runs' logs, then fix or quarantine the nondeterministic test before trusting a green `{}`.",
                occurrences.len(),
                subject.rerun(step)
            ),
            occurrences: occurrences.clone(),
            step: step.clone(),
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

    #[test]
    fn reruns_name_the_step_and_its_gate() {
        assert_eq!(rerun("gate-fast/unit"), "sdetkit gate fast --only unit");
        assert_eq!(
            rerun("gate-release/version"),
            "sdetkit gate release --dry-run --only version"
        );
        assert_eq!(rerun("doctor/readme"), "sdetkit doctor");
        assert_eq!(rerun("gate-fast"), "sdetkit gate fast");
        assert_eq!(
            Subject::Test.rerun("unit::tests/a.py::t"),
            "sdetkit gate fast --only unit"
        );
    }
}

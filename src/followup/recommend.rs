//! The recommendation rules (reference §3.21), each grounded in data: the first failure and
//! how to reproduce it, failures that recur over the recent runs (not all history), the
//! threshold verdict, and the release preflight's own findings.

use serde::Deserialize;
use serde_json::Value;

use super::{DAILY_COMMAND, Followup, PREMERGE_COMMAND, Priority, Recommendation};
use crate::decision::Decision;
use crate::error::{Error, Result};
use crate::history::Learning;
use crate::history::rollup::RECENT_RUNS;
use crate::history::threshold::ThresholdCheck;

/// Release checks that fail at the release moment and are fixed by tidying the tree or the
/// branch, not the code (the reference's `doctor_release`).
const RELEASE_MOMENT_CHECKS: &[&str] = &["clean-tree", "branch", "upstream", "tag"];

/// The release check that only reuses the fast gate's verdict.
const FAST_GATE_CHECK: &str = "fast-gate";

/// A failure recurs when it failed at least this often in the recent runs.
const RECURRING_MIN: u64 = 2;

/// The first failure, as far as the follow-up uses it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FailureView {
    pub step: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub next_command: Option<String>,
}

/// The decision snapshot's fields the follow-up reads; any v1 summary (the reference's too)
/// has this shape.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProofView {
    #[serde(default)]
    pub decision: Option<Decision>,
    #[serde(default)]
    pub failed_steps: Vec<String>,
    #[serde(default)]
    pub first_failure: Option<FailureView>,
    #[serde(default)]
    pub git: GitView,
}

/// The branch the proof ran on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GitView {
    #[serde(default)]
    pub branch: Option<String>,
}

/// The release preflight's findings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReleaseView {
    #[serde(default)]
    pub failed_steps: Vec<String>,
    #[serde(default)]
    pub recommendations: Vec<String>,
}

/// Reads a view out of an in-memory artifact (the lane hands over what it just wrote).
pub fn view_of<T: serde::de::DeserializeOwned>(value: Value, artifact: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| Error::input(artifact, e.to_string()))
}

/// Everything the rules look at.
pub struct Grounds<'a> {
    pub proof: &'a ProofView,
    pub release: &'a ReleaseView,
    pub learning: &'a Learning,
    /// KPI incidents the last weekly run left open.
    pub incidents: &'a [crate::kpi::incidents::Incident],
}

impl Grounds<'_> {
    /// The decision; a missing summary is not a SHIP.
    pub fn decision(&self) -> Decision {
        self.proof.decision.unwrap_or(Decision::NoShip)
    }

    /// The follow-up payload these grounds call for.
    pub fn followup(&self, generated_at: &str) -> Followup {
        Followup::new(
            self.decision(),
            self.learning.threshold.breach,
            self.recommend(),
            generated_at.to_string(),
        )
    }

    /// The recommendations, P0 first; equal priorities keep the rule order.
    pub fn recommend(&self) -> Vec<Recommendation> {
        let threshold = &self.learning.threshold;
        let mut recs: Vec<Recommendation> = [
            self.recover(),
            self.first_failing_step(),
            threshold.breach.then(|| breach(threshold)),
            self.release_moment(),
            self.release_advice(),
            self.proceed(),
        ]
        .into_iter()
        .flatten()
        .chain(self.recurring())
        .chain(kpi_incidents(self.incidents))
        .collect();
        recs.sort_by_key(|r| r.priority);
        recs
    }

    /// P0: get back to SHIP, or, before any proof, make one.
    fn recover(&self) -> Option<Recommendation> {
        if self.proof.decision.is_none() {
            return Some(rec(
                Priority::P0,
                "Run the daily lane",
                format!(
                    "There is no decision snapshot (first-proof-summary.json) yet; run `{DAILY_COMMAND}` to produce one."
                ),
            ));
        }
        (self.decision() != Decision::Ship).then(|| {
            rec(
                Priority::P0,
                "Recover to SHIP on the failing gate",
                format!("Run `{DAILY_COMMAND}` after fixing the first failing step and do not merge until decision is SHIP."),
            )
        })
    }

    /// P1: the first failed gate, and when known the failing step, where, and how to rerun it.
    fn first_failing_step(&self) -> Option<Recommendation> {
        let gate = self.proof.failed_steps.first()?;
        let mut action =
            format!("Focus on `{gate}` first; it is blocking deterministic release confidence.");
        if let Some(f) = &self.proof.first_failure {
            let message = f.message.lines().next().unwrap_or("").trim();
            if message.is_empty() {
                action.push_str(&format!(" First failure: step `{}`.", f.step));
            } else {
                action.push_str(&format!(" First failure: step `{}`: {message}.", f.step));
            }
            if let Some(cmd) = &f.next_command {
                action.push_str(&format!(" Reproduce with `{cmd}`."));
            }
        }
        Some(rec(Priority::P1, "Resolve first failing step", action))
    }

    /// P2: gates that failed repeatedly over the last runs of this branch (top 3).
    fn recurring(&self) -> Vec<Recommendation> {
        let runs = self.learning.view.recent.len();
        self.learning
            .view
            .recurring_failures()
            .into_iter()
            .filter(|(_, count)| *count >= RECURRING_MIN)
            .take(3)
            .map(|(step, count)| {
                rec(
                    Priority::P2,
                    &format!("Reduce recurring failures in {step}"),
                    format!("{step} failed {count} times in the last {runs} runs (window: {RECENT_RUNS} runs); add a targeted regression check before pre-merge."),
                )
            })
            .collect()
    }

    /// P0: a release-moment check (clean tree, branch, upstream, tag) blocks the release.
    fn release_moment(&self) -> Option<Recommendation> {
        let blocked: Vec<&str> = self
            .release
            .failed_steps
            .iter()
            .map(String::as_str)
            .filter(|s| RELEASE_MOMENT_CHECKS.contains(s))
            .collect();
        (!blocked.is_empty()).then(|| {
            rec(
                Priority::P0,
                "Unblock release doctor checks",
                format!("Release checks `{}` are failing (often clean-tree). Commit/stash changes, then rerun `{DAILY_COMMAND}`.", blocked.join("`, `")),
            )
        })
    }

    /// P1: the release preflight's advice for the first check that failed for a reason of
    /// its own: the `fast-gate` check merely repeats the fast gate's failure, which the P1
    /// "Resolve first failing step" already covers, and warnings block nothing.
    fn release_advice(&self) -> Option<Recommendation> {
        let advice = self
            .release
            .failed_steps
            .iter()
            .filter(|check| *check != FAST_GATE_CHECK)
            .find_map(|check| {
                let prefix = format!("`{check}`:");
                self.release
                    .recommendations
                    .iter()
                    .find(|r| r.starts_with(&prefix))
            })?;
        Some(rec(
            Priority::P1,
            "Apply release preflight recommendation",
            advice.clone(),
        ))
    }

    fn proceed(&self) -> Option<Recommendation> {
        (self.decision() == Decision::Ship && !self.learning.threshold.breach).then(|| {
            rec(
                Priority::P3,
                "Proceed to pre-merge verification",
                format!(
                    "Run `{PREMERGE_COMMAND}` and publish release-room evidence before merge/tag."
                ),
            )
        })
    }
}

/// P0: every KPI the weekly lane found degrading two windows in a row (PRODUCT §9).
fn kpi_incidents(incidents: &[crate::kpi::incidents::Incident]) -> Vec<Recommendation> {
    incidents
        .iter()
        .map(|i| {
            let (title, action) = i.advice();
            rec(Priority::P0, &title, action)
        })
        .collect()
}

/// P0: the threshold breached, with the numbers that breached it.
fn breach(t: &ThresholdCheck) -> Recommendation {
    rec(
        Priority::P0,
        "Threshold breach escalation",
        format!(
            "Ship rate over the last 7 runs on `{}` is {:.2} (profile `{}` needs {:.2}) with {} NO-SHIP runs in a row; assign an owner with an SLA before the next release window.",
            t.branch, t.ship_rate_last_7, t.profile, t.min_ship_rate, t.consecutive_no_ship
        ),
    )
}

fn rec(priority: Priority, title: &str, action: String) -> Recommendation {
    Recommendation {
        priority,
        title: title.to_string(),
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::learning_of;

    fn row(decision: &str, failed: &str) -> String {
        format!(
            r#"{{"captured_at": "2026-11-25T10:00:00+00:00", "decision": "{decision}", "failed_steps": [{failed}]}}"#
        )
    }

    fn titles(recs: &[Recommendation]) -> Vec<String> {
        recs.iter()
            .map(|r| format!("{:?} {}", r.priority, r.title))
            .collect()
    }

    #[test]
    fn every_rule_in_priority_then_rule_order() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        let history: Vec<String> = (0..5)
            .map(|_| row("NO-SHIP", r#""gate-release", "doctor""#))
            .collect();
        let learning = learning_of(&history, "local", &config);
        assert!(learning.threshold.breach);
        let proof = ProofView {
            decision: Some(Decision::NoShip),
            failed_steps: vec!["gate-release".into()],
            first_failure: Some(FailureView {
                step: "clean-tree".into(),
                message: "2 files changed\nmore".into(),
                next_command: Some("git status".into()),
            }),
            git: GitView::default(),
        };
        let release = ReleaseView {
            failed_steps: vec!["fast-gate".into(), "clean-tree".into()],
            recommendations: vec![
                "`fast-gate`: fix the fast gate first".into(),
                "`clean-tree`: commit or stash".into(),
            ],
        };
        let grounds = Grounds {
            proof: &proof,
            release: &release,
            learning: &learning,
            incidents: &[],
        };
        let recs = grounds.recommend();
        assert_eq!(
            titles(&recs),
            [
                "P0 Recover to SHIP on the failing gate",
                "P0 Threshold breach escalation",
                "P0 Unblock release doctor checks",
                "P1 Resolve first failing step",
                "P1 Apply release preflight recommendation",
                "P2 Reduce recurring failures in gate-release",
                "P2 Reduce recurring failures in doctor",
            ]
        );
        assert_eq!(
            recs[3].action,
            "Focus on `gate-release` first; it is blocking deterministic release confidence. First failure: step `clean-tree`: 2 files changed. Reproduce with `git status`."
        );
        assert_eq!(recs[4].action, "`clean-tree`: commit or stash");
        assert!(
            recs[1]
                .action
                .contains("is 0.00 (profile `default` needs 0.50) with 5 NO-SHIP runs in a row")
        );
        assert_eq!(grounds.followup("t").next_command, DAILY_COMMAND);
    }

    #[test]
    fn a_ship_without_history_only_proceeds() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        let learning = learning_of(&[row("SHIP", "")], "local", &config);
        let proof = ProofView {
            decision: Some(Decision::Ship),
            ..ProofView::default()
        };
        let grounds = Grounds {
            proof: &proof,
            release: &ReleaseView::default(),
            learning: &learning,
            incidents: &[],
        };
        let followup = grounds.followup("t");
        assert_eq!(
            titles(&followup.recommendations),
            ["P3 Proceed to pre-merge verification"]
        );
        assert_eq!(followup.next_command, PREMERGE_COMMAND);
        let missing = ProofView::default();
        let grounds = Grounds {
            proof: &missing,
            ..grounds
        };
        assert_eq!(grounds.decision(), Decision::NoShip);
    }
}

//! The recommendation rules (reference §3.21), each grounded in data: the first failure and
//! how to reproduce it, failures that recur over the recent runs (not all history), the
//! threshold verdict, and the release preflight's own findings.

use crate::artifacts::Places;
use crate::artifacts::followup::{Followup, Priority, Recommendation};
use crate::artifacts::learning::ThresholdCheck;
use crate::artifacts::proof::{Decision, GateReport, SUMMARY, Summary};
use crate::artifacts::weekly::Incident;
use crate::config::ReleaseCheck;
use crate::history::Learning;
use crate::history::RECENT_RUNS;
use crate::repo::lanes::Lane;
use crate::runner::Status;

/// A failure recurs when it failed at least this often in the recent runs.
const RECURRING_MIN: u64 = 2;

/// Everything the rules look at.
pub struct Grounds<'a> {
    /// The decision snapshot, when there is one (any v1 summary, the reference's too).
    pub summary: Option<&'a Summary>,
    /// The release preflight, when it ran.
    pub release: Option<&'a GateReport>,
    /// What the event log says about the branch.
    pub learning: &'a Learning,
    /// KPI incidents the last weekly run left open.
    pub incidents: &'a [Incident],
    /// How artifacts and lanes are named in the recommendations.
    pub places: Places<'a>,
}

impl Grounds<'_> {
    /// The decision; a missing summary is not a SHIP.
    pub fn decision(&self) -> Decision {
        self.summary.map_or(Decision::NoShip, |s| s.decision)
    }

    /// What to run next (see [`next_command`]).
    pub fn next(&self) -> String {
        next_command(self.summary, self.places)
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
        .chain(kpi_incidents(self.incidents, self.places))
        .collect();
        recs.sort_by_key(|r| r.priority);
        recs
    }

    /// P0: get back to SHIP, or, before any proof, make one.
    fn recover(&self) -> Option<Recommendation> {
        if self.summary.is_none() {
            return Some(rec(
                Priority::P0,
                "Run the daily lane",
                format!(
                    "There is no decision snapshot ({}) yet; run `{}` to produce one.",
                    SUMMARY.name(),
                    self.places.lane(Lane::Daily)
                ),
            ));
        }
        (self.decision() != Decision::Ship).then(|| {
            rec(
                Priority::P0,
                "Recover to SHIP on the failing gate",
                format!(
                    "Run `{}` after fixing the first failing step and do not merge until decision is SHIP.",
                    self.places.lane(Lane::Daily)
                ),
            )
        })
    }

    /// P1: the first failed gate, and when known the failing step, where, and how to rerun it.
    fn first_failing_step(&self) -> Option<Recommendation> {
        let summary = self.summary?;
        let gate = summary.failed_steps.first()?;
        let mut action =
            format!("Focus on `{gate}` first; it is blocking deterministic release confidence.");
        if let Some(f) = &summary.first_failure {
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

    /// P2: steps that failed repeatedly over the last runs of this branch (top 3).
    fn recurring(&self) -> Vec<Recommendation> {
        let runs = self.learning.recent_runs;
        self.learning
            .recurring
            .iter()
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
            .release?
            .failed_steps
            .iter()
            .map(String::as_str)
            .filter(|s| ReleaseCheck::parse(s).is_some_and(ReleaseCheck::is_moment))
            .collect();
        (!blocked.is_empty()).then(|| {
            rec(
                Priority::P0,
                "Unblock release doctor checks",
                format!(
                    "Release checks `{}` are failing (often clean-tree). Commit/stash changes, then rerun `{}`.",
                    blocked.join("`, `"),
                    self.places.lane(Lane::Daily)
                ),
            )
        })
    }

    /// P1: the fix of the first release check that failed for a reason of its own: the
    /// `fast-gate` check merely repeats the fast gate's failure, which the P1 "Resolve first
    /// failing step" already covers, and warnings block nothing.
    fn release_advice(&self) -> Option<Recommendation> {
        let (check, hint) = self.release?.steps.iter().find_map(|s| {
            let own = s.status == Status::Failed && s.id != ReleaseCheck::FastGate.as_str();
            own.then_some(())?;
            Some((&s.id, s.hint.as_ref()?))
        })?;
        Some(rec(
            Priority::P1,
            "Apply release preflight recommendation",
            format!("`{check}`: {hint}"),
        ))
    }

    fn proceed(&self) -> Option<Recommendation> {
        (self.decision() == Decision::Ship && !self.learning.threshold.breach).then(|| {
            rec(
                Priority::P3,
                "Proceed to pre-merge verification",
                format!(
                    "Run `{}` and publish release-room evidence before merge/tag.",
                    self.places.lane(Lane::Premerge)
                ),
            )
        })
    }
}

/// What to run next, as this repository can run it: after a NO-SHIP, the first failure's
/// own command (the narrowest rerun, or the real fix of a release or doctor blocker), else the
/// daily lane; after a SHIP, the pre-merge lane.
pub fn next_command(summary: Option<&Summary>, places: Places) -> String {
    match summary.map(|s| s.decision) {
        Some(Decision::Ship) => places.lane(Lane::Premerge),
        _ => summary
            .and_then(|s| s.first_failure.as_ref())
            .and_then(|f| f.next_command.clone())
            .unwrap_or_else(|| places.lane(Lane::Daily)),
    }
}

/// P0: every KPI the weekly lane found degrading two windows in a row (PRODUCT §9).
fn kpi_incidents(incidents: &[Incident], places: Places) -> Vec<Recommendation> {
    incidents
        .iter()
        .map(|i| {
            let (title, action) = i.advice(places);
            rec(Priority::P0, &title, action)
        })
        .collect()
}

/// Runs a branch needs before a breach is escalated to an owner: a full last-7 window, so
/// that the first runs after `init` (and a new branch's) never page anyone.
pub const ESCALATION_MIN_RUNS: u64 = 7;

/// The threshold breached, with the numbers that breached it: a P0 escalation on a full
/// window, a P1 on a smaller sample (which says how small).
fn breach(t: &ThresholdCheck) -> Recommendation {
    let numbers = format!(
        "Ship rate over the last {} run(s) on `{}` is {:.2} (profile `{}` needs {:.2}) with {} NO-SHIP runs in a row",
        t.total_runs.min(7),
        t.branch,
        t.ship_rate_last_7,
        t.profile,
        t.min_ship_rate,
        t.consecutive_no_ship
    );
    if t.total_runs < ESCALATION_MIN_RUNS {
        return rec(
            Priority::P1,
            "Threshold breach on a small sample",
            format!(
                "{numbers}; recover the ship rate now. It is escalated to an owner once the branch has {ESCALATION_MIN_RUNS} runs (it has {}).",
                t.total_runs
            ),
        );
    }
    rec(
        Priority::P0,
        "Threshold breach escalation",
        format!("{numbers}; assign an owner with an SLA before the next release window."),
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
    use crate::followup::{DAILY_COMMAND, PREMERGE_COMMAND};
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

    fn places() -> Places<'static> {
        Places {
            root: std::path::Path::new("/r"),
            out: std::path::Path::new("/r/build"),
            lanes: crate::repo::lanes::Lanes::of(std::path::Path::new("/r")),
        }
    }

    /// A summary as the reference writes it (v1 fields), plus `extra`.
    fn summary(decision: &str, failed: &[&str], extra: serde_json::Value) -> Summary {
        let mut v = serde_json::json!({
            "ok": decision == "SHIP", "decision": decision,
            "decision_line": format!("FIRST_PROOF_DECISION={decision}"), "strict": false,
            "steps": [], "failed_steps": failed,
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    fn check(id: &str, hint: &str) -> serde_json::Value {
        serde_json::json!({"id": id, "kind": "builtin", "cmd": "x", "status": "failed",
                           "rc": null, "log": null, "hint": hint})
    }

    #[test]
    fn every_rule_in_priority_then_rule_order() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        let history: Vec<String> = (0..7)
            .map(|_| row("NO-SHIP", r#""gate-release", "doctor""#))
            .collect();
        let learning = learning_of(&history, "local", &config);
        assert!(learning.threshold.breach);
        let proof = summary(
            "NO-SHIP",
            &["gate-release"],
            serde_json::json!({"first_failure": {
                "step": "clean-tree", "classification": "release", "file": null, "line": null,
                "test": null, "message": "2 files changed\nmore", "excerpt": "",
                "next_command": "git status", "layer": "check"}}),
        );
        let release: GateReport = serde_json::from_value(serde_json::json!({
            "schema_version": "sdetkit.gate.v1", "gate": "release", "ok": false,
            "dry_run": false, "interrupted": false, "executed": 2,
            "failed_steps": ["fast-gate", "clean-tree"],
            "steps": [check("fast-gate", "fix the fast gate first"), check("clean-tree", "commit or stash")],
            "recommendations": [],
        }))
        .unwrap();
        let grounds = Grounds {
            summary: Some(&proof),
            release: Some(&release),
            learning: &learning,
            incidents: &[],
            places: places(),
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
                .contains("is 0.00 (profile `default` needs 0.50) with 7 NO-SHIP runs in a row")
        );
        assert_eq!(grounds.followup("t").next_command, DAILY_COMMAND);
    }

    #[test]
    fn a_breach_on_a_small_sample_is_not_escalated() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        let history: Vec<String> = (0..3).map(|_| row("NO-SHIP", "")).collect();
        let learning = learning_of(&history, "local", &config);
        assert!(learning.threshold.breach);
        let r = breach(&learning.threshold);
        assert_eq!(r.priority, Priority::P1);
        assert!(
            r.action.contains("once the branch has 7 runs (it has 3)"),
            "{}",
            r.action
        );
    }

    #[test]
    fn a_ship_without_history_only_proceeds() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        let learning = learning_of(&[row("SHIP", "")], "local", &config);
        let proof = summary("SHIP", &[], serde_json::json!({}));
        let grounds = Grounds {
            summary: Some(&proof),
            release: None,
            learning: &learning,
            incidents: &[],
            places: places(),
        };
        let followup = grounds.followup("t");
        assert_eq!(
            titles(&followup.recommendations),
            ["P3 Proceed to pre-merge verification"]
        );
        assert_eq!(followup.next_command, PREMERGE_COMMAND);
        let grounds = Grounds {
            summary: None,
            ..grounds
        };
        assert_eq!(grounds.decision(), Decision::NoShip);
    }
}

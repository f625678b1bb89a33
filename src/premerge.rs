//! The pre-merge rules: what blocks a merge (a failed gate step, a threshold breach, an open
//! KPI incident, evidence that does not verify), what makes a pass a bypass, and what to run
//! next. The lane (`lanes::premerge`) gathers the facts and calls these in order.

use std::path::PathBuf;

use crate::artifacts::Places;
use crate::artifacts::learning::{THRESHOLD, TREND, ThresholdCheck};
use crate::artifacts::premerge::{Blocker, PremergeGate, SCHEMA};
use crate::artifacts::proof::{GateReport, Summary};
use crate::artifacts::weekly::{INCIDENTS, Incident};
use crate::config::Config;
use crate::error::Error;
use crate::evidence::verify::Verification;
use crate::repo::lanes::Lane;
use crate::workspace::Workspace;

/// The id of the dirty-tree blocker.
pub const DIRTY_TREE: &str = "gate-release/clean-tree";

/// The facts a pre-merge verdict rests on.
pub struct Facts<'a> {
    /// This run's decision snapshot.
    pub summary: &'a Summary,
    /// Its gates, in summary order.
    pub gates: &'a [GateReport],
    /// The threshold verdict on this branch.
    pub threshold: &'a ThresholdCheck,
    /// The KPI incidents the last weekly run left open.
    pub incidents: &'a [Incident],
    /// The sealed evidence pack and its verification, or why it could not be written.
    pub evidence: Result<(PathBuf, Verification), Error>,
    /// The release gate ran as a dry run (`--rehearsal`).
    pub fast: bool,
    /// When the verdict is written.
    pub generated_at: String,
}

/// The verdict: every blocker, in order, and what to run next.
pub fn verdict(ws: &Workspace, config: &Config, facts: Facts) -> PremergeGate {
    let places = ws.places();
    let mut blockers = gate_blockers(facts.summary, facts.gates, places);
    blockers.extend(threshold_blocker(facts.threshold, places));
    blockers.extend(incident_blockers(facts.incidents, places));
    let evidence_sha256 = facts.evidence.as_ref().ok().map(|(_, v)| v.sha256.clone());
    let (pack, pack_blocker) = evidence_blocker(ws, facts.evidence);
    blockers.extend(pack_blocker);
    let bypass_reasons = bypass_reasons(config, facts.fast);
    PremergeGate {
        schema_version: SCHEMA.to_string(),
        ok: blockers.is_empty(),
        decision: facts.summary.decision,
        next_command: next_command(&blockers, !bypass_reasons.is_empty(), places),
        blockers,
        bypass: !bypass_reasons.is_empty(),
        bypass_reasons,
        release_dry_run: facts.fast,
        run_id: facts.summary.run_id.clone(),
        commit: facts.summary.git.commit.clone(),
        branch: facts.threshold.branch.clone(),
        evidence_pack: pack,
        evidence_sha256,
        generated_at: facts.generated_at,
    }
}

/// The rehearsal (`ops premerge --rehearsal`) when a dirty tree is the only thing in the way;
/// otherwise the first blocker's own command. A rehearsal that passed still needs the real
/// pass; with nothing in the way, the weekly lane is next (the reference's advice too).
pub fn next_command(blockers: &[Blocker], bypass: bool, places: Places) -> String {
    match blockers {
        [] if bypass => places.lane(Lane::Premerge),
        [] => places.lane(Lane::Weekly),
        [only] if only.id == DIRTY_TREE => places.lane(Lane::PremergeFast),
        [first, ..] => first.next_command.clone(),
    }
}

/// One blocker per blocking step of every failed gate, with that step's first failure.
fn gate_blockers(summary: &Summary, gates: &[GateReport], places: Places) -> Vec<Blocker> {
    let mut out = Vec::new();
    for (gate, step) in gates.iter().zip(&summary.steps).filter(|(g, _)| !g.ok) {
        let name = step.name.name();
        let artifact = step.artifact.clone().unwrap_or_default();
        for s in gate.steps.iter().filter(|s| s.status.blocks()) {
            let failure = s.first_failure.as_ref();
            let reason = failure
                .map(|f| match f.location() {
                    Some(at) => format!("{at}: {}", f.message.lines().next().unwrap_or("")),
                    None => f.message.lines().next().unwrap_or("").to_string(),
                })
                .or_else(|| s.message.clone())
                .unwrap_or_else(|| format!("{} {}", s.id, s.status.label().to_lowercase()));
            let mut evidence = vec![artifact.clone(), format!("run {}", summary.run_id)];
            evidence.extend(s.log.clone());
            let next = failure
                .and_then(|f| f.next_command.clone())
                .unwrap_or_else(|| places.lane(Lane::Daily));
            out.push(Blocker {
                id: format!("{name}/{}", s.id),
                reason,
                evidence,
                next_command: next,
            });
        }
        if gate.steps.iter().all(|s| !s.status.blocks()) {
            // Failed with nothing blocking: nothing was checked, or it was interrupted.
            out.push(Blocker {
                id: name.to_string(),
                reason: gate
                    .recommendations
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("{name} did not pass")),
                evidence: vec![artifact, format!("run {}", summary.run_id)],
                next_command: places.lane(Lane::Daily),
            });
        }
    }
    out
}

fn threshold_blocker(t: &ThresholdCheck, places: Places) -> Option<Blocker> {
    t.breach.then(|| Blocker {
        id: "threshold-breach".into(),
        reason: format!(
            "ship rate {:.2} over the last 7 runs of `{}` is below {:.2}, with {} NO-SHIP runs in a row",
            t.ship_rate_last_7, t.branch, t.min_ship_rate, t.consecutive_no_ship
        ),
        evidence: vec![places.doc(&THRESHOLD), places.doc(&TREND)],
        next_command: places.lane(Lane::Daily),
    })
}

/// Each open KPI incident, a blocker.
fn incident_blockers(incidents: &[Incident], places: Places) -> Vec<Blocker> {
    let file = places.doc(&INCIDENTS);
    incidents
        .iter()
        .map(|i| Blocker {
            id: format!("kpi-incident/{}", i.kpi),
            reason: format!(
                "{} ({}) degraded in two consecutive weekly windows (open since {})",
                i.kpi,
                i.branch.as_deref().unwrap_or("all branches"),
                i.opened_at
            ),
            evidence: vec![file.clone()],
            next_command: places.lane(Lane::Weekly),
        })
        .collect()
}

/// The pack (relative to the root) and, when it could not be written or does not verify,
/// the incomplete-evidence blocker: it blocks the merge instead of stopping the lane.
fn evidence_blocker(
    ws: &Workspace,
    sealed: Result<(PathBuf, Verification), Error>,
) -> (Option<String>, Option<Blocker>) {
    let (path, verification) = match sealed {
        Ok(sealed) => sealed,
        Err(e) => {
            let reason = format!("the evidence pack could not be written: {e}");
            let blocker = incomplete_evidence(reason, Vec::new(), "sdetkit evidence pack".into());
            return (None, Some(blocker));
        }
    };
    let rel = ws.rel(&path);
    if verification.ok {
        return (Some(rel), None);
    }
    let first = verification
        .problems
        .first()
        .map(|p| format!("{}: {}", p.entry, p.problem))
        .unwrap_or_default();
    let reason = format!("the evidence pack does not verify: {first}");
    let next = format!("sdetkit evidence verify {rel}");
    (
        Some(rel.clone()),
        Some(incomplete_evidence(reason, vec![rel], next)),
    )
}

fn incomplete_evidence(reason: String, evidence: Vec<String>, next_command: String) -> Blocker {
    Blocker {
        id: "evidence".into(),
        reason,
        evidence,
        next_command,
    }
}

fn bypass_reasons(config: &Config, fast: bool) -> Vec<String> {
    let mut out = Vec::new();
    if fast {
        out.push(
            "--rehearsal: the release gate ran as a dry run (release-moment checks only warned)"
                .into(),
        );
    }
    let names = |ids: Vec<&str>| ids.join(", ");
    if !config.release.skip.is_empty() {
        out.push(format!(
            "[gate.release] skip turns off: {}",
            names(config.release.skip.iter().map(|c| c.as_str()).collect())
        ));
    }
    if !config.doctor.skip.is_empty() {
        out.push(format!(
            "[doctor] skip turns off: {}",
            names(config.doctor.skip.iter().map(|c| c.as_str()).collect())
        ));
    }
    out
}

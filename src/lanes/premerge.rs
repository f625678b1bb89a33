//! `ops premerge`: proof with the real release gate (a dry run under `--fast`, recorded as a
//! bypass), the run recorded and learned from, then the release-room checks: SHIP, no
//! threshold breach for this branch, no open KPI incident, a complete verified evidence pack.
//! Each gate runs once. Orchestration only.

use serde::Serialize;

use crate::config::Config;
use crate::decision::{Decision, Summary};
use crate::error::Result;
use crate::evidence;
use crate::gate::GateReport;
use crate::history::{self, Learning};
use crate::lanes::proof::{self, ProofOptions};
use crate::workspace::Workspace;

/// Schema version of `premerge-gate.json`.
pub const SCHEMA: &str = "sdetkit.premerge-gate.v1";

/// The command when nothing blocks (the reference's advice too).
pub const NEXT_WHEN_OK: &str = "make ops-weekly";

/// One reason the merge is blocked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Blocker {
    /// Stable id: `gate-release/clean-tree`, `threshold-breach`, `kpi-incident/<kpi>`, `evidence`.
    pub id: String,
    pub reason: String,
    /// Artifact paths (relative to the root) and run ids that show it.
    pub evidence: Vec<String>,
    pub next_command: String,
}

/// `build/ops/premerge-gate.json`.
#[derive(Debug, Clone, Serialize)]
pub struct PremergeGate {
    pub schema_version: &'static str,
    pub ok: bool,
    pub decision: Decision,
    pub blockers: Vec<Blocker>,
    /// True when this pass cannot count as a merge pass: a dry-run release gate (`--fast`) or
    /// release/doctor checks turned off in the config.
    pub bypass: bool,
    pub bypass_reasons: Vec<String>,
    pub release_dry_run: bool,
    pub run_id: String,
    pub commit: Option<String>,
    pub branch: String,
    pub evidence_pack: Option<String>,
    pub generated_at: String,
    /// What to run next: the first blocker's command, `make ops-premerge-fast` when the only
    /// blocker is a dirty tree, else `make ops-weekly`.
    pub next_command: String,
}

/// The id of the dirty-tree blocker.
pub const DIRTY_TREE: &str = "gate-release/clean-tree";

/// What a pre-merge run produced.
pub struct Premerge {
    pub gate: PremergeGate,
    pub summary: Summary,
}

/// Runs the lane and writes `premerge-gate.json` and `release-room.md`.
pub fn run(ws: &Workspace, config: &Config, fast: bool) -> Result<Premerge> {
    let options = ProofOptions {
        strict: false,
        release_dry_run: fast,
        skip_doctor: false,
        stable: false,
    };
    let proof = proof::run(ws, config, options)?;
    let lane = if fast { "premerge-fast" } else { "premerge" };
    let (learning, at) = history::record(ws, config, &proof.summary, lane)?;
    let branch = learning.branch.clone();
    let mut blockers = gate_blockers(&proof.summary, &proof.gates);
    blockers.extend(threshold_blocker(ws, &learning));
    blockers.extend(incident_blockers(ws)?);
    let (pack, pack_blocker) = evidence_blocker(ws, config)?;
    blockers.extend(pack_blocker);
    let bypass_reasons = bypass_reasons(config, fast);
    let gate = PremergeGate {
        schema_version: SCHEMA,
        ok: blockers.is_empty(),
        decision: proof.summary.decision,
        next_command: next_command(&blockers, !bypass_reasons.is_empty()),
        blockers,
        bypass: !bypass_reasons.is_empty(),
        bypass_reasons,
        release_dry_run: fast,
        run_id: proof.summary.run_id.clone(),
        commit: proof.summary.git.commit.clone(),
        branch,
        evidence_pack: pack,
        generated_at: at,
    };
    crate::json::write_value(
        &ws.ops_dir().join("premerge-gate.json"),
        &crate::json::to_value(&gate),
    )?;
    let room = crate::report::premerge::release_room(&gate, &proof.summary);
    crate::json::write_atomic(&ws.ops_dir().join("release-room.md"), room.as_bytes())?;
    Ok(Premerge {
        gate,
        summary: proof.summary,
    })
}

/// `make ops-premerge-fast` when a dirty tree is the only thing in the way; otherwise the
/// first blocker's own command. A rehearsal that passed still needs the real pass.
pub fn next_command(blockers: &[Blocker], bypass: bool) -> String {
    match blockers {
        [] if bypass => "make ops-premerge".to_string(),
        [] => NEXT_WHEN_OK.to_string(),
        [only] if only.id == DIRTY_TREE => "make ops-premerge-fast".to_string(),
        [first, ..] => first.next_command.clone(),
    }
}

/// One blocker per blocking step of every failed gate, with that step's first failure.
fn gate_blockers(summary: &Summary, gates: &[GateReport]) -> Vec<Blocker> {
    let mut out = Vec::new();
    for (gate, step) in gates.iter().zip(&summary.steps).filter(|(g, _)| !g.ok) {
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
                .unwrap_or_else(|| "make ops-daily".into());
            out.push(Blocker {
                id: format!("{}/{}", step.name, s.id),
                reason,
                evidence,
                next_command: next,
            });
        }
        if gate.steps.iter().all(|s| !s.status.blocks()) {
            // Failed with nothing blocking: nothing was checked, or it was interrupted.
            out.push(Blocker {
                id: step.name.to_string(),
                reason: gate
                    .recommendations
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("{} did not pass", step.name)),
                evidence: vec![artifact, format!("run {}", summary.run_id)],
                next_command: "make ops-daily".into(),
            });
        }
    }
    out
}

fn threshold_blocker(ws: &Workspace, learning: &Learning) -> Option<Blocker> {
    let t = &learning.threshold;
    t.breach.then(|| Blocker {
        id: "threshold-breach".into(),
        reason: format!(
            "ship rate {:.2} over the last 7 runs of `{}` is below {:.2}, with {} NO-SHIP runs in a row",
            t.ship_rate_last_7, t.branch, t.min_ship_rate, t.consecutive_no_ship
        ),
        evidence: vec![
            ws.rel(&ws.proof_dir().join("weekly-threshold-check.json")),
            ws.rel(&ws.proof_dir().join("weekly-trend.json")),
        ],
        next_command: "make ops-daily".into(),
    })
}

/// The weekly lane's open KPI incidents, each a blocker.
fn incident_blockers(ws: &Workspace) -> Result<Vec<Blocker>> {
    let file = ws.rel(&crate::kpi::incidents::path(ws));
    Ok(crate::kpi::incidents::open(ws)?
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
            next_command: "make ops-weekly".into(),
        })
        .collect())
}

/// Packs and verifies this run's evidence. A pack that cannot be written or does not verify
/// is incomplete evidence: it blocks the merge instead of stopping the lane.
fn evidence_blocker(ws: &Workspace, config: &Config) -> Result<(Option<String>, Option<Blocker>)> {
    let (path, verification) = match evidence::seal(ws, config) {
        Ok(sealed) => sealed,
        Err(e) => {
            let reason = format!("the evidence pack could not be written: {e}");
            return Ok((
                None,
                Some(incomplete_evidence(
                    reason,
                    Vec::new(),
                    "sdetkit evidence pack".into(),
                )),
            ));
        }
    };
    let rel = ws.rel(&path);
    if verification.ok {
        return Ok((Some(rel), None));
    }
    let first = verification
        .problems
        .first()
        .map(|p| format!("{}: {}", p.entry, p.problem))
        .unwrap_or_default();
    let reason = format!("the evidence pack does not verify: {first}");
    let next = format!("sdetkit evidence verify {rel}");
    Ok((
        Some(rel.clone()),
        Some(incomplete_evidence(reason, vec![rel], next)),
    ))
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
            "--fast: the release gate ran as a dry run (release-moment checks only warned)".into(),
        );
    }
    if !config.release.skip.is_empty() {
        out.push(format!(
            "[gate.release] skip turns off: {}",
            config.release.skip.join(", ")
        ));
    }
    if !config.doctor.skip.is_empty() {
        out.push(format!(
            "[doctor] skip turns off: {}",
            config.doctor.skip.join(", ")
        ));
    }
    out
}

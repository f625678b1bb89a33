//! `ops premerge`: proof with the real release gate (a dry run under `--rehearsal`, recorded as a
//! bypass), the run recorded and learned from, the evidence sealed, then the pre-merge rules
//! ([`crate::premerge`]) judge the posture. Each gate runs once. Orchestration only.

use crate::artifacts::premerge::{GATE, PremergeGate, RELEASE_ROOM};
use crate::artifacts::proof::{GateReport, Summary};
use crate::config::Config;
use crate::error::Result;
use crate::lanes::proof::{self, ProofOptions};
use crate::premerge::{self as rules, Facts};
use crate::workspace::Workspace;

/// What a pre-merge run produced.
pub struct Premerge {
    /// The verdict.
    pub gate: PremergeGate,
    /// The proof's decision snapshot.
    pub summary: Summary,
    /// The proof's gates, in summary order.
    pub gates: Vec<GateReport>,
}

/// Runs the lane and writes the pre-merge verdict and the release-room summary.
pub fn run(ws: &Workspace, config: &Config, fast: bool) -> Result<Premerge> {
    let pulled = crate::store::Store::of(ws, config).pull_in_background();
    // The row records the repository's identity: asked while the gates run.
    crate::repo::git::prefetch_identity(&ws.root);
    let options = ProofOptions {
        strict: false,
        release_dry_run: fast,
        skip_doctor: false,
        stable: false,
        // A merge is judged on steps that ran, unless the team said a cached pass will do.
        cache: config.premerge.reuse_cache,
    };
    let proof = proof::run(ws, config, options)?;
    let lane = if fast { "premerge-fast" } else { "premerge" };
    let (learning, at) =
        super::record::record(ws, config, pulled, &proof.summary, &proof.gates, lane)?;
    let incidents = crate::kpi::incidents::open(ws)?;
    let facts = Facts {
        summary: &proof.summary,
        gates: &proof.gates,
        threshold: &learning.threshold,
        incidents: &incidents,
        evidence: crate::evidence::seal(ws, config),
        fast,
        generated_at: at,
    };
    let gate = rules::verdict(ws, config, facts);
    GATE.write(&ws.out_dir, &gate, false)?;
    let room = crate::report::premerge::release_room(&gate, &proof.summary);
    RELEASE_ROOM.write(&ws.out_dir, &room)?;
    Ok(Premerge {
        gate,
        summary: proof.summary,
        gates: proof.gates,
    })
}

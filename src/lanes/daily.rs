//! `ops daily`: `[setup]` (unless `--no-setup`) → proof → learn → control tower → weekly trend →
//! threshold → follow-up → contract. Orchestration only: every step is computed elsewhere.

use std::time::Instant;

use crate::artifacts::Written;
use crate::artifacts::proof::{Decision, GateKind, GateReport, Summary};
use crate::config::{Config, StepSpec};
use crate::decision::Strict;
use crate::error::Result;
use crate::evidence::verify::Verification;
use crate::followup::Published;
use crate::followup::recommend::Grounds;
use crate::history::Learning;
use crate::lanes::followup;
use crate::lanes::proof::{self, ProofOptions};
use crate::runner;
use crate::workspace::Workspace;

/// How to run the daily lane.
#[derive(Debug, Clone, Copy)]
pub struct DailyOptions {
    /// Skip `[setup]` (the "reinstall lane").
    pub fast: bool,
    /// Whether NO-SHIP fails the lane.
    pub strict: Strict,
    /// Release gate as a dry run.
    pub release_dry_run: bool,
    /// Pack and verify the run's evidence after the follow-up.
    pub evidence: bool,
    /// Let an earlier pass on the same inputs stand in for a fast-gate step.
    pub cache: bool,
}

/// What a daily run produced.
pub enum Daily {
    /// `[setup]` did not pass: nothing ran after it and nothing was recorded.
    SetupFailed {
        /// What happened (status and reason).
        reason: String,
        /// The setup log, relative to the root.
        log: Option<String>,
        /// What its log says went wrong first, and how to reproduce it.
        first_failure: Option<Box<crate::triage::FirstFailure>>,
    },
    /// Ctrl-C stopped the proof: its summary is written, but an interrupted run is no
    /// verdict on the code, so nothing is recorded or followed up.
    Interrupted,
    /// The lane ran to the end.
    Ran(Box<DailyRun>),
}

/// The artifacts of a complete run.
pub struct DailyRun {
    /// The decision snapshot.
    pub summary: Summary,
    /// The gates, in summary order.
    pub gates: Vec<GateReport>,
    /// What the event log says now.
    pub learning: Learning,
    /// The follow-up and its contract check.
    pub published: Published,
    /// Wall time of everything after the proof (learn → contract).
    pub chain_ms: f64,
    /// With `--evidence`: the pack (relative to the root) and its verification.
    pub evidence: Option<(String, Verification)>,
    /// Whether NO-SHIP fails the lane.
    pub strict: Strict,
}

impl DailyRun {
    /// Why the lane must fail (exit 1), each a line for people; empty when it passes.
    pub fn stops(&self) -> Vec<String> {
        let mut stops = Vec::new();
        if self.strict.on() && self.summary.decision != Decision::Ship {
            stops.push(self.strict.reason().to_string());
        }
        let t = &self.learning.threshold;
        if t.fails_lane() {
            stops.push(format!(
                "threshold breach on `{}` (profile `{}` has fail_on_breach)",
                t.branch, t.profile
            ));
        }
        if !self.published.contract.ok {
            stops.push("follow-up contract broken".to_string());
        }
        if let Some((pack, v)) = self.evidence.as_ref().filter(|(_, v)| !v.ok) {
            let first = v
                .problems
                .first()
                .map_or(String::new(), |p| format!(": {}: {}", p.entry, p.problem));
            stops.push(format!("evidence pack {pack} does not verify{first}"));
        }
        stops
    }
}

/// Runs the lane.
pub fn run(ws: &Workspace, config: &Config, opts: DailyOptions) -> Result<Daily> {
    let pulled = crate::store::Store::of(ws, config).pull_in_background();
    // The row records the repository's identity: asked while the gates run.
    crate::repo::git::prefetch_identity(&ws.root);
    let setup_log = match config.setup.as_ref().filter(|_| !opts.fast) {
        Some(step) => match setup(ws, config, step)? {
            Ok(log) => log,
            Err(failed) => return Ok(failed),
        },
        None => None,
    };
    let options = ProofOptions {
        strict: opts.strict.on(),
        release_dry_run: opts.release_dry_run,
        skip_doctor: false,
        stable: false,
        cache: opts.cache,
    };
    let proof = proof::run(ws, config, options)?;
    if proof.summary.interrupted || ws.stop.requested() {
        return Ok(Daily::Interrupted);
    }
    if let Some(log) = setup_log {
        crate::evidence::record::run_files(ws, &proof.summary.run_id, false, &[log])?;
    }
    let started = Instant::now();
    let lane = if opts.fast { "daily-fast" } else { "daily" };
    let (learning, at) =
        super::record::record(ws, config, pulled, &proof.summary, &proof.gates, lane)?;
    let incidents = followup::open_incidents(ws);
    let grounds = Grounds {
        summary: Some(&proof.summary),
        release: proof.gate(GateKind::Release),
        learning: &learning,
        incidents: &incidents,
        places: ws.places(),
    };
    let published = followup::publish(ws, &grounds, &at, true)?;
    let chain_ms = started.elapsed().as_secs_f64() * 1000.0;
    let evidence = if opts.evidence {
        let (path, verification) = crate::evidence::seal(ws, config)?;
        Some((ws.rel(&path), verification))
    } else {
        None
    };
    Ok(Daily::Ran(Box::new(DailyRun {
        summary: proof.summary,
        gates: proof.gates,
        learning,
        published,
        chain_ms,
        evidence,
        strict: opts.strict,
    })))
}

/// Runs `[setup]`: its log as written (for the run's evidence) when it passed, else the
/// failure to report, with what its log says went wrong first.
fn setup(
    ws: &Workspace,
    config: &Config,
    step: &StepSpec,
) -> Result<std::result::Result<Option<Written>, Daily>> {
    let ctx = ws.runner("setup", config)?;
    let outcome = runner::run(std::slice::from_ref(step), &ctx, Vec::new()).remove(0);
    ws.events.idle();
    if !outcome.status.blocks() {
        return Ok(Ok(outcome
            .log
            .zip(outcome.log_sha256)
            .map(|(path, sha256)| Written { path, sha256 })));
    }
    let rc = outcome
        .rc
        .map_or(String::new(), |rc| format!(" (exit {rc})"));
    let why = outcome
        .reason
        .clone()
        .map_or(String::new(), |r| format!(": {r}"));
    let reason = format!("{}{rc}{why}", outcome.status.label().to_lowercase());
    let log = outcome.log.as_ref().map(|l| ws.rel(l));
    // The same reading of its log as a failed gate step gets.
    let first_failure = crate::gate::records(ws, vec![outcome], std::slice::from_ref(step))
        .into_iter()
        .next()
        .and_then(|r| r.first_failure)
        .map(Box::new);
    Ok(Err(Daily::SetupFailed {
        reason,
        log,
        first_failure,
    }))
}

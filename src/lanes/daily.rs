//! `ops daily`: `[setup]` (unless `--fast`) → proof → learn → control tower → weekly trend →
//! threshold → follow-up → contract. Orchestration only: every step is computed elsewhere.

use std::time::Instant;

use crate::config::{Config, StepSpec};
use crate::decision::Summary;
use crate::error::Result;
use crate::followup::recommend::{self, Grounds};
use crate::followup::{self, Followup, Published};
use crate::gate::GateKind;
use crate::history::{self, Learning};
use crate::lanes::proof::{self, Proof, ProofOptions};
use crate::runner;
use crate::workspace::{self, Workspace};

/// How to run the daily lane.
#[derive(Debug, Clone, Copy)]
pub struct DailyOptions {
    /// Skip `[setup]` (the "reinstall lane").
    pub fast: bool,
    /// NO-SHIP fails the lane.
    pub strict: bool,
    /// Release gate as a dry run.
    pub release_dry_run: bool,
    /// Pack and verify the run's evidence after the follow-up.
    pub evidence: bool,
}

/// What a daily run produced.
pub enum Daily {
    /// `[setup]` did not pass: nothing ran after it and nothing was recorded.
    SetupFailed {
        /// What happened (status and reason).
        reason: String,
        /// The setup log, relative to the root.
        log: Option<String>,
    },
    /// Ctrl-C stopped the proof: its summary is written, but an interrupted run is no
    /// verdict on the code, so nothing is recorded or followed up.
    Interrupted,
    /// The lane ran to the end.
    Ran(Box<DailyRun>),
}

/// The artifacts of a complete run.
pub struct DailyRun {
    pub summary: Summary,
    pub learning: Learning,
    pub published: Published,
    /// Wall time of everything after the proof (learn → contract).
    pub chain_ms: f64,
    /// With `--evidence`: the pack (relative to the root) and its verification.
    pub evidence: Option<(String, crate::evidence::verify::Verification)>,
}

/// Runs the lane.
pub fn run(ws: &Workspace, config: &Config, opts: DailyOptions) -> Result<Daily> {
    if let Some(step) = config.setup.as_ref().filter(|_| !opts.fast)
        && let Some(failed) = setup(ws, config, step)
    {
        return Ok(failed);
    }
    let options = ProofOptions {
        strict: opts.strict,
        release_dry_run: opts.release_dry_run,
        skip_doctor: false,
        stable: false,
    };
    let proof = proof::run(ws, config, options)?;
    if proof.summary.interrupted || crate::runner::interrupt::requested() {
        return Ok(Daily::Interrupted);
    }
    let started = Instant::now();
    let lane = if opts.fast { "daily-fast" } else { "daily" };
    let (learning, published) = learn(ws, config, &proof, lane)?;
    let chain_ms = started.elapsed().as_secs_f64() * 1000.0;
    let evidence = if opts.evidence {
        let (path, verification) = crate::evidence::seal(ws, config)?;
        Some((ws.rel(&path), verification))
    } else {
        None
    };
    Ok(Daily::Ran(Box::new(DailyRun {
        summary: proof.summary,
        learning,
        published,
        chain_ms,
        evidence,
    })))
}

/// Runs `[setup]`; the failure to report when it did not pass.
fn setup(ws: &Workspace, config: &Config, step: &StepSpec) -> Option<Daily> {
    let progress = ws.progress();
    let ctx = ws.runner("setup", config, &workspace::redactor(config), &progress);
    let outcome = runner::run(std::slice::from_ref(step), &ctx).remove(0);
    if let Some(p) = &progress {
        p.finish();
    }
    outcome.status.blocks().then(|| {
        let rc = outcome
            .rc
            .map_or(String::new(), |rc| format!(" (exit {rc})"));
        let why = outcome.reason.map_or(String::new(), |r| format!(": {r}"));
        Daily::SetupFailed {
            reason: format!("{}{rc}{why}", outcome.status.label().to_lowercase()),
            log: outcome.log.map(|l| ws.rel(&l)),
        }
    })
}

/// After the proof: record the run, read the log once, write the derived artifacts, then
/// publish the follow-up and its contract check.
fn learn(
    ws: &Workspace,
    config: &Config,
    proof: &Proof,
    lane: &str,
) -> Result<(Learning, Published)> {
    let (learning, at) = history::record(ws, config, &proof.summary, lane)?;
    let proof_view = recommend::view_of(
        crate::json::to_value(&proof.summary),
        "first-proof-summary.json",
    )?;
    let release = proof
        .gates
        .iter()
        .find(|g| g.kind == Some(GateKind::Release));
    let release_view = match release {
        Some(gate) => recommend::view_of(gate.to_json(false), "release-preflight.json")?,
        None => recommend::ReleaseView::default(),
    };
    let published = with_incidents(ws, &proof_view, &release_view, &learning, |grounds| {
        followup::publish(ws, grounds, &at, true)
    })?;
    Ok((learning, published))
}

/// `ops followup` / `ops now --lite`: the follow-up from the artifacts on disk, without
/// recording a history row (only lane runs record).
pub fn followup(ws: &Workspace, config: &Config) -> Result<Published> {
    with_grounds(ws, config, |grounds, at| {
        followup::publish(ws, grounds, at, false)
    })
}

/// `ops next` before any follow-up exists: the follow-up the artifacts on disk call for,
/// computed in memory; nothing is written.
pub fn preview(ws: &Workspace, config: &Config) -> Result<Followup> {
    with_grounds(ws, config, |grounds, at| Ok(grounds.followup(at)))
}

/// Reads the grounds of a follow-up from disk (the event log once) and hands them to `use_`.
fn with_grounds<T>(
    ws: &Workspace,
    config: &Config,
    use_: impl FnOnce(&Grounds, &str) -> Result<T>,
) -> Result<T> {
    let (proof_view, release_view) = followup::views_from_files(ws)?;
    let now = crate::clock::now();
    let branch = history::branch(proof_view.git.branch.as_deref());
    let learning = Learning::read(ws, config, &branch, now)?;
    let at = crate::clock::iso(now);
    with_incidents(ws, &proof_view, &release_view, &learning, |grounds| {
        use_(grounds, &at)
    })
}

/// The grounds of a follow-up: the views and learning given, plus the open KPI incidents.
fn with_incidents<T>(
    ws: &Workspace,
    proof: &recommend::ProofView,
    release: &recommend::ReleaseView,
    learning: &Learning,
    use_: impl FnOnce(&Grounds) -> Result<T>,
) -> Result<T> {
    let incidents = open_incidents(ws);
    use_(&Grounds {
        proof,
        release,
        learning,
        incidents: &incidents,
    })
}

/// The weekly lane's open KPI incidents. A weekly artifact that cannot be read must not stop
/// the daily lane: it is named on stderr and the follow-up goes on without it.
fn open_incidents(ws: &Workspace) -> Vec<crate::kpi::incidents::Incident> {
    crate::kpi::incidents::open(ws).unwrap_or_else(|e| {
        eprintln!("sdetkit: warning: KPI incidents ignored: {e}");
        Vec::new()
    })
}

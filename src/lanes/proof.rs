//! `ops proof`: the three gates and the decision snapshot. Fast gate and doctor run at the
//! same time; the release gate reuses this run's fast-gate verdict.

use crate::config::Config;
use crate::decision::{self, Decision, SUMMARY_SCHEMA, Summary, SummaryStep};
use crate::error::Result;
use crate::gate::release::FastVerdict;
use crate::gate::{GateKind, GateReport, Started, doctor, fast, release};
use crate::repo::git;
use crate::report;
use crate::workspace::{self, Workspace};

/// How to run the proof.
#[derive(Debug, Clone, Copy)]
pub struct ProofOptions {
    /// Exit 1 on NO-SHIP.
    pub strict: bool,
    /// Release gate in dry-run mode.
    pub release_dry_run: bool,
    /// Leave the doctor out.
    pub skip_doctor: bool,
    /// Write artifacts without volatile fields.
    pub stable: bool,
}

/// What the proof produced.
pub struct Proof {
    pub summary: Summary,
    pub gates: Vec<GateReport>,
}

/// A run id that sorts by time: `20261125T143248Z-3f9a1c`.
pub fn run_id(started: &Started) -> String {
    let nanos = started.at.subsec_nanosecond() as u64;
    let salt = (nanos ^ (u64::from(std::process::id()) << 20)) & 0xff_ffff;
    format!("{}-{salt:06x}", started.at.strftime("%Y%m%dT%H%M%SZ"))
}

/// Runs the gates, decides, and writes every artifact under `build/first-proof/`.
pub fn run(ws: &Workspace, config: &Config, opts: ProofOptions) -> Result<Proof> {
    let started = Started::now();
    let git = git::facts(&ws.root, ws.out_dir_in_root().as_deref());
    let redactor = workspace::redactor(config);
    let progress = ws.progress();
    let config_ok = Ok(config.clone());
    let (fast, release, doctor) = std::thread::scope(|s| {
        let doctor = (!opts.skip_doctor)
            .then(|| s.spawn(|| doctor::run(ws, &config_ok, &redactor, &progress, &git, false)));
        let fast = fast::run(ws, config, &redactor, &progress, &git, &[], &[]);
        let release = fast.as_ref().ok().map(|f| {
            release::run(
                ws,
                config,
                &redactor,
                &progress,
                &git,
                opts.release_dry_run,
                &FastVerdict::ThisRun(f.ok),
                &[],
                &[],
            )
        });
        let doctor = doctor.map(|h| h.join().expect("doctor thread does not panic"));
        (fast, release, doctor)
    });
    if let Some(p) = &progress {
        p.finish();
    }
    let mut gates = vec![fast?];
    gates.push(release.expect("release runs when fast ran")?);
    if let Some(d) = doctor {
        gates.push(d?);
    }
    let mut steps = Vec::new();
    for gate in &gates {
        steps.push(write_gate(ws, gate, opts)?);
    }
    let refs: Vec<&GateReport> = gates.iter().collect();
    let decision = decision::decide(&refs);
    let first_failure = gates
        .iter()
        .find(|g| !g.ok)
        .and_then(|g| g.first_failure().cloned());
    let summary = Summary {
        schema_version: SUMMARY_SCHEMA,
        run_id: run_id(&started),
        started_at: crate::clock::iso(started.at),
        duration_ms: started.clock.elapsed().as_millis() as u64,
        ok: decision == Decision::Ship,
        decision,
        decision_line: decision.line(),
        strict: opts.strict,
        release_dry_run: opts.release_dry_run,
        interrupted: gates.iter().any(|g| g.interrupted),
        failed_steps: gates
            .iter()
            .filter(|g| !g.ok)
            .map(|g| g.kind.map_or("", GateKind::name).to_string())
            .collect(),
        steps,
        first_failure,
        git,
    };
    let mut value = crate::json::to_value(&summary);
    if opts.stable {
        crate::json::stabilize(&mut value);
    }
    crate::json::write_value(&ws.proof_dir().join("first-proof-summary.json"), &value)?;
    Ok(Proof { summary, gates })
}

/// Writes a gate's artifact and its two v1 logs; returns its summary entry.
fn write_gate(ws: &Workspace, gate: &GateReport, opts: ProofOptions) -> Result<SummaryStep> {
    let kind = gate.kind.expect("gates carry their kind");
    let artifact = gate.write(ws, opts.stable)?;
    let dir = ws.proof_dir();
    let stdout_log = dir.join(format!("{}.stdout.log", kind.name()));
    let stderr_log = dir.join(format!("{}.stderr.log", kind.name()));
    crate::json::write_atomic(
        &stdout_log,
        report::gate::text(gate, false, true).as_bytes(),
    )?;
    let problems: String = gate
        .recommendations
        .iter()
        .map(|r| format!("{r}\n"))
        .collect();
    crate::json::write_atomic(&stderr_log, problems.as_bytes())?;
    let mut command = vec!["sdetkit".to_string()];
    command.extend(match kind {
        GateKind::Fast => vec!["gate".into(), "fast".into()],
        GateKind::Release if gate.dry_run => {
            vec!["gate".into(), "release".into(), "--dry-run".into()]
        }
        GateKind::Release => vec!["gate".into(), "release".into()],
        GateKind::Doctor => vec!["doctor".into()],
    });
    Ok(SummaryStep {
        name: kind.name(),
        command,
        returncode: if gate.ok { 0 } else { 1 },
        stdout_log: ws.rel(&stdout_log),
        stderr_log: ws.rel(&stderr_log),
        artifact: Some(ws.rel(&artifact)),
        ok: gate.ok,
        dry_run: gate.dry_run,
        failed_steps: gate.failed_steps.clone(),
        duration_ms: gate.duration_ms,
    })
}

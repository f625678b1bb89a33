//! `ops proof`: the three gates and the decision snapshot. Fast gate and doctor run at the
//! same time; the release gate reuses this run's fast-gate verdict.

use crate::artifacts::proof::{
    Decision, GateKind, GateReport, SUMMARY, SUMMARY_SCHEMA, Summary, SummaryStep, gate_logs,
};
use crate::artifacts::{Entry, Written};
use crate::config::Config;
use crate::decision;
use crate::error::Result;
use crate::gate::cache::StepCache;
use crate::gate::release::FastVerdict;
use crate::gate::{Started, doctor, fast, release};
use crate::inputs::Inputs;
use crate::repo::worktree::Worktree;
use crate::report;
use crate::workspace::Workspace;

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
    /// Let an earlier pass on the same inputs stand in for a fast-gate step (the step cache).
    pub cache: bool,
}

/// What the proof produced.
pub struct Proof {
    /// The decision snapshot.
    pub summary: Summary,
    /// The gates, in summary order.
    pub gates: Vec<GateReport>,
}

impl Proof {
    /// The report of gate `kind`, when it ran.
    pub fn gate(&self, kind: GateKind) -> Option<&GateReport> {
        self.gates.iter().find(|g| g.gate == kind)
    }
}

/// A run id that sorts by time and is unique across processes and machines, so that merging
/// histories is a set union: `20261125T143248Z-3f9a1c2b7d4e5f60`. The 64 bits after the time
/// come from the OS's randomness (through `RandomState`'s per-process keys), mixed with the
/// process id and the wall clock's nanoseconds: never from the pinned `SDETKIT_NOW` alone.
pub fn run_id(started: &Started) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_i128(jiff::Timestamp::now().as_nanosecond());
    hasher.write_i128(started.clock.elapsed().as_nanos() as i128);
    format!(
        "{}-{:016x}",
        started.at.strftime("%Y%m%dT%H%M%SZ"),
        hasher.finish()
    )
}

/// Runs the gates, decides, and writes every artifact under `first-proof/`.
pub fn run(ws: &Workspace, config: &Config, opts: ProofOptions) -> Result<Proof> {
    let started = Started::now();
    let id = run_id(&started);
    // The tree the user asked to ship, before any step can write to it.
    let tree = ws.worktree();
    // Its facts (`git status`) and its inputs (git's index, tool versions) side by side.
    let (git, inputs) = std::thread::scope(|s| {
        let facts = s.spawn(|| tree.as_ref().map(Worktree::facts).unwrap_or_default());
        let inputs = tree.as_ref().map(|t| {
            let tools = crate::inputs::tool_versions(config, &ws.root, &ws.out_dir);
            Inputs::read(&ws.root, t, config).with_tools(tools)
        });
        (
            facts.join().expect("the git facts thread does not panic"),
            inputs,
        )
    });
    let cache = inputs
        .as_ref()
        .filter(|_| opts.cache)
        .map(|inputs| StepCache {
            out: &ws.out_dir,
            root: &ws.root,
            inputs,
            run_id: Some(&id),
        });
    let config_ok = Ok(config.clone());
    let (fast, release, doctor) = std::thread::scope(|s| {
        let doctor =
            (!opts.skip_doctor).then(|| s.spawn(|| doctor::run(ws, &config_ok, &git, false)));
        let fast = fast::run(ws, config, &git, (&[], &[]), cache.as_ref());
        let release = fast.as_ref().ok().map(|f| {
            let cx = release::Context {
                git: &git,
                tree: tree.as_ref(),
                dry_run: opts.release_dry_run,
                fast: &FastVerdict::ThisRun(f.ok),
            };
            release::run(ws, config, &cx, &[], &[])
        });
        let doctor = doctor.map(|h| h.join().expect("doctor thread does not panic"));
        (fast, release, doctor)
    });
    let input_digest = inputs.as_ref().map(Inputs::digest);
    ws.events.idle();
    let mut gates = vec![fast?];
    gates.push(release.expect("release runs when fast ran")?);
    if let Some(d) = doctor {
        gates.push(d?);
    }
    let mut steps = Vec::new();
    let mut written = Vec::new();
    for gate in &gates {
        steps.push(write_gate(ws, gate, opts, &mut written)?);
        written.extend(gate.steps.iter().filter_map(|s| {
            Some(Written {
                path: ws.root.join(s.log.as_ref()?),
                sha256: s.log_sha256.clone()?,
            })
        }));
    }
    let decision = decision::decide(&gates);
    let first_failure = gates
        .iter()
        .find(|g| !g.ok)
        .and_then(|g| g.first_failure().cloned());
    let summary = Summary {
        schema_version: SUMMARY_SCHEMA.to_string(),
        run_id: id,
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
            .map(|g| g.gate.name().to_string())
            .collect(),
        steps,
        first_failure,
        git,
        input_digest,
    };
    written.push(SUMMARY.write(&ws.out_dir, &summary, opts.stable)?);
    crate::evidence::record::run_files(ws, &summary.run_id, true, &written)?;
    Ok(Proof { summary, gates })
}

/// Writes a gate's artifact and its two v1 logs, adding them to `written`; returns its
/// summary entry.
fn write_gate(
    ws: &Workspace,
    gate: &GateReport,
    opts: ProofOptions,
    written: &mut Vec<Written>,
) -> Result<SummaryStep> {
    let kind = gate.gate;
    let doc = kind.doc().write(&ws.out_dir, gate, opts.stable)?;
    let artifact = doc.path.clone();
    written.push(doc);
    let (stdout_log, stderr_log) = gate_logs(&ws.out_dir, kind);
    let problems: String = gate
        .recommendations
        .iter()
        .map(|r| format!("{r}\n"))
        .collect();
    written.extend(crate::artifacts::write_all(&[
        Entry::text(
            &ws.out_dir,
            stdout_log.clone(),
            report::gate::text(gate, false, true, None),
        ),
        Entry::text(&ws.out_dir, stderr_log.clone(), problems),
    ])?);
    let mut command = vec!["sdetkit".to_string()];
    command.extend(kind.command().split(' ').map(String::from));
    if gate.dry_run {
        command.push("--dry-run".into());
    }
    Ok(SummaryStep {
        name: kind,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Two runs that start at the same instant in the same process (the pid and the clock both
    /// equal) still get two ids: the id's random part is not derived from them. An id built from
    /// the start time and the pid alone, as before issue 15 item 13, fails here every time.
    #[test]
    fn one_start_gives_two_different_ids() {
        let started = Started::now();
        let (a, b) = (run_id(&started), run_id(&started));
        assert_ne!(a, b);
        let second = started.at.strftime("%Y%m%dT%H%M%SZ").to_string();
        assert!(
            a.starts_with(&format!("{second}-")) && a.len() == second.len() + 17,
            "{a}"
        );
    }
}

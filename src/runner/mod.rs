//! The step runner: parallel up to `jobs`, honouring `needs`, one process group per step,
//! per-step timeouts, logs captured and redacted (by [`crate::secrets::redactor`]). Results
//! come back in declared order, whatever order the steps finished in.

pub mod capture;
mod events;
#[cfg(target_os = "linux")]
mod guard;
mod process;
mod stop;

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::StepSpec;
pub use events::{Events, Silent};
pub use stop::Stop;

/// What became of a step (or a built-in check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Ran and succeeded.
    Passed,
    /// Ran and failed (non-zero exit, crash, or a failed check).
    Failed,
    /// Ran past its timeout and was killed.
    TimedOut,
    /// Could not start: missing program, bad working directory.
    Error,
    /// Not run, with a reason.
    Skipped,
    /// Stopped by Ctrl-C.
    Interrupted,
    /// A check whose failure does not block (warn severity, or demoted by a dry run).
    Warn,
    /// An informational finding.
    Info,
    /// Not run: an earlier run of the same step passed on the same inputs (the step cache).
    Cached,
}

impl Status {
    /// Whether this status blocks its gate.
    pub fn blocks(self) -> bool {
        matches!(
            self,
            Status::Failed | Status::TimedOut | Status::Error | Status::Interrupted
        )
    }

    /// Whether the step actually ran (or a check was actually evaluated), or stands on an
    /// earlier run's pass on the same inputs.
    pub fn executed(self) -> bool {
        !matches!(self, Status::Skipped | Status::Error)
    }

    /// Whether a step that `needs` this one may start: it passed, now or (cached) before.
    pub fn satisfies(self) -> bool {
        matches!(self, Status::Passed | Status::Cached)
    }

    /// A short upper-case label for text reports.
    pub fn label(self) -> &'static str {
        match self {
            Status::Passed => "PASS",
            Status::Failed => "FAIL",
            Status::TimedOut => "TIMEOUT",
            Status::Error => "ERROR",
            Status::Skipped => "SKIP",
            Status::Interrupted => "INTR",
            Status::Warn => "WARN",
            Status::Info => "INFO",
            Status::Cached => "CACHED",
        }
    }
}

/// The result of running one step.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// Step id.
    pub id: String,
    /// The command as configured.
    pub cmd: String,
    /// What happened.
    pub status: Status,
    /// Exit code (128 + signal for a crash); `None` when it did not exit by itself.
    pub rc: Option<i32>,
    /// Milliseconds from the run's start to this step's start.
    pub started_ms: u64,
    /// Wall time of the step.
    pub duration_ms: u64,
    /// Absolute path of the captured log, when the step started.
    pub log: Option<PathBuf>,
    /// Bytes the step printed.
    pub log_bytes: u64,
    /// Whether the log was capped.
    pub truncated: bool,
    /// The sha256 of the log as written, when all of it was.
    pub log_sha256: Option<String>,
    /// Why it was skipped, could not start, timed out or crashed.
    pub reason: Option<String>,
    /// JUnit file the step declared, relative to the root, when the step wrote it while it
    /// ran: a file it left as it was holds an earlier run's results, not this run's.
    pub junit: Option<PathBuf>,
}

impl StepOutcome {
    fn new(spec: &StepSpec, started_ms: u64) -> Self {
        StepOutcome {
            id: spec.id.clone(),
            cmd: spec.run.clone(),
            status: Status::Skipped,
            rc: None,
            started_ms,
            duration_ms: 0,
            log: None,
            log_bytes: 0,
            truncated: false,
            log_sha256: None,
            reason: None,
            junit: None,
        }
    }

    fn error(mut self, reason: String) -> Self {
        self.status = Status::Error;
        self.reason = Some(reason);
        self
    }

    /// A step the cache stands in for: not run, with the copy of its earlier log.
    pub fn cached(spec: &StepSpec, log: Option<PathBuf>, reason: String) -> Self {
        let mut outcome = StepOutcome::new(spec, 0);
        outcome.status = Status::Cached;
        outcome.log = log;
        outcome.reason = Some(reason);
        outcome
    }

    fn skipped(spec: &StepSpec, started_ms: u64, reason: String) -> Self {
        let mut outcome = StepOutcome::new(spec, started_ms);
        outcome.reason = Some(reason);
        outcome
    }
}

/// Everything the runner needs besides the steps.
#[derive(Clone)]
pub struct Context {
    /// Repository root; step working directories are relative to it.
    pub root: PathBuf,
    /// Directory for this gate's logs (`build/first-proof/logs/<gate>`).
    pub logs_dir: PathBuf,
    /// Maximum steps running at once.
    pub jobs: usize,
    /// Time between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// The run's common time origin, so steps of different gates share one timeline.
    pub epoch: Instant,
    /// Who hears about steps starting and settling.
    pub events: Arc<dyn Events>,
    /// The request to stop: running steps are killed, pending ones skipped.
    pub stop: Stop,
    /// Gate name in events and log folders.
    pub gate: String,
}

impl Context {
    fn started_ms(&self, at: Instant) -> u64 {
        at.duration_since(self.epoch).as_millis() as u64
    }
}

/// The number of CPUs.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The default number of steps running at once: twice the CPUs, and at least 8. A step is a
/// process tree that mostly waits (on files, the network, a lock) or parallelises itself
/// (cargo, pytest-xdist, jest workers), so one step per CPU left most of the machine idle:
/// 8 one-second sleeps took 4 s on 2 CPUs. Cargo commands sharing a target directory are
/// left to cargo's own build lock, which lets one build compile at a time: measured on a real
/// crate, running them at once took 0.97 × (cold) and 0.92 × (warm) the time of running them
/// one after the other, within the pairs' noise (BENCHMARKS.md, "Cargo steps side by side").
pub fn default_jobs() -> usize {
    (2 * cpus()).max(8)
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Pending,
    Running,
    Done,
}

/// Runs `steps` and returns one outcome per step, in the order given. `settled` holds the
/// outcomes already known (the step cache's hits): those steps are not run, and count for
/// the steps that need them.
pub fn run(steps: &[StepSpec], ctx: &Context, settled: Vec<StepOutcome>) -> Vec<StepOutcome> {
    if let Err(e) = std::fs::create_dir_all(&ctx.logs_dir) {
        return steps
            .iter()
            .map(|s| {
                StepOutcome::new(s, 0)
                    .error(format!("cannot create {}: {e}", ctx.logs_dir.display()))
            })
            .collect();
    }
    ctx.events.planned(&ctx.gate, steps.len());
    let mut state = vec![State::Pending; steps.len()];
    let mut results: Vec<Option<StepOutcome>> = vec![None; steps.len()];
    for outcome in settled {
        if let Some(i) = steps.iter().position(|s| s.id == outcome.id) {
            ctx.events.finished(&ctx.gate, &outcome);
            state[i] = State::Done;
            results[i] = Some(outcome);
        }
    }
    let (tx, rx) = mpsc::channel::<(usize, StepOutcome)>();
    std::thread::scope(|scope| {
        let mut running = 0;
        loop {
            settle_blocked(steps, &mut state, &mut results, ctx);
            for i in 0..steps.len() {
                if running >= ctx.jobs.max(1) {
                    break;
                }
                if state[i] == State::Pending && ready(&steps[i], steps, &results) {
                    state[i] = State::Running;
                    running += 1;
                    ctx.events.started(&ctx.gate, &steps[i].id);
                    let tx = tx.clone();
                    let log = log_path(&ctx.logs_dir, &steps[i].id);
                    let running = stop::Running::start();
                    scope.spawn(move || {
                        let _running = running;
                        let outcome = process::execute(&steps[i], ctx, &log);
                        let _ = tx.send((i, outcome));
                    });
                }
            }
            if running == 0 {
                break;
            }
            let (i, outcome) = rx.recv().expect("a running step always reports");
            running -= 1;
            ctx.events.finished(&ctx.gate, &outcome);
            state[i] = State::Done;
            results[i] = Some(outcome);
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every step settles"))
        .collect()
}

/// The log file of step `id`.
pub fn log_path(logs_dir: &Path, id: &str) -> PathBuf {
    logs_dir.join(format!("{id}.log"))
}

fn outcome_of<'a>(
    id: &str,
    steps: &[StepSpec],
    results: &'a [Option<StepOutcome>],
) -> Option<&'a StepOutcome> {
    let i = steps.iter().position(|s| s.id == id)?;
    results[i].as_ref()
}

fn ready(step: &StepSpec, steps: &[StepSpec], results: &[Option<StepOutcome>]) -> bool {
    step.needs
        .iter()
        .all(|n| outcome_of(n, steps, results).is_some_and(|o| o.status.satisfies()))
}

/// Marks as skipped every pending step that can no longer run: a need did not pass, or the
/// run was interrupted.
fn settle_blocked(
    steps: &[StepSpec],
    state: &mut [State],
    results: &mut [Option<StepOutcome>],
    ctx: &Context,
) {
    loop {
        let mut changed = false;
        for i in 0..steps.len() {
            if state[i] != State::Pending {
                continue;
            }
            let reason = if ctx.stop.requested() {
                Some("not started: the run was interrupted".to_string())
            } else {
                steps[i].needs.iter().find_map(|n| {
                    let o = outcome_of(n, steps, results)?;
                    (!o.status.satisfies()).then(|| {
                        format!(
                            "needs `{n}`, which did not pass ({})",
                            o.status.label().to_lowercase()
                        )
                    })
                })
            };
            if let Some(reason) = reason {
                let outcome =
                    StepOutcome::skipped(&steps[i], ctx.started_ms(Instant::now()), reason);
                ctx.events.finished(&ctx.gate, &outcome);
                results[i] = Some(outcome);
                state[i] = State::Done;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

//! The request to stop: Ctrl-C / SIGTERM, or a caller's own. Children run in their own
//! process groups, so the terminal's SIGINT does not reach them: while steps run, the handler
//! only records the signal, and every holder of a [`Stop`] (the runner, the gates, the lanes)
//! looks at it and stops what it started, then still writes what it owes, marked interrupted.
//!
//! While no step runs (reading a huge log, waiting on the event log's lock, writing reports),
//! there is nothing of ours to stop first: the signal ends the process at once, as it would
//! any program. Nothing is torn by it (every artifact is written to a temporary file and
//! renamed, a history row in one append), and a lane stopped before it records records nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set by the signal handler; read through every [`Stop`] that follows signals.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Steps running now, across every gate.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
    if RUNNING.load(Ordering::SeqCst) == 0 {
        // SAFETY: signal and raise are async-signal-safe; the default action ends the process.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// A step counted as running while this lives, so that a signal asks for a stop (and the
/// runner stops the step's group) instead of ending the process.
pub struct Running(());

impl Running {
    /// Counts one more running step.
    pub fn start() -> Running {
        RUNNING.fetch_add(1, Ordering::SeqCst);
        Running(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A stop request that can be shared and checked anywhere.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    own: Arc<AtomicBool>,
    signals: bool,
}

impl Stop {
    /// A stop that only [`Stop::request`] triggers (tests, embedders).
    pub fn new() -> Stop {
        Stop::default()
    }

    /// A stop that SIGINT and SIGTERM trigger; installs their handlers (idempotent).
    pub fn on_signals() -> Stop {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
            libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        }
        Stop {
            own: Arc::default(),
            signals: true,
        }
    }

    /// Asks every holder to stop.
    pub fn request(&self) {
        self.own.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.own.load(Ordering::SeqCst) || (self.signals && SIGNALLED.load(Ordering::SeqCst))
    }
}

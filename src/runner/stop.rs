//! The request to stop: Ctrl-C / SIGTERM, or a caller's own. Children run in their own
//! process groups, so the terminal's SIGINT does not reach them: the handler only records
//! the signal, and every holder of a [`Stop`] (the runner, the gates, the lanes) looks at it
//! and stops what it started, then still writes what it owes, marked interrupted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler; read through every [`Stop`] that follows signals.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
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

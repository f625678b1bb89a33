//! Ctrl-C / SIGTERM handling. Children run in their own process groups, so the terminal's
//! SIGINT does not reach them: we record the signal and the runner stops every group itself,
//! then still writes the summary, marked interrupted.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the SIGINT and SIGTERM handlers (idempotent).
pub fn install() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// Whether the user asked us to stop.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

//! What the runner tells the outside while it works: a step started, a step settled. The
//! terminal display (`report::progress`) is one listener; the runner knows nothing of it.

use super::StepOutcome;

/// A listener to the runner's events. Calls come from the runner's threads.
pub trait Events: Send + Sync {
    /// `gate` is about to settle `steps` steps (run, taken from the cache, or skipped).
    fn planned(&self, _gate: &str, _steps: usize) {}
    /// Step `id` of `gate` started.
    fn started(&self, gate: &str, id: &str);
    /// Step `outcome.id` of `gate` settled (ran, or was skipped without running).
    fn finished(&self, gate: &str, outcome: &StepOutcome);
    /// Nothing runs for now: a display clears what it drew.
    fn idle(&self) {}
}

/// The listener that ignores everything (`--quiet`, tests).
pub struct Silent;

impl Events for Silent {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &str, _: &StepOutcome) {}
}

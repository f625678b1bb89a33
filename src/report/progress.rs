//! The live display while steps run: on a terminal, one redrawn status line (how many steps
//! are done, running and queued, then the running ones, slowest first, with their elapsed
//! time) above which finished steps are printed; when piped, one plain line per finished step. Everything goes to stderr so stdout stays clean for reports. It hears the
//! runner through [`Events`]; the runner knows nothing of it.
//!
//! Hand-written rather than `indicatif`: it is one status line and a few plain lines, and
//! the crate would add its dependencies to every cold build (see the README's choices).

use std::io::Write;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::clock::human;
use crate::runner::{Events, Status, StepOutcome};

/// The display's state.
pub struct Progress {
    tty: bool,
    color: bool,
    steps: Mutex<Steps>,
}

/// What the status line counts, over every gate of the run.
#[derive(Default)]
struct Steps {
    /// Steps announced by the gates so far.
    planned: usize,
    /// Steps settled.
    done: usize,
    /// Running steps and when each started.
    running: Vec<(String, Instant)>,
}

impl Progress {
    /// A display writing to stderr; `tty` enables the redrawn status line.
    pub fn new(tty: bool, color: bool) -> Arc<Self> {
        let progress = Arc::new(Progress {
            tty,
            color,
            steps: Mutex::new(Steps::default()),
        });
        if tty {
            // The ticker ends with the display.
            let ticker: Weak<Progress> = Arc::downgrade(&progress);
            std::thread::spawn(move || {
                while let Some(p) = ticker.upgrade() {
                    p.redraw();
                    drop(p);
                    std::thread::sleep(Duration::from_millis(120));
                }
            });
        }
        progress
    }

    fn redraw(&self) {
        let steps = self.steps.lock().unwrap();
        if steps.running.is_empty() {
            return;
        }
        let now = Instant::now();
        let running: Vec<(&str, Duration)> = steps
            .running
            .iter()
            .map(|(n, t)| (n.as_str(), now - *t))
            .collect();
        let queued = steps.planned.saturating_sub(steps.done + running.len());
        let line = status_line(steps.done, &running, queued, terminal_width());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

/// `  3 done · 2 running · 4 queued · fast/unit 12s, fast/lint 1.0s`: the running steps
/// slowest first (the one a user waits on), cut to `width` columns.
fn status_line(done: usize, running: &[(&str, Duration)], queued: usize, width: usize) -> String {
    let mut by_age = running.to_vec();
    by_age.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = by_age
        .iter()
        .map(|(n, d)| format!("{n} {}", human(*d)))
        .collect();
    let line = format!(
        "  {done} done · {} running · {queued} queued · {}",
        running.len(),
        list.join(", ")
    );
    line.chars().take(width.saturating_sub(1)).collect()
}

impl Events for Progress {
    fn planned(&self, _gate: &str, steps: usize) {
        self.steps.lock().unwrap().planned += steps;
    }

    fn started(&self, gate: &str, id: &str) {
        self.steps
            .lock()
            .unwrap()
            .running
            .push((format!("{gate}/{id}"), Instant::now()));
    }

    fn finished(&self, gate: &str, outcome: &StepOutcome) {
        let name = format!("{gate}/{}", outcome.id);
        let mut steps = self.steps.lock().unwrap();
        steps.running.retain(|(n, _)| *n != name);
        steps.done += 1;
        let label = paint(outcome.status, self.color);
        let time = if outcome.status == Status::Skipped {
            String::new()
        } else {
            human(Duration::from_millis(outcome.duration_ms))
        };
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "  {label} {name} {time}");
    }

    fn idle(&self) {
        if self.tty {
            let _guard = self.steps.lock().unwrap();
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// A status label, coloured when asked.
pub fn paint(status: Status, color: bool) -> String {
    let label = format!("{:<7}", status.label());
    if !color {
        return label;
    }
    let code = match status {
        Status::Passed => "32",
        Status::Failed | Status::TimedOut | Status::Error | Status::Interrupted => "31",
        Status::Warn => "33",
        Status::Skipped | Status::Info => "2",
        Status::Cached => "36",
    };
    format!("\x1b[{code}m{label}\x1b[0m")
}

fn terminal_width() -> usize {
    // SAFETY: TIOCGWINSZ fills a plain struct; a failure leaves the zeroed default.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        size.ws_col as usize
    } else {
        100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_counts_and_puts_the_slowest_first() {
        let running = [
            ("fast/lint", Duration::from_millis(1_000)),
            ("fast/unit", Duration::from_secs(12)),
        ];
        assert_eq!(
            status_line(3, &running, 4, 200),
            "  3 done · 2 running · 4 queued · fast/unit 12.0s, fast/lint 1.0s"
        );
        // Cut on a character boundary, never inside `·`.
        assert_eq!(status_line(3, &running, 4, 11), "  3 done ·");
    }
}

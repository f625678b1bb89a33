//! The live display while steps run: on a terminal, one redrawn status line (running steps and
//! their elapsed time) above which finished steps are printed; when piped, one plain line per
//! finished step. Everything goes to stderr so stdout stays clean for reports. It hears the
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
    running: Mutex<Vec<(String, Instant)>>,
}

impl Progress {
    /// A display writing to stderr; `tty` enables the redrawn status line.
    pub fn new(tty: bool, color: bool) -> Arc<Self> {
        let progress = Arc::new(Progress {
            tty,
            color,
            running: Mutex::new(Vec::new()),
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
        let running = self.running.lock().unwrap();
        if running.is_empty() {
            return;
        }
        let now = Instant::now();
        let list: Vec<String> = running
            .iter()
            .map(|(n, t)| format!("{n} {}", human(now - *t)))
            .collect();
        let mut line = format!("  running {}: {}", running.len(), list.join(", "));
        line.truncate(terminal_width().saturating_sub(1));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

impl Events for Progress {
    fn started(&self, gate: &str, id: &str) {
        self.running
            .lock()
            .unwrap()
            .push((format!("{gate}/{id}"), Instant::now()));
    }

    fn finished(&self, gate: &str, outcome: &StepOutcome) {
        let name = format!("{gate}/{}", outcome.id);
        let mut running = self.running.lock().unwrap();
        running.retain(|(n, _)| *n != name);
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
            let _guard = self.running.lock().unwrap();
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

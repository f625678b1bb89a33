//! The live display while steps run: on a terminal, one redrawn status line (running steps and
//! their elapsed time) above which finished steps are printed; when piped, one plain line per
//! finished step. Everything goes to stderr so stdout stays clean for reports.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Status, StepOutcome};
use crate::config::duration::human;

/// Shared progress state.
pub struct Progress {
    tty: bool,
    color: bool,
    running: Mutex<Vec<(String, Instant)>>,
    stop: AtomicBool,
}

impl Progress {
    /// A display writing to stderr; `tty` enables the redrawn status line.
    pub fn new(tty: bool, color: bool) -> Arc<Self> {
        let progress = Arc::new(Progress {
            tty,
            color,
            running: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        if tty {
            let ticker = progress.clone();
            std::thread::spawn(move || {
                while !ticker.stop.load(Ordering::Relaxed) {
                    ticker.redraw();
                    std::thread::sleep(Duration::from_millis(120));
                }
            });
        }
        progress
    }

    /// A step started.
    pub fn started(&self, gate: &str, id: &str) {
        self.running
            .lock()
            .unwrap()
            .push((format!("{gate}/{id}"), Instant::now()));
    }

    /// A step settled; prints its permanent line.
    pub fn finished(&self, gate: &str, outcome: &StepOutcome) {
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

    /// Stops the ticker and clears the status line.
    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
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

//! One step as one child process group: spawn, stream its output, enforce its timeout, and
//! make sure nothing it started outlives it, nor sdetkit (on Linux, see [`super::guard`]).

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::capture::{self, Captured};
use super::{Context, Status, StepOutcome};
use crate::config::StepSpec;

/// How often a waiting step looks at the interrupt flag.
const POLL: Duration = Duration::from_millis(50);

/// How long we wait for the log reader after the process group is gone. A process that
/// escaped the group (e.g. `setsid`) may hold the pipe open forever; we do not wait for it.
const READER_GRACE: Duration = Duration::from_secs(2);

/// How a step's process ended.
enum End {
    Exited(ExitStatus),
    TimedOut,
    Interrupted,
}

/// Runs one step to completion and describes what happened.
pub fn execute(spec: &StepSpec, ctx: &Context, log: &Path) -> StepOutcome {
    let started = Instant::now();
    let mut outcome = StepOutcome::new(spec, ctx.started_ms(started));
    let cwd = spec.dir(&ctx.root);
    if !cwd.is_dir() {
        outcome.status = Status::Error;
        outcome.reason = Some(format!(
            "working directory {} does not exist",
            cwd.display()
        ));
        return outcome;
    }
    if let Some(tool) = spec.requires.iter().find(|t| t.locate(&cwd).is_none()) {
        outcome.status = Status::Error;
        outcome.reason = Some(missing_tool(tool));
        return outcome;
    }
    let (reader, writer) = match std::io::pipe() {
        Ok(pair) => pair,
        Err(e) => return outcome.error(format!("cannot create a pipe: {e}")),
    };
    let writer2 = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return outcome.error(format!("cannot create a pipe: {e}")),
    };
    let junit = spec.junit.as_ref().map(|j| (j, stamp(&ctx.root.join(j))));
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(spec.launch.as_deref().unwrap_or(&spec.run))
        .current_dir(&cwd)
        .envs(&spec.env)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: the hook only calls prctl, which is async-signal-safe.
    unsafe {
        command.pre_exec(|| super::guard::die_with_parent());
    }
    let child = command.spawn();
    // Drop our copies of the pipe's write end, or the reader would never see end of file.
    drop(command);
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return outcome.error(format!("cannot start `sh -c`: {e}")),
    };
    outcome.log = Some(log.to_path_buf());
    let pgid = child.id() as i32;
    #[cfg(target_os = "linux")]
    let guard = super::guard::Guard::start(pgid);
    let (log_tx, log_rx) = mpsc::channel();
    let redactor = crate::secrets::redactor();
    let log_path = log.to_path_buf();
    std::thread::spawn(move || {
        let _ = log_tx.send(capture::copy(reader, &log_path, &redactor));
    });
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exit_tx.send(child.wait());
    });
    let end = wait(&exit_rx, started.checked_add(spec.timeout), pgid, ctx);
    // Whatever the step left behind in its group goes with it.
    kill_group(pgid, libc::SIGKILL);
    #[cfg(target_os = "linux")]
    drop(guard);
    let captured = log_rx
        .recv_timeout(READER_GRACE)
        .unwrap_or(Captured::default());
    outcome.duration_ms = started.elapsed().as_millis() as u64;
    outcome.log_bytes = captured.total_bytes;
    outcome.truncated = captured.truncated;
    outcome.log_sha256 = captured.sha256;
    classify(&mut outcome, end, spec, log, &cwd);
    outcome.junit = junit.and_then(|(path, before)| {
        let after = stamp(&ctx.root.join(path));
        (after.is_some() && after != before).then(|| path.clone())
    });
    outcome
}

/// What shows that a file was written: its modification time, size and inode (a report
/// replaced by a rename is a new inode); `None` when it is absent.
fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len(), meta.ino()))
}

/// Waits for the child, enforcing the deadline (none when it is past the clock's range) and
/// honouring the stop request.
fn wait(
    exit_rx: &mpsc::Receiver<std::io::Result<ExitStatus>>,
    deadline: Option<Instant>,
    pgid: i32,
    ctx: &Context,
) -> End {
    let grace = ctx.kill_grace;
    loop {
        let now = Instant::now();
        if ctx.stop.requested() {
            stop(exit_rx, pgid, grace);
            return End::Interrupted;
        }
        let left = deadline.map_or(POLL, |d| d.saturating_duration_since(now));
        if left.is_zero() {
            stop(exit_rx, pgid, grace);
            return End::TimedOut;
        }
        match exit_rx.recv_timeout(POLL.min(left)) {
            Ok(Ok(status)) => return End::Exited(status),
            Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return End::Exited(ExitStatus::from_raw(1 << 8));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}

/// SIGTERM to the whole group, then SIGKILL after `grace` if the leader is still there.
fn stop(exit_rx: &mpsc::Receiver<std::io::Result<ExitStatus>>, pgid: i32, grace: Duration) {
    kill_group(pgid, libc::SIGTERM);
    if exit_rx.recv_timeout(grace).is_err() {
        kill_group(pgid, libc::SIGKILL);
        let _ = exit_rx.recv_timeout(grace);
    }
}

/// Sends `signal` to every process in group `pgid`; a group that is already gone is fine.
pub fn kill_group(pgid: i32, signal: libc::c_int) {
    // SAFETY: kill(2) with a negative pid addresses a process group; no memory is involved.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

fn classify(outcome: &mut StepOutcome, end: End, spec: &StepSpec, log: &Path, dir: &Path) {
    match end {
        End::TimedOut => {
            outcome.status = Status::TimedOut;
            outcome.reason = Some(format!(
                "timed out after {}; the process group was killed",
                crate::clock::human(spec.timeout)
            ));
        }
        End::Interrupted => {
            outcome.status = Status::Interrupted;
            outcome.reason = Some("interrupted (Ctrl-C); the process group was killed".into());
        }
        End::Exited(status) => {
            if let Some(signal) = status.signal() {
                outcome.rc = Some(128 + signal);
                outcome.status = Status::Failed;
                outcome.reason = Some(format!("killed by signal {}", signal_name(signal)));
            } else {
                let rc = status.code().unwrap_or(1);
                outcome.rc = Some(rc);
                outcome.status = if rc == 0 {
                    Status::Passed
                } else {
                    Status::Failed
                };
                if rc != 0 {
                    missing_program(outcome, spec, log, rc, dir);
                }
            }
        }
    }
}

/// A step that could not start the program it names is an `error` with a hint, not a test
/// failure: `sh` exits 127 ("not found") or 126 ("not executable"), and `python -m tool`
/// exits 1 with "No module named tool" when the tool is not installed.
fn missing_program(outcome: &mut StepOutcome, spec: &StepSpec, log: &Path, rc: i32, dir: &Path) {
    let text = log_head(log);
    if rc == 127 || rc == 126 {
        let line = text.lines().find(|l| {
            l.contains("not found")
                || l.contains("No such file or directory")
                || l.contains("Permission denied")
                || l.contains("cannot execute")
        });
        if let Some(line) = line {
            outcome.status = Status::Error;
            // The program the shell could not run, which is not always the step's first word
            // (`npm run lint` runs `eslint`).
            let program = unstartable(line);
            outcome.reason = Some(match program {
                Some(program) if rc == 127 => {
                    let program = program.rsplit('/').next().unwrap_or(&program).to_string();
                    let tool = crate::tools::needs::of_command(&spec.run, dir)
                        .into_iter()
                        .find(|t| t.program == program)
                        .unwrap_or_else(|| {
                            crate::tools::Tool::on_path(
                                &program,
                                crate::tools::hints::install_hint(&program)
                                    .unwrap_or(&crate::tools::hints::generic_hint(&program)),
                            )
                        });
                    format!("{} ({})", missing_tool(&tool), line.trim())
                }
                program => format!(
                    "command {}: {} ({})",
                    if rc == 127 {
                        "not found"
                    } else {
                        "not executable"
                    },
                    program
                        .or_else(|| {
                            let needed = crate::tools::needs::of_command(&spec.run, dir);
                            needed.into_iter().next().map(|t| t.program)
                        })
                        .unwrap_or_else(|| spec.run.clone()),
                    line.trim()
                ),
            });
        }
        return;
    }
    let Some((python, module)) = python_module(&spec.run) else {
        return;
    };
    let missing = format!("No module named {module}");
    if let Some(line) = text.lines().find(|l| l.trim_end().ends_with(&missing)) {
        outcome.status = Status::Error;
        outcome.reason = Some(format!(
            "`{module}` is not installed for {python} ({}); install it with `{python} -m pip install {module}`",
            line.trim()
        ));
    }
}

/// What to say about a missing tool: `node_modules/.bin` tools mean the dependencies are not
/// installed, anything else is a program to install.
fn missing_tool(tool: &crate::tools::Tool) -> String {
    match &tool.local {
        Some(local) => format!(
            "`{}` is not installed (no {}/{}); {}",
            tool.program,
            local.display(),
            tool.program,
            tool.hint
        ),
        None => format!("`{}` is not installed; {}", tool.program, tool.hint),
    }
}

/// The program a shell's complaint names: `sh: 1: eslint: not found` and `bash: line 1: go:
/// command not found` are about `eslint` and `go`, `make: clang-tidy: No such file or
/// directory` about `clang-tidy`, `bash: line 1: ./run.sh: Permission denied` about `./run.sh`.
fn unstartable(line: &str) -> Option<String> {
    let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
    let at = parts.iter().position(|p| {
        [
            "not found",
            "command not found",
            "No such file or directory",
            "Permission denied",
        ]
        .iter()
        .any(|end| p.starts_with(end))
            || p.starts_with("cannot execute")
    })?;
    let name = parts.get(at.checked_sub(1)?)?;
    (!name.is_empty() && !name.contains(' ')).then(|| name.to_string())
}

/// The start of a step's log: enough to see why a program did not start.
fn log_head(log: &Path) -> String {
    use std::io::Read;
    let mut head = Vec::new();
    if let Ok(file) = std::fs::File::open(log) {
        let _ = file.take(64 * 1024).read_to_end(&mut head);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// `(python, module)` when the command runs `python… -m module`.
fn python_module(run: &str) -> Option<(String, String)> {
    let words: Vec<&str> = run.split_whitespace().collect();
    words.windows(3).find_map(|w| {
        let name = w[0].rsplit('/').next().unwrap_or(w[0]);
        (name.starts_with("python") && w[1] == "-m").then(|| (w[0].to_string(), w[2].to_string()))
    })
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGINT => "SIGINT",
        _ => return format!("{signal}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::unstartable;

    #[test]
    fn the_shell_names_the_missing_program() {
        assert_eq!(
            unstartable("sh: 1: eslint: not found").as_deref(),
            Some("eslint")
        );
        assert_eq!(
            unstartable("bash: line 1: go: command not found").as_deref(),
            Some("go")
        );
        assert_eq!(
            unstartable("/bin/sh: 1: ./run.sh: Permission denied").as_deref(),
            Some("./run.sh")
        );
        assert_eq!(unstartable("all good"), None);
    }
}

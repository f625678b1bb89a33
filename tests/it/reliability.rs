//! Reliability rules of PRODUCT §10 under faults: kill -9 at arbitrary points of the daily lane
//! never leaves a torn artifact or a torn, lost or duplicated event row; concurrent lanes each
//! append exactly one row.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;

use crate::support::Repo;
use serde_json::Value;

fn repo() -> Repo {
    Repo::releasable(
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"sleep 0.05; echo a\"\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"echo b\"\n",
    )
}

/// `ops daily --fast` with the clock pinned. Every run then starts in the same second, the
/// worst case for run ids: the duplicated rows of issue 15 item 13 were two runs given one id
/// (the id's only varying part was 24 bits of the start's nanoseconds mixed with the pid, and
/// with a pinned clock just 4 bits of the pid), which a loaded machine's scattered pids made
/// collide in 2 of 3 test runs. Pinned, an id that depends on the clock and the pid alone makes
/// these tests fail on any machine.
fn daily(repo: &Repo) -> std::process::Command {
    let mut cmd = repo.sdetkit(&["ops", "daily", "--fast"]);
    cmd.env("SDETKIT_NOW", "2026-11-25T12:00:00Z");
    cmd
}

/// Every JSON artifact parses and every JSONL line parses; returns the event-log run ids.
fn assert_intact(out: &Path) -> Vec<String> {
    let mut run_ids = Vec::new();
    for dir in ["first-proof", "ops"] {
        let Ok(entries) = std::fs::read_dir(out.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if name.starts_with('.') {
                continue; // a killed writer's temporary file; never read as an artifact
            }
            if name.ends_with(".json") {
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{name} is torn: {e}"));
            }
            if name.ends_with(".jsonl") {
                assert!(
                    text.is_empty() || text.ends_with('\n'),
                    "{name} ends mid-line"
                );
                for (i, line) in text.lines().enumerate() {
                    let row: Value = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1));
                    if name == "first-proof-learning-db.jsonl" {
                        run_ids.push(row["run_id"].as_str().unwrap().to_string());
                    }
                }
            }
        }
    }
    run_ids
}

#[test]
fn kill_9_at_random_points_never_tears_or_duplicates() {
    let repo = repo();
    let out = repo.file("build");
    // A fixed LCG: the same kill points on every run of the test.
    let mut seed: u64 = 0x5d37_1c0d;
    let mut previous = 0;
    for trial in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(20 + (seed >> 33) % 400);
        let mut child = daily(&repo).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let ids = assert_intact(&out);
        assert!(
            ids.len() == previous || ids.len() == previous + 1,
            "trial {trial}: {} rows after {previous}",
            ids.len()
        );
        previous = ids.len();
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "trial {trial}: duplicated row");
    }
    let last = daily(&repo).output().unwrap();
    assert_eq!(last.status.code(), Some(0), "a run after the kills works");
    assert_eq!(assert_intact(&out).len(), previous + 1);
}

#[test]
fn sixteen_concurrent_daily_lanes_append_sixteen_rows() {
    let repo = repo();
    let children: Vec<_> = (0..16).map(|_| daily(&repo).spawn().unwrap()).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let ids = assert_intact(&repo.file("build"));
    assert_eq!(ids.len(), 16);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 16, "one run id per run: {ids:?}");
    let history = std::fs::read_to_string(repo.file("build/ops/followup-history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 16);
}

/// Runs `args`, which must stop with exit 2 and one line naming `names`.
fn refused(repo: &Repo, args: &[&str], names: &str) {
    let out = repo.sdetkit(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains(names),
        "{args:?}: `{names}` not in {stderr}"
    );
    assert!(stderr.contains("symbolic link"), "{stderr}");
}

/// A directory outside the repository holding one file, and its content.
fn outside() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.log");
    std::fs::write(&victim, "outside, keep me\n").unwrap();
    (dir, victim)
}

/// Every file under `dir` with its content.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap_or_default()))
        .collect();
    all.sort();
    all
}

#[test]
fn a_symlinked_history_or_log_directory_is_refused_and_nothing_outside_changes() {
    let histories = [
        ("build/first-proof/first-proof-learning-db.jsonl", "ops"),
        ("build/ops/followup-history.jsonl", "ops"),
    ];
    for (link, _) in histories {
        let repo = repo();
        repo.sdetkit(&["ops", "daily", "--fast"]).output().unwrap();
        let readme = std::fs::read(repo.file("README.md")).unwrap();
        let _ = std::fs::remove_file(repo.file(link));
        std::os::unix::fs::symlink(repo.file("README.md"), repo.file(link)).unwrap();
        let name = link.rsplit('/').next().unwrap();
        refused(&repo, &["ops", "daily", "--fast"], name);
        assert_eq!(std::fs::read(repo.file("README.md")).unwrap(), readme);
    }
    for link in ["build/first-proof/logs/fast", "build/first-proof"] {
        let repo = repo();
        let (dir, _) = outside();
        std::fs::create_dir_all(repo.file(link).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(dir.path(), repo.file(link)).unwrap();
        let before = snapshot(dir.path());
        refused(&repo, &["gate", "fast"], link.trim_start_matches("build/"));
        assert_eq!(snapshot(dir.path()), before, "{link}: outside changed");
    }
}

#[test]
fn a_symlinked_step_log_is_replaced_by_a_regular_file() {
    let repo = Repo::releasable(
        "[setup]\nrun = \"echo setup\"\n[[gate.fast.steps]]\nid = \"a\"\nrun = \"echo a\"\n",
    );
    let (dir, victim) = outside();
    let logs = [
        "build/first-proof/logs/fast/a.log",
        "build/first-proof/logs/setup/setup.log",
    ];
    for log in logs {
        std::fs::create_dir_all(repo.file(log).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&victim, repo.file(log)).unwrap();
    }
    let out = repo.sdetkit(&["ops", "daily"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for (log, text) in logs.iter().zip(["a\n", "setup\n"]) {
        let log = repo.file(log);
        assert!(
            std::fs::symlink_metadata(&log).unwrap().is_file(),
            "{log:?}"
        );
        assert_eq!(std::fs::read_to_string(&log).unwrap(), text);
    }
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "outside, keep me\n"
    );
    drop(dir);
}

#[test]
fn a_pack_never_holds_a_file_from_outside_the_out_dir() {
    for link in [
        "build/first-proof/gate-fast.stdout.log",
        "build/first-proof/logs/fast/b.log",
        "build/ops/followup.md",
    ] {
        let repo = repo();
        repo.sdetkit(&["ops", "daily", "--fast"]).output().unwrap();
        let (dir, victim) = outside();
        std::fs::remove_file(repo.file(link)).unwrap();
        std::os::unix::fs::symlink(&victim, repo.file(link)).unwrap();
        refused(
            &repo,
            &["evidence", "pack"],
            link.trim_start_matches("build/"),
        );
        drop(dir);
    }
}

#[test]
fn a_killed_writers_temporary_files_are_removed_by_the_next_run() {
    let repo = repo();
    repo.sdetkit(&["ops", "daily", "--fast"]).output().unwrap();
    // A pid above the kernel's largest pid_max (2^22) is no live process; ours is.
    let dead = [
        "build/first-proof/.gate-fast.json.4194305.tmp",
        "build/ops/.followup.json.4194306.tmp",
        "build/first-proof/logs/fast/.a.log.4194307.tmp",
    ];
    let alive = format!("build/ops/.followup.md.{}.tmp", std::process::id());
    let outside = ".notes.4194308.tmp";
    for rel in dead.iter().chain([&alive.as_str(), &outside]) {
        repo.write(rel, "half-written");
    }
    let out = repo.sdetkit(&["gate", "fast"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for rel in dead {
        assert!(!repo.file(rel).exists(), "{rel} is left behind");
    }
    assert!(repo.file(&alive).exists(), "a live writer's file is kept");
    assert!(
        repo.file(outside).exists(),
        "nothing outside the out-dir is touched"
    );
}

/// Whether process `pid` is gone (a zombie waiting for its reaper counts as gone).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Waits for `cond`, checking every 50 ms for at most a minute; whether it came.
fn eventually(cond: impl Fn() -> bool) -> bool {
    (0..1200).any(|_| {
        cond() || {
            std::thread::sleep(Duration::from_millis(50));
            false
        }
    })
}

#[cfg(target_os = "linux")]
#[test]
fn sigkill_or_sighup_of_sdetkit_takes_its_running_steps_along() {
    // SIGKILL: no handler runs; SIGHUP (a closed terminal): sdetkit installs none.
    for signal in [libc::SIGKILL, libc::SIGHUP] {
        let repo = Repo::releasable(
            "[[gate.fast.steps]]\nid = \"long\"\nrun = \"sleep 300 & echo $! > bg.pid; echo $$ > sh.pid; sleep 300\"\n",
        );
        let mut child = repo.sdetkit(&["gate", "fast"]).spawn().unwrap();
        let read_pid = |name: &str| {
            std::fs::read_to_string(repo.file(name))
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
        };
        assert!(
            eventually(|| read_pid("bg.pid").is_some() && read_pid("sh.pid").is_some()),
            "the step started"
        );
        // SAFETY: kill(2) on our own child; no memory is involved.
        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait().unwrap();
        for name in ["sh.pid", "bg.pid"] {
            let pid = read_pid(name).unwrap();
            assert!(
                eventually(|| gone(pid)),
                "signal {signal}: {name} ({pid}) outlived sdetkit"
            );
        }
    }
}

/// Lines a history can hold besides its rows: torn (also after the keys readers need), not
/// JSON, not a row, a row's field of the wrong type, not UTF-8.
const CORRUPT: [&[u8]; 12] = [
    b"{\"decision\": \"SHIP\", \"captured_at\": \"2026-",
    b"not json at all",
    b"[]",
    b"{}",
    b"{\"decision\": 5}",
    b"\0\0\0\0",
    b"\xff\xfe{\"decision\": \"SHIP\"}",
    b"{\"decision\": \"SHIP\", \"failed_steps\": \"gate-fast\"}",
    b"{\"decision\": \"SHIP\", \"branch\": 7}",
    b"{\"captured_at\": \"2026-11-25T12:00:00Z\", \"decision\": \"SHIP\", \"failed_steps\": [], \"ok\": tr",
    b"null",
    b"\"SHIP\"",
];

#[test]
fn corrupt_history_lines_are_skipped_counted_and_only_warned_about() {
    let repo = repo();
    let daily = || repo.sdetkit(&["ops", "daily", "--fast"]).output().unwrap();
    assert_eq!(daily().status.code(), Some(0));
    for rel in [
        "build/first-proof/first-proof-learning-db.jsonl",
        "build/ops/followup-history.jsonl",
    ] {
        let mut bytes = std::fs::read(repo.file(rel)).unwrap();
        for line in CORRUPT {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"{\"decision\": \"NO-SH"); // torn: a writer killed mid-row
        std::fs::write(repo.file(rel), bytes).unwrap();
    }
    let out = daily();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let weekly = repo.sdetkit(&["ops", "weekly"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&weekly.stderr);
    assert_eq!(weekly.status.code(), Some(0), "{stderr}");
    let health = repo.json("build/ops/weekly/contract-health.json");
    assert_eq!(health["ok"], true, "{health:#}");
    assert_eq!(health["violations"], serde_json::json!([]), "{health:#}");
    let warnings = health["warnings"].as_array().unwrap();
    for file in ["first-proof-learning-db.jsonl", "followup-history.jsonl"] {
        let named = warnings
            .iter()
            .filter(|w| w.as_str().unwrap().contains(file))
            .count();
        assert!(named >= CORRUPT.len(), "{file}: {warnings:#?}");
    }
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 2, "{rollup:#}");
    assert_eq!(
        rollup["summary"]["corrupt_rows"],
        CORRUPT.len() + 1,
        "{rollup:#}"
    );
    // The follow-up history's reader needs only `decision` (a string) and two optional
    // fields: every line counts once, as a run or as skipped.
    let followup = &repo.json("build/ops/followup-history-rollup.json")["summary"];
    let counted =
        followup["total_runs"].as_u64().unwrap() + followup["corrupt_rows"].as_u64().unwrap();
    assert_eq!(counted as usize, 2 + CORRUPT.len() + 1, "{followup:#}");
}

#[test]
fn a_history_line_corrupted_after_a_checkpoint_is_counted() {
    let repo = repo();
    let daily = || repo.sdetkit(&["ops", "daily", "--fast"]).output().unwrap();
    for _ in 0..3 {
        assert_eq!(daily().status.code(), Some(0));
    }
    // The checkpoint now covers three rows; the first is damaged in place.
    let history = repo.file("build/ops/followup-history.jsonl");
    let text = std::fs::read_to_string(&history).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    std::fs::write(&history, format!("{}\n{rest}", &first[..first.len() / 2])).unwrap();
    assert_eq!(daily().status.code(), Some(0));
    let rollup = &repo.json("build/ops/followup-history-rollup.json")["summary"];
    assert_eq!(rollup["corrupt_rows"], 1, "{rollup:#}");
    assert_eq!(rollup["total_runs"], 3, "{rollup:#}");
    let contract = repo
        .sdetkit(&["ops", "followup-contract"])
        .output()
        .unwrap();
    assert_eq!(contract.status.code(), Some(0), "{contract:?}");
}

/// Step-name counting is linear: a hand-made row naming 200k distinct failed steps costs a
/// later run a few CPU seconds, not the hours a quadratic count would (the limit is a
/// resource ceiling, as the zip-bomb test's memory limit is, far above what the lane needs).
#[test]
fn a_row_with_200k_distinct_failed_steps_is_counted_in_linear_time() {
    let repo = repo();
    let names: Vec<String> = (0..200_000).map(|i| format!("step-{i:06}")).collect();
    let row = serde_json::json!({
        "captured_at": "2026-11-25T12:00:00+00:00",
        "decision": "NO-SHIP",
        "failed_steps": names,
        "ok": false,
        "step_count": 3,
        "branch": "main",
        "run_id": "hand-made",
    });
    repo.write(
        "build/first-proof/first-proof-learning-db.jsonl",
        &format!("{row}\n"),
    );
    let bin = assert_cmd::cargo::cargo_bin("sdetkit");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -t 60 && exec \"$0\" --quiet --root \"$1\" ops daily --fast")
        .arg(&bin)
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 2);
    assert_eq!(
        rollup["summary"]["top_failed_steps"][0]["step"],
        "step-000000"
    );
}

/// Sends `signal` to our own child.
fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on our own child; no memory is involved.
    unsafe { libc::kill(child.id() as i32, signal) };
}

#[test]
fn ctrl_c_stops_investigate_failure_on_a_huge_log_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("huge.log");
    // 256 MiB of passing output: minutes of reading in a debug build, never finished here.
    let line = "test tests::a_test_that_passes ... ok\n".repeat(1 << 14);
    let mut file = std::fs::File::create(&log).unwrap();
    for _ in 0..(256 << 20) / line.len() {
        std::io::Write::write_all(&mut file, line.as_bytes()).unwrap();
    }
    drop(file);
    let child = crate::support::sdetkit()
        .args(["investigate", "failure", "--log"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGINT), "{:?}", out.status);
    assert!(out.stdout.is_empty(), "it finished instead of stopping");
}

#[test]
fn a_lane_stopped_while_waiting_on_the_event_log_lock_records_nothing() {
    use std::os::unix::process::ExitStatusExt;
    let repo = repo();
    repo.sdetkit(&["ops", "daily", "--fast"]).assert().success();
    let db = repo.file("build/first-proof/first-proof-learning-db.jsonl");
    let summary = repo.file("build/first-proof/first-proof-summary.json");
    let first_run = repo.json("build/first-proof/first-proof-summary.json")["run_id"].clone();
    // Another process holds the event log: the second lane runs its steps, writes its
    // decision, then waits to record.
    let held = std::fs::OpenOptions::new().append(true).open(&db).unwrap();
    held.lock().unwrap();
    let child = repo
        .sdetkit(&["ops", "daily", "--fast"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waiting = (0..600).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        std::fs::read_to_string(&summary)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|s| s["run_id"] != first_run)
    });
    assert!(waiting, "the second lane never reached its decision");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    // Let go of the log (a lane that ignored the signal would now record its run).
    held.unlock().unwrap();
    drop(held);
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert_eq!(std::fs::read_to_string(&db).unwrap().lines().count(), 1);
    // The next run records as usual.
    repo.sdetkit(&["ops", "daily", "--fast"]).assert().success();
    assert_eq!(std::fs::read_to_string(&db).unwrap().lines().count(), 2);
}

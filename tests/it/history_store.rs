//! `[history] store = "git"`: the event log shared through a ref of a bare remote on disk, as
//! CI jobs share it through their repository's remote.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use assert_cmd::assert::OutputAssertExt;
use tempfile::TempDir;

use crate::support::{Repo, git_in as git};

const LOG: &str = "build/first-proof/first-proof-learning-db.jsonl";
const REF: &str = "refs/sdetkit/history";

/// A bare remote holding a releasable repository whose config keeps history on the remote.
struct Remote {
    dir: TempDir,
    _seed: Repo,
}

impl Remote {
    fn new(step: &str) -> Remote {
        let dir = tempfile::tempdir().unwrap();
        git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        let seed = Repo::releasable(&format!(
            "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"{step}\"\n\n[history]\nstore = \"git\"\n"
        ));
        seed.git(&[
            "remote",
            "add",
            "origin",
            dir.path().join("remote.git").to_str().unwrap(),
        ]);
        seed.git(&["push", "-q", "origin", "main"]);
        Remote { dir, _seed: seed }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("remote.git")
    }

    /// The run ids on the remote's history ref, every row counted (duplicates would show).
    fn run_ids(&self) -> Vec<String> {
        let tree = git(&self.path(), &["ls-tree", "--name-only", REF]);
        let mut ids = Vec::new();
        for shard in tree.lines() {
            let text = git(&self.path(), &["show", &format!("{REF}:{shard}")]);
            for line in text.lines() {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                ids.push(row["run_id"].as_str().unwrap().to_string());
            }
        }
        ids
    }
}

fn row(id: &str, day: u32) -> String {
    format!(
        "{{\"branch\":\"main\",\"captured_at\":\"2026-{:02}-{:02}T10:00:00Z\",\"decision\":\"SHIP\",\"failed_steps\":[],\"lane\":\"daily\",\"ok\":true,\"run_id\":\"{id}\",\"step_count\":1}}\n",
        1 + day / 28 % 12,
        1 + day % 28
    )
}

fn write_log(repo: &Repo, rows: &[String]) {
    repo.write(LOG, &rows.concat());
}

#[test]
fn fresh_clones_share_their_runs_and_a_fourth_sees_them_all() {
    let remote = Remote::new("echo ok");
    let first = Repo::clone_of(&remote.path());
    first.sdetkit(&["ops", "daily"]).assert().success();
    // Two jobs at once.
    let (a, b) = (
        Repo::clone_of(&remote.path()),
        Repo::clone_of(&remote.path()),
    );
    let mut running: Vec<_> = [&a, &b]
        .iter()
        .map(|r| {
            r.sdetkit(&["ops", "daily"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in &mut running {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(remote.run_ids().len(), 3);
    let fourth = Repo::clone_of(&remote.path());
    let out =
        crate::support::output_of(&mut fourth.sdetkit(&["ops", "weekly", "--format", "json"]));
    let weekly: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids = &weekly["branches"]["main"]["30d"]["kpis"]["gate_fast_failure_rate"]["ids"];
    let seen: BTreeSet<String> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, remote.run_ids().into_iter().collect());
    // The second daily run of a clone learns from the three before it.
    fourth.sdetkit(&["ops", "daily"]).assert().success();
    let rollup = fourth.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 4, "{rollup:#}");
}

#[test]
fn eight_clones_pushing_at_once_end_with_exactly_the_union() {
    let remote = Remote::new("echo ok");
    let shared = [row("shared-1", 1), row("shared-2", 40)];
    let clones: Vec<Repo> = (0..8)
        .map(|i| {
            let clone = Repo::clone_of(&remote.path());
            let mut rows: Vec<String> = (0..5)
                .map(|j| row(&format!("c{i}-r{j}"), i * 5 + j * 30))
                .collect();
            rows.extend(shared.iter().cloned());
            write_log(&clone, &rows);
            clone
        })
        .collect();
    let mut pushes: Vec<_> = clones
        .iter()
        .map(|c| {
            c.sdetkit(&["history", "push"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for push in &mut pushes {
        assert!(push.wait().unwrap().success());
    }
    let ids = remote.run_ids();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 8 * 5 + 2, "no row lost or doubled: {ids:?}");
    assert_eq!(unique.len(), ids.len());
    git(&remote.path(), &["fsck", "--no-progress"]);
    // Pulling gives every clone the same rows; pushing again changes nothing.
    let tip = git(&remote.path(), &["rev-parse", REF]);
    clones[3].sdetkit(&["history", "pull"]).assert().success();
    clones[3]
        .sdetkit(&["history", "push"])
        .assert()
        .success()
        .stdout("history: pushed 0 new row(s)\n");
    assert_eq!(git(&remote.path(), &["rev-parse", REF]), tip);
    let local = std::fs::read_to_string(clones[3].file(LOG)).unwrap();
    assert_eq!(local.lines().count(), 42);
}

#[test]
fn a_push_killed_midway_leaves_the_remote_ref_valid() {
    let remote = Remote::new("echo ok");
    let clone = Repo::clone_of(&remote.path());
    let rows: Vec<String> = (0..20_000)
        .map(|i| row(&format!("r{i:05}"), i % 600))
        .collect();
    write_log(&clone, &rows);
    for delay in [5, 20, 60, 120, 250] {
        let mut push = clone.sdetkit(&["history", "push"]);
        // Its own process group, killed whole: sdetkit, git push and the remote's
        // receive-pack all die at once.
        let mut child = push
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        // SAFETY: kill(2) on a process group this test created.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        let _ = child.wait();
        let tip = Command::new("git")
            .current_dir(remote.path())
            .args(["rev-parse", "--verify", "-q", REF])
            .output()
            .unwrap();
        if tip.status.success() {
            assert_eq!(
                remote.run_ids().len(),
                20_000,
                "a ref that moved holds every row"
            );
        }
    }
    clone.sdetkit(&["history", "push"]).assert().success();
    assert_eq!(remote.run_ids().len(), 20_000);
    git(&remote.path(), &["fsck", "--no-progress"]);
}

#[test]
fn a_remote_that_refuses_pushes_degrades_to_local_history() {
    let remote = Remote::new("echo ok");
    let hook = remote.path().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'read-only mirror' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let clone = Repo::clone_of(&remote.path());
    let out = clone.sdetkit(&["ops", "daily"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("history")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("cannot push to origin"), "{stderr}");
    assert!(warnings[0].contains("sdetkit history push"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(clone.file(LOG))
            .unwrap()
            .lines()
            .count(),
        1
    );
    // By hand, the same refusal is an error.
    clone.sdetkit(&["history", "push"]).assert().code(1);
}

#[test]
fn an_unreachable_remote_never_fails_the_lane() {
    let remote = Remote::new("echo ok");
    let clone = Repo::clone_of(&remote.path());
    clone.git(&["remote", "set-url", "origin", "/nonexistent/remote.git"]);
    let out = clone.sdetkit(&["ops", "daily"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot fetch from origin"), "{stderr}");
    assert!(
        stderr.contains("learns from the local history only"),
        "{stderr}"
    );
    let status = clone.sdetkit(&["history", "status"]).output().unwrap();
    assert_eq!(status.status.code(), Some(1));
}

#[test]
fn an_unknown_store_is_a_config_error_with_its_line() {
    let repo = Repo::releasable("[history]\nstore = \"svn\"\n");
    repo.sdetkit(&["history", "status"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("sdetkit.toml:2:"))
        .stderr(predicates::str::contains(
            "\"local\", \"git\" or \"postgres\"",
        ));
}

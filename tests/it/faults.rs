//! Faults around the gate engine: a full disk, odd paths, no git repository, device outputs.

use std::process::Command;

use crate::support::Repo;
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

/// Mounts a tmpfs of `size` at `dir`; `false` where this machine does not allow it.
fn mount_tmpfs(dir: &std::path::Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn full_disk_gives_a_clear_error_and_keeps_the_previous_artifact() {
    let repo = Repo::new();
    let out = repo.file("out");
    std::fs::create_dir(&out).unwrap();
    if !mount_tmpfs(&out, "256k") {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _guard = Unmount(out.clone());
    let out_arg = out.to_str().unwrap();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"echo small\"\n",
    );
    repo.sdetkit(&["--out-dir", out_arg, "gate", "fast"])
        .assert()
        .success();
    let before = std::fs::read(out.join("first-proof/gate-fast.json")).unwrap();

    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"yes 'fill the disk' | head -c 2000000\"\n",
    );
    let result = repo
        .sdetkit(&["--out-dir", out_arg, "gate", "fast"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("gate-fast.json") && stderr.contains("No space left"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    let after = std::fs::read(out.join("first-proof/gate-fast.json")).unwrap();
    assert_eq!(before, after, "the previous artifact must survive intact");
    let leftovers: Vec<_> = std::fs::read_dir(out.join("first-proof"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn a_repository_path_with_spaces_and_unicode_works() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("my repo é 日本");
    std::fs::create_dir(&root).unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .current_dir(&root)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@e")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@e")
            .status()
            .unwrap();
        assert!(ok.success());
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(root.join(".gitignore"), "/build/\n").unwrap();
    std::fs::write(
        root.join("sdetkit.toml"),
        "[[gate.fast.steps]]\nid = \"pwd\"\nrun = \"pwd && ls sdetkit.toml\"\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    crate::support::sdetkit()
        .current_dir(&root)
        .args(["--quiet", "ops", "proof"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gate-fast     OK"));
    let log = std::fs::read_to_string(root.join("build/first-proof/logs/fast/pwd.log")).unwrap();
    assert!(log.contains("my repo é 日本"), "{log}");
}

#[test]
fn outside_a_git_repository_the_gates_run_and_the_repo_checks_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sdetkit.toml"),
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"true\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        crate::support::sdetkit()
            .current_dir(dir.path())
            .arg("--quiet")
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["gate", "fast"]).status.code(), Some(0));
    let proof = run(&["ops", "proof"]);
    assert_eq!(proof.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&proof.stdout).contains("FIRST_PROOF_DECISION=NO-SHIP"));
    let text = std::fs::read_to_string(dir.path().join("build/first-proof/doctor.json")).unwrap();
    let doctor: serde_json::Value = serde_json::from_str(&text).unwrap();
    let git_repo = doctor["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "git-repo")
        .unwrap();
    assert_eq!(git_repo["status"], "failed");
    assert_eq!(git_repo["message"], "not a git repository");
}

#[test]
fn out_to_a_device_writes_through_it() {
    let repo = Repo::new();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"true\"\n",
    );
    repo.sdetkit(&["gate", "fast", "--format", "json", "--out", "/dev/stdout"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"gate\": \"fast\""));
    assert!(
        std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

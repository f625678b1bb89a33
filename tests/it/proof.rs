//! `ops proof`: three gates, one decision, the v1 summary fields, and auto-detection.

use crate::support::{Repo, green_repo, step};
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

#[test]
fn ship_on_a_green_repo_with_v1_summary_fields() {
    let repo = green_repo();
    repo.sdetkit(&["ops", "proof"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with("FIRST_PROOF_DECISION=SHIP\n"));
    let s = repo.json("build/first-proof/first-proof-summary.json");
    for key in [
        "ok",
        "decision",
        "decision_line",
        "strict",
        "steps",
        "failed_steps",
        "schema_version",
        "run_id",
        "started_at",
        "duration_ms",
        "git",
        "release_dry_run",
        "first_failure",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}: {s:#}");
    }
    assert_eq!(s["decision"], "SHIP");
    assert_eq!(s["decision_line"], "FIRST_PROOF_DECISION=SHIP");
    assert_eq!(s["release_dry_run"], true);
    let names: Vec<&str> = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["gate-fast", "gate-release", "doctor"]);
    for st in s["steps"].as_array().unwrap() {
        assert_eq!(st["returncode"], 0);
        assert!(
            st["command"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c.is_string())
        );
        for log in ["stdout_log", "stderr_log", "artifact"] {
            assert!(
                repo.file(st[log].as_str().unwrap()).exists(),
                "{log} missing"
            );
        }
    }
    assert_eq!(s["git"]["branch"], "main");
    assert_eq!(s["git"]["dirty"], false);
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "the proof never touches tracked files"
    );
}

#[test]
fn failing_step_gives_no_ship_with_its_first_failure_and_strict_exits_1() {
    let repo = green_repo();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo 'starting'; echo 'error: boom in widget' >&2; exit 1\"\n",
    );
    repo.commit("break");
    repo.sdetkit(&["ops", "proof"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FIRST_PROOF_DECISION=NO-SHIP"));
    let s = repo.json("build/first-proof/first-proof-summary.json");
    assert_eq!(s["ok"], false);
    assert_eq!(s["failed_steps"], serde_json::json!(["gate-fast"]));
    assert_eq!(s["first_failure"]["step"], "unit");
    assert!(
        s["first_failure"]["message"]
            .as_str()
            .unwrap()
            .contains("boom in widget")
    );
    let release = repo.json("build/first-proof/release-preflight.json");
    assert_eq!(
        step(&release, "fast-gate")["status"],
        "info",
        "release reuses this run's fast verdict, without counting it as its own failure"
    );
    repo.sdetkit(&["ops", "proof", "--strict"]).assert().code(1);
}

#[test]
fn real_release_gate_blocks_a_dirty_tree_dry_run_does_not() {
    let repo = green_repo();
    repo.write("wip.txt", "work in progress");
    repo.sdetkit(&["ops", "proof"]).assert().success();
    assert_eq!(
        repo.json("build/first-proof/first-proof-summary.json")["decision"],
        "SHIP"
    );
    repo.sdetkit(&["ops", "proof", "--release-dry-run=false"])
        .assert()
        .success();
    let s = repo.json("build/first-proof/first-proof-summary.json");
    assert_eq!(s["decision"], "NO-SHIP");
    assert_eq!(s["release_dry_run"], false);
    assert_eq!(s["first_failure"]["step"], "clean-tree");
    repo.sdetkit(&["ops", "proof"])
        .env("FIRST_PROOF_RELEASE_DRY_RUN", "false")
        .assert()
        .success();
    assert_eq!(
        repo.json("build/first-proof/first-proof-summary.json")["decision"],
        "NO-SHIP"
    );
}

#[test]
fn skip_doctor_leaves_it_out_and_stable_json_is_reproducible() {
    let repo = green_repo();
    let run = || {
        repo.sdetkit(&[
            "ops",
            "proof",
            "--skip-doctor",
            "--stable-json",
            "--format",
            "json",
        ])
        .output()
        .unwrap()
    };
    let first = run();
    let first_file =
        std::fs::read(repo.file("build/first-proof/first-proof-summary.json")).unwrap();
    let second = run();
    let second_file =
        std::fs::read(repo.file("build/first-proof/first-proof-summary.json")).unwrap();
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first_file, second_file);
    let s: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(s["steps"].as_array().unwrap().len(), 2);
    assert!(s.get("run_id").is_none());
}

#[test]
fn interrupt_kills_children_and_marks_the_summary() {
    let repo = green_repo();
    let marker = repo.file("survived");
    repo.write(
        "sdetkit.toml",
        &format!(
            "[[gate.fast.steps]]\nid = \"long\"\nrun = \"sleep 3; touch {}\"\n",
            marker.display()
        ),
    );
    let mut child = repo.sdetkit(&["ops", "proof"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "an interrupted run exits 130");
    let s = repo.json("build/first-proof/first-proof-summary.json");
    assert_eq!(s["interrupted"], true);
    assert_eq!(s["decision"], "NO-SHIP");
    let fast = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(step(&fast, "long")["status"], "interrupted");
    std::thread::sleep(std::time::Duration::from_millis(3000));
    assert!(
        !marker.exists(),
        "the step's process outlived the interrupt"
    );
}

fn detected_ids(repo: &Repo) -> Vec<String> {
    repo.sdetkit(&["gate", "fast", "--format", "json"])
        .env("PATH", crate::support::path_without_nextest())
        .output()
        .unwrap();
    let gate = repo.json("build/first-proof/gate-fast.json");
    gate["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn auto_detection_per_ecosystem() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 5] = [
        (
            &[("Cargo.toml", "[package]\nname=\"x\"\nversion=\"0.1.0\"\n")],
            &["cargo-fmt", "cargo-clippy", "cargo-test"],
        ),
        (
            &[
                ("pyproject.toml", "[project]\nname=\"p\"\n[tool.ruff]\n"),
                ("tests/test_a.py", "def test_a(): pass\n"),
            ],
            &["ruff", "pytest"],
        ),
        (
            &[
                (
                    "package.json",
                    "{\"scripts\": {\"lint\": \"eslint .\", \"test\": \"jest\"}}",
                ),
                ("pnpm-lock.yaml", ""),
            ],
            &["pnpm-lint", "pnpm-test"],
        ),
        (&[("go.mod", "module x\n")], &["go-test"]),
        (
            &[("Makefile", "test:\n\t@true\nlint:\n\t@true\n")],
            &["make-lint", "make-test"],
        ),
    ];
    for (files, expected) in cases {
        let repo = Repo::new();
        for (name, body) in files {
            repo.write(name, body);
        }
        assert_eq!(detected_ids(&repo), *expected, "{files:?}");
    }
}

#[test]
fn polyglot_repo_gets_every_ecosystem_and_npm_placeholder_is_ignored() {
    let repo = Repo::new();
    repo.write("go.mod", "module x\n");
    repo.write("package.json", "{\"scripts\": {\"test\": \"echo \\\"Error: no test specified\\\" && exit 1\", \"lint\": \"true\"}}");
    repo.write("Makefile", "test:\n\t@true\n");
    // The Makefile's `test` runs nothing the other steps do not (`true`): not added twice.
    assert_eq!(detected_ids(&repo), ["npm-lint", "go-test"]);
}

#[test]
fn missing_tool_of_a_detected_step_is_an_error_with_a_hint() {
    let repo = Repo::new();
    repo.write("go.mod", "module x\n");
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/bin/sh", bin.path().join("sh")).unwrap();
    let out = repo
        .sdetkit(&["gate", "fast"])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let gate = repo.json("build/first-proof/gate-fast.json");
    let vet = step(&gate, "go-test");
    assert_eq!(vet["status"], "error");
    assert!(
        vet["message"]
            .as_str()
            .unwrap()
            .contains("`go` is not installed"),
        "{vet}"
    );
    assert!(vet["message"].as_str().unwrap().contains("go.dev"), "{vet}");
    assert_eq!(gate["ok"], false, "a missing tool is never a pass");
    assert_eq!(gate["executed"], 0);
}

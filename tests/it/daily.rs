//! The daily lane and learning loop, end to end: `ops daily`, `ops followup`,
//! `ops followup-contract`, `ops now`, `ops next`, on temporary repositories whose fast step
//! passes or fails on demand.

use std::process::Command;

use crate::support::{Repo, titles};
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;
use serde_json::{Value, json};

const NOW: &str = "2026-11-25T12:00:00Z";
const DB: &str = "build/first-proof/first-proof-learning-db.jsonl";
const HISTORY: &str = "build/ops/followup-history.jsonl";

/// A repository where every gate passes unless `build/fail.flag` exists (ignored, so the
/// tree stays clean).
fn lane_repo() -> Repo {
    Repo::releasable(
        // The step reads a flag outside the work tree's content: the cache cannot see it.
        "[setup]\nrun = \"true\"\n\n[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -e build/fail.flag\"\ncache = false\n",
    )
}

fn set_failing(repo: &Repo, failing: bool) {
    let flag = repo.file("build/fail.flag");
    if failing {
        std::fs::create_dir_all(flag.parent().unwrap()).unwrap();
        std::fs::write(flag, "").unwrap();
    } else {
        let _ = std::fs::remove_file(flag);
    }
}

/// `sdetkit <args>` with a pinned clock and branch.
fn cmd(repo: &Repo, args: &[&str], branch: &str) -> Command {
    let mut c = repo.sdetkit(args);
    c.env("SDETKIT_NOW", NOW).env("FIRST_PROOF_BRANCH", branch);
    c
}

fn lines(repo: &Repo, rel: &str) -> Vec<String> {
    std::fs::read_to_string(repo.file(rel))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn append(repo: &Repo, rel: &str, rows: &[String]) {
    let path = repo.file(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// A row exactly as the Python reference wrote it (spaces after separators, no branch).
fn reference_row(decision: &str, failed: &[&str], at: &str) -> String {
    let failed: Vec<String> = failed.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "{{\"captured_at\": \"{at}\", \"decision\": \"{decision}\", \"failed_steps\": [{}], \"ok\": {}, \"selected_python\": \"/usr/bin/python3\", \"step_count\": 3}}",
        failed.join(", "),
        decision == "SHIP"
    )
}

fn assert_followup_shape(repo: &Repo) {
    let f = repo.json("build/ops/followup.json");
    let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "decision",
            "generated_at",
            "next_command",
            "recommendations",
            "schema_version",
            "threshold_breach"
        ]
    );
    assert_eq!(
        repo.json("build/ops/followup-contract-check.json")["ok"],
        true
    );
}

#[test]
fn nine_run_sequence_gives_the_reference_actions() {
    let repo = lane_repo();
    let sequence = "SSFFFSFFF";
    let expected = [
        "collect-more-data",
        "collect-more-data",
        "watch-consecutive-no-ship",
        "maintain-current-lane",
        "recover-first-proof-ship-rate",
        "watch-consecutive-no-ship",
        "watch-consecutive-no-ship",
        "recover-first-proof-ship-rate",
        "recover-first-proof-ship-rate",
    ];
    for (i, outcome) in sequence.chars().enumerate() {
        set_failing(&repo, outcome == 'F');
        let decision = if outcome == 'S' { "SHIP" } else { "NO-SHIP" };
        cmd(&repo, &["ops", "daily", "--fast"], "local")
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "FIRST_PROOF_DECISION={decision}\n"
            )))
            .stdout(predicate::str::contains(format!(
                "OPS_DECISION={decision}\n"
            )));
        let t = repo.json("build/first-proof/weekly-threshold-check.json");
        assert_eq!(t["action"], expected[i], "run {}: {t:#}", i + 1);
        assert_eq!(t["profile"], "default");
        assert_followup_shape(&repo);
    }
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(
        rollup["schema_version"],
        "sdetkit.first-proof-learning-rollup.v1"
    );
    let s = &rollup["summary"];
    assert_eq!(
        (
            s["total_runs"].clone(),
            s["ship_runs"].clone(),
            s["no_ship_runs"].clone()
        ),
        (json!(9), json!(3), json!(6))
    );
    // One cause counted once: the release gate's `fast-gate` check reports the fast gate's
    // failure without failing the release gate too.
    assert_eq!(
        s["top_failed_steps"],
        json!([{"step": "gate-fast", "count": 6}])
    );
    let trend = repo.json("build/first-proof/weekly-trend.json");
    assert_eq!(
        trend["schema_version"],
        "sdetkit.first-proof-weekly-trend.v1"
    );
    assert_eq!(trend["summary"]["ship_rate_last_7"], 1.0 / 7.0);
    assert_eq!(trend["recent_runs"].as_array().unwrap().len(), 7);
    let t = repo.json("build/first-proof/weekly-threshold-check.json");
    assert_eq!(
        (t["consecutive_no_ship"].clone(), t["breach"].clone()),
        (json!(3), json!(true))
    );
    let f = repo.json("build/ops/followup.json");
    assert_eq!(
        titles(&f),
        [
            "P0 Recover to SHIP on the failing gate",
            "P0 Threshold breach escalation",
            "P1 Resolve first failing step",
            "P2 Reduce recurring failures in gate-fast/unit",
        ]
    );
    let hist = repo.json("build/ops/followup-history-rollup.json")["summary"].clone();
    assert_eq!(
        (
            hist["total_runs"].clone(),
            hist["ship_runs"].clone(),
            hist["threshold_breach_runs"].clone()
        ),
        (json!(9), json!(3), json!(3))
    );
    assert_eq!(
        repo.json("build/first-proof/control-tower.json")["first_proof_rollup"],
        rollup
    );
}

#[test]
fn main_breach_after_a_reference_history_fails_the_lane_after_writing_the_followup() {
    let repo = lane_repo();
    // The reference's 9 runs (no branch field: they count toward `main` too).
    let at = "2026-11-25T11:00:00.5+00:00";
    let rows: Vec<String> = "SSFFFSFFF"
        .chars()
        .map(|c| match c {
            'S' => reference_row("SHIP", &[], at),
            _ => reference_row("NO-SHIP", &["gate-fast"], at),
        })
        .collect();
    append(&repo, DB, &rows);
    set_failing(&repo, true);
    // On `main` (fail_on_breach) the 10th NO-SHIP run breaches: exit 1, yet the follow-up
    // of THIS run is written (the reference stopped before it).
    cmd(&repo, &["ops", "daily", "--fast"], "main")
        .env("SDETKIT_NOW", "2026-11-25T12:30:00Z")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("threshold breach on `main`"));
    let t = repo.json("build/first-proof/weekly-threshold-check.json");
    assert_eq!(t["profile"], "main");
    assert_eq!(t["action"], "recover-first-proof-ship-rate");
    assert_eq!(t["ship_rate_last_7"], 1.0 / 7.0);
    assert_eq!(t["consecutive_no_ship"], 4);
    let f = repo.json("build/ops/followup.json");
    assert_eq!(f["generated_at"], "2026-11-25T12:30:00.000000+00:00");
    assert_eq!(f["threshold_breach"], true);
    assert_eq!(lines(&repo, DB).len(), 10);
    assert_eq!(lines(&repo, HISTORY).len(), 1);
    assert_followup_shape(&repo);
}

#[test]
fn ship_run_recommends_premerge_and_no_ship_names_the_first_failure() {
    let repo = lane_repo();
    cmd(&repo, &["ops", "daily"], "local")
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "OPS_DECISION=SHIP\nOPS_NEXT_COMMAND=sdetkit ops premerge\n",
        ));
    let f = repo.json("build/ops/followup.json");
    assert_eq!(titles(&f), ["P3 Proceed to pre-merge verification"]);
    // followup.json keeps the v1 contract's wording; people see a command that runs here.
    assert_eq!(f["next_command"], "make ops-premerge");
    let row: Value = serde_json::from_str(&lines(&repo, DB)[0]).unwrap();
    assert_eq!(row["lane"], "daily");
    assert_eq!(row["branch"], "local");
    assert_eq!(row["step_count"], 3);
    assert_eq!(row["steps"][0]["name"], "gate-fast");
    assert_eq!(row["steps"][0]["status"], "passed");
    assert!(row["run_id"].as_str().is_some() && row["commit"].as_str().is_some());

    set_failing(&repo, true);
    cmd(&repo, &["ops", "daily", "--fast", "--strict"], "local")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NO-SHIP under --strict"));
    let f = repo.json("build/ops/followup.json");
    assert_eq!(f["next_command"], "make ops-daily");
    let p1 = &f["recommendations"][1];
    assert_eq!(p1["title"], "Resolve first failing step");
    let action = p1["action"].as_str().unwrap();
    assert!(action.starts_with("Focus on `gate-fast` first"), "{action}");
    assert!(
        action.contains("step `unit`")
            && action.contains("Reproduce with `test ! -e build/fail.flag`"),
        "{action}"
    );
    // One failure in the recent window is not yet "recurring".
    assert_eq!(f["recommendations"].as_array().unwrap().len(), 2);
    assert_followup_shape(&repo);
}

#[test]
fn time_windows_come_from_captured_at_per_branch() {
    let repo = lane_repo();
    let row = |decision: &str, branch: &str, at: &str| {
        json!({"captured_at": at, "decision": decision, "failed_steps": [], "branch": branch, "ok": decision == "SHIP", "step_count": 3}).to_string()
    };
    append(
        &repo,
        DB,
        &[
            row("NO-SHIP", "main", "2026-11-20T08:00:00.000000+00:00"),
            row("SHIP", "main", "2026-11-01T08:00:00+00:00"),
            row("NO-SHIP", "main", "2026-10-01T08:00:00Z"),
            row("SHIP", "old", "2026-09-01T08:00:00+00:00"),
            // 2026-11-18T13:00+02:00 is 11:00 UTC, one hour before the 7-day cutoff.
            row("SHIP", "main", "2026-11-18T13:00:00+02:00"),
        ],
    );
    cmd(&repo, &["ops", "daily", "--fast"], "main")
        .assert()
        .success();
    let trend = repo.json("build/first-proof/weekly-trend.json");
    let main = &trend["branches"]["main"];
    assert_eq!(
        (main["runs_7d"].clone(), main["ship_rate_7d"].clone()),
        (json!(2), json!(0.5))
    );
    assert_eq!(
        (main["runs_30d"].clone(), main["ship_rate_30d"].clone()),
        (json!(4), json!(0.75))
    );
    assert_eq!(main["total_runs"], 5);
    let old = &trend["branches"]["old"];
    assert_eq!(
        (old["runs_7d"].clone(), old["ship_rate_7d"].clone()),
        (json!(0), Value::Null)
    );
    assert_eq!(old["ship_rate_30d"], Value::Null);
    assert_eq!(trend["summary"]["runs_30d"], 4);
    let md = std::fs::read_to_string(repo.file("build/first-proof/weekly-trend.md")).unwrap();
    assert!(md.contains("- 7-day ship rate: `0.50` over 2 runs"), "{md}");
}

#[test]
fn reference_history_is_read_and_recurring_failures_use_the_recent_window() {
    let repo = lane_repo();
    let old = "2026-11-01T10:00:00.123456+00:00";
    let mut rows: Vec<String> = (0..25)
        .map(|_| reference_row("NO-SHIP", &["doctor"], old))
        .collect();
    rows.extend((0..3).map(|_| reference_row("NO-SHIP", &["gate-fast"], old)));
    append(&repo, DB, &rows);
    // A follow-up history row exactly as the reference wrote it (§9.9).
    append(
        &repo,
        HISTORY,
        &[format!(
            "{{\"decision\": \"NO-SHIP\", \"generated_at\": \"{old}\", \"next_command\": \"make ops-daily\", \"recommendations\": [{{\"action\": \"Run `make ops-daily` after fixing the first failing step and do not merge until decision is SHIP.\", \"priority\": \"P0\", \"title\": \"Recover to SHIP on the failing gate\"}}], \"schema_version\": \"sdetkit.real-workflow-followup.v1\", \"threshold_breach\": true}}"
        )],
    );
    set_failing(&repo, true);
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success();
    let hist = repo.json("build/ops/followup-history-rollup.json")["summary"].clone();
    assert_eq!(
        (
            hist["total_runs"].clone(),
            hist["threshold_breach_runs"].clone()
        ),
        (json!(2), json!(2))
    );
    assert_eq!(
        hist["top_recurring_recommendations"][0],
        json!({"title": "Recover to SHIP on the failing gate", "count": 2})
    );
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 29);
    assert_eq!(
        rollup["summary"]["top_failed_steps"],
        json!([
            {"step": "doctor", "count": 25},
            {"step": "gate-fast", "count": 4}
        ])
    );
    let f = repo.json("build/ops/followup.json");
    // Over the last 20 runs doctor failed 16 times and gate-fast 3 (reference rows name
    // gates), and this run's step `gate-fast/unit` once: the first two recur.
    let p2: Vec<&str> = f["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["priority"] == "P2")
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(p2.len(), 2, "{p2:?}");
    assert!(
        p2[0].starts_with("doctor failed 16 times in the last 20 runs"),
        "{p2:?}"
    );
    assert!(p2[1].starts_with("gate-fast failed 3 times"), "{p2:?}");
}

#[test]
fn corrupt_lines_are_skipped_counted_and_no_row_is_lost() {
    let repo = lane_repo();
    let at = "2026-11-24T10:00:00+00:00";
    append(
        &repo,
        DB,
        &[
            reference_row("SHIP", &[], at),
            "{\"decision\": ".into(),
            reference_row("SHIP", &[], at),
        ],
    );
    // A torn last line without newline: the next row must not be glued onto it.
    std::fs::create_dir_all(repo.file("build/ops")).unwrap();
    std::fs::write(repo.file(HISTORY), "not json\n{\"decision\": \"SH").unwrap();
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "first-proof-learning-db.jsonl:2: skipped corrupt row",
        ))
        .stderr(predicate::str::contains(
            "followup-history.jsonl:1: skipped corrupt row",
        ));
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 3);
    assert_eq!(rollup["summary"]["corrupt_rows"], 1);
    let hist = repo.json("build/ops/followup-history-rollup.json");
    assert_eq!(hist["summary"]["total_runs"], 1);
    assert_eq!(hist["summary"]["corrupt_rows"], 2);
    assert_eq!(lines(&repo, DB).len(), 4);
    let history = lines(&repo, HISTORY);
    assert_eq!(history.len(), 3);
    assert!(serde_json::from_str::<Value>(&history[2]).is_ok());
    assert_followup_shape(&repo);
}

#[test]
fn eight_concurrent_lanes_record_eight_rows_and_leave_valid_json() {
    let repo = lane_repo();
    let children: Vec<_> = (0..8)
        .map(|_| {
            cmd(&repo, &["ops", "daily", "--fast"], "local")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(lines(&repo, DB).len(), 8);
    assert_eq!(lines(&repo, HISTORY).len(), 8);
    for line in lines(&repo, DB).iter().chain(&lines(&repo, HISTORY)) {
        serde_json::from_str::<Value>(line).unwrap();
    }
    for dir in ["build/first-proof", "build/ops"] {
        for entry in std::fs::read_dir(repo.file(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }
    cmd(&repo, &["ops", "followup"], "local").assert().success();
    assert_eq!(
        repo.json("build/ops/followup-history-rollup.json")["summary"]["total_runs"],
        8
    );
}

#[test]
fn ops_next_and_followup_views_append_nothing_and_are_idempotent() {
    let repo = lane_repo();
    // Before any run: a preview, and nothing written.
    cmd(&repo, &["ops", "next"], "local")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("OPS_DECISION=NO-SHIP\nOPS_NEXT_COMMAND=sdetkit ops daily\nOPS_TOP_ACTIONS=\n1. [P0] Run the daily lane :: "));
    assert!(!repo.file("build").exists());

    set_failing(&repo, true);
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success();
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success();
    let before = std::fs::read(repo.file("build/ops/followup.json")).unwrap();
    let run = || {
        cmd(&repo, &["ops", "next", "--limit", "2"], "local")
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
            .count(),
        2
    );
    assert!(
        text.contains("1. [P0] Recover to SHIP on the failing gate :: Run `sdetkit ops daily`"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(repo.file("build/ops/followup.json")).unwrap(),
        before
    );

    cmd(&repo, &["ops", "now", "--lite"], "local")
        .assert()
        .success()
        // The next command is the first failure's own rerun.
        .stdout(predicate::str::ends_with(
            "OPS_DECISION=NO-SHIP\nOPS_NEXT_COMMAND=test ! -e build/fail.flag\n",
        ));
    cmd(&repo, &["ops", "followup-contract"], "local")
        .assert()
        .success()
        .stdout("ops follow-up contract: OK\n");
    assert_eq!(lines(&repo, DB).len(), 2);
    assert_eq!(lines(&repo, HISTORY).len(), 2);

    let json_out = cmd(
        &repo,
        &["ops", "next", "--format", "json", "--limit", "1"],
        "local",
    )
    .output()
    .unwrap();
    let v: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(v["recommendations"].as_array().unwrap().len(), 1);
    assert_eq!(v["decision"], "NO-SHIP");
}

#[test]
fn ops_now_runs_the_full_lane_including_setup() {
    let repo = lane_repo();
    cmd(&repo, &["ops", "now"], "local")
        .assert()
        .success()
        .stdout(predicate::str::contains("FIRST_PROOF_DECISION=SHIP\n"))
        .stdout(predicate::str::ends_with(
            "OPS_DECISION=SHIP\nOPS_NEXT_COMMAND=sdetkit ops premerge\n",
        ));
    let row: Value = serde_json::from_str(&lines(&repo, DB)[0]).unwrap();
    assert_eq!(row["lane"], "daily");
}

/// The seed's make aliases are named only where the Makefile really includes `sdetkit.mk`;
/// everywhere else `make ops-daily` would fail, so `sdetkit ops daily` is shown.
#[test]
fn make_aliases_are_named_only_where_the_makefile_includes_them() {
    let repo = lane_repo();
    repo.write("Makefile", "test:\n\ttrue\n");
    repo.commit("a Makefile without the aliases");
    cmd(&repo, &["ops", "daily"], "local")
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "OPS_NEXT_COMMAND=sdetkit ops premerge\n",
        ));
    repo.write("sdetkit.mk", "ops-premerge:\n\ttrue\n");
    repo.write("Makefile", "include sdetkit.mk\ntest:\n\ttrue\n");
    repo.commit("the aliases");
    cmd(&repo, &["ops", "daily"], "local")
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "OPS_NEXT_COMMAND=make ops-premerge\n",
        ));
    let md = std::fs::read_to_string(repo.file("build/ops/followup.md")).unwrap();
    assert!(md.contains("- Next command: `make ops-premerge`"), "{md}");
}

#[test]
fn broken_contract_and_bad_json_inputs() {
    let repo = lane_repo();
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success();
    let rollup_before = std::fs::read(repo.file("build/ops/followup-history-rollup.json")).unwrap();
    let mut f = repo.json("build/ops/followup.json");
    f["decision"] = json!("MAYBE");
    f["extra"] = json!(true);
    f["recommendations"][0]["priority"] = json!("P9");
    std::fs::write(repo.file("build/ops/followup.json"), f.to_string()).unwrap();
    cmd(&repo, &["ops", "followup-contract"], "local")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ops follow-up contract: FAIL"));
    let check = repo.json("build/ops/followup-contract-check.json");
    assert_eq!(check["ok"], false);
    assert!(check["errors"].as_array().unwrap().len() >= 3, "{check:#}");

    // Unusable JSON: exit 2, one line naming file and line, nothing half-written.
    std::fs::write(
        repo.file("build/ops/followup.json"),
        "{\n  \"decision\": \n",
    )
    .unwrap();
    let out = cmd(&repo, &["ops", "next"], "local").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("build/ops/followup.json:3:"), "{err}");

    std::fs::write(
        repo.file("build/first-proof/first-proof-summary.json"),
        "[1,",
    )
    .unwrap();
    cmd(&repo, &["ops", "followup"], "local")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("first-proof-summary.json:1:"));
    assert_eq!(
        std::fs::read(repo.file("build/ops/followup-history-rollup.json")).unwrap(),
        rollup_before
    );
    assert_eq!(lines(&repo, HISTORY).len(), 1);
}

#[test]
fn a_failing_setup_says_what_its_log_says_went_wrong() {
    let repo = lane_repo();
    repo.write(
        "sdetkit.toml",
        "[setup]\nrun = \"printf 'error[E0432]: unresolved import `x`\\\\n --> src/lib.rs:1:5\\\\n'; exit 101\"\n\n[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n",
    );
    cmd(&repo, &["ops", "daily"], "local")
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("OPS_NEXT_COMMAND="))
        .stderr(predicate::str::contains(
            "setup's first failure: error[E0432]: unresolved import `x` (src/lib.rs:1)",
        ));
}

#[test]
fn failing_setup_stops_before_the_proof_and_records_nothing() {
    let repo = lane_repo();
    repo.write(
        "sdetkit.toml",
        "[setup]\nrun = \"exit 3\"\n\n[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n",
    );
    cmd(&repo, &["ops", "daily"], "local")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("setup failed: fail (exit 3)"));
    assert!(
        !repo
            .file("build/first-proof/first-proof-summary.json")
            .exists()
    );
    assert!(!repo.file(DB).exists());
    assert!(!repo.file("build/ops").exists());
    // --fast skips the setup.
    cmd(&repo, &["ops", "daily", "--fast"], "local")
        .assert()
        .success();
}

#[test]
fn an_interrupted_run_is_not_recorded() {
    let repo = lane_repo();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"long\"\nrun = \"sleep 3\"\n",
    );
    let child = cmd(&repo, &["ops", "daily", "--fast"], "local")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the run was not recorded"));
    assert_eq!(
        repo.json("build/first-proof/first-proof-summary.json")["interrupted"],
        true
    );
    assert!(!repo.file(DB).exists());
    assert!(!repo.file("build/ops").exists());
}

#[test]
fn daily_reports_as_json_and_markdown_too() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n");
    let out = repo
        .sdetkit(&["ops", "daily", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["decision"], "SHIP");
    assert_eq!(report["followup"]["next_command"], "make ops-premerge");
    assert_eq!(report["contract"]["ok"], true);
    assert!(report["threshold"]["action"].is_string());
    let md = repo.file("daily.md");
    repo.sdetkit(&[
        "ops",
        "daily",
        "--format",
        "md",
        "--out",
        md.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let text = std::fs::read_to_string(md).unwrap();
    assert!(
        text.contains("### sdetkit proof: **SHIP**")
            && text.contains("# Follow-up: what to fix next"),
        "{text}"
    );
}

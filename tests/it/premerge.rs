//! `ops premerge [--fast] [--next]`: each blocker alone blocks with its own next command, a
//! rehearsal is never a merge pass, and a clean green repository passes.

use crate::support::{Repo, green_repo};
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;
use serde_json::Value;

fn premerge(repo: &Repo, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["ops", "premerge"];
    all.extend_from_slice(args);
    let out = repo.sdetkit(&all).output().unwrap();
    let gate = repo.json("build/ops/premerge-gate.json");
    (
        out.status.code().unwrap(),
        gate,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn blocker_ids(gate: &Value) -> Vec<String> {
    gate["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_clean_green_repository_is_ready_to_merge() {
    let repo = green_repo();
    let (code, gate, stdout) = premerge(&repo, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(gate["ok"], true);
    assert_eq!(gate["bypass"], false);
    assert_eq!(gate["release_dry_run"], false);
    assert_eq!(gate["decision"], "SHIP");
    assert!(stdout.contains("premerge: READY TO MERGE"));
    assert!(stdout.contains("OPS_PREMERGE_OK=true"));
    let pack = gate["evidence_pack"].as_str().unwrap();
    assert!(repo.file(pack).exists());
    let verified =
        std::fs::read_to_string(repo.file("build/evidence/verified-packs.jsonl")).unwrap();
    assert!(verified.contains(gate["run_id"].as_str().unwrap()));
    let room = std::fs::read_to_string(repo.file("build/ops/release-room.md")).unwrap();
    assert!(
        room.starts_with("## Release room: READY TO MERGE"),
        "{room}"
    );
    let rows =
        std::fs::read_to_string(repo.file("build/first-proof/first-proof-learning-db.jsonl"))
            .unwrap();
    assert_eq!(rows.lines().count(), 1, "one premerge run, one event row");
    assert!(rows.contains("\"lane\":\"premerge\""), "{rows}");
}

#[test]
fn a_failing_test_blocks_with_its_rerun_command() {
    let repo = green_repo();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo 'error: unit broke' >&2; exit 1\"\n",
    );
    repo.commit("break");
    let (code, gate, _) = premerge(&repo, &[]);
    assert_eq!(code, 1);
    let ids = blocker_ids(&gate);
    assert_eq!(ids[0], "gate-fast/unit");
    assert!(
        gate["blockers"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("unit broke")
    );
    assert!(
        gate["blockers"][0]["evidence"][0]
            .as_str()
            .unwrap()
            .ends_with("gate-fast.json")
    );
    assert_eq!(gate["next_command"], gate["blockers"][0]["next_command"]);
}

#[test]
fn a_dirty_tree_alone_points_at_the_rehearsal() {
    let repo = green_repo();
    repo.write("wip.txt", "x");
    let (code, gate, _) = premerge(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(blocker_ids(&gate), ["gate-release/clean-tree"]);
    assert_eq!(gate["next_command"], "sdetkit ops premerge --rehearsal");
    repo.sdetkit(&["ops", "premerge", "--next"])
        .assert()
        .success()
        .stdout(predicate::str::contains("OPS_DECISION=NO-SHIP\nOPS_PREMERGE_OK=false\nOPS_NEXT_COMMAND=sdetkit ops premerge --rehearsal\nOPS_TOP_ACTIONS=\n1. [gate-release/clean-tree]"));
}

#[test]
fn a_rehearsal_never_counts_as_a_merge_pass() {
    let repo = green_repo();
    repo.write("wip.txt", "x");
    let (code, gate, stdout) = premerge(&repo, &["--rehearsal"]);
    assert_eq!(code, 0);
    assert_eq!(gate["ok"], true);
    assert_eq!(gate["bypass"], true);
    assert_eq!(gate["release_dry_run"], true);
    assert_eq!(gate["next_command"], "sdetkit ops premerge");
    assert!(stdout.contains("OPS_PREMERGE_OK=false"), "{stdout}");
    // `--fast`, the seed's name for it, is the same rehearsal.
    let (_, clean_gate, _) = premerge(&green_repo(), &["--fast"]);
    assert_eq!(
        clean_gate["bypass"], true,
        "a rehearsal never yields bypass: false"
    );
}

#[test]
fn a_threshold_breach_blocks() {
    let repo = green_repo();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo ok\"\n[thresholds.main]\nmin_ship_rate = 0.9\nmin_total_runs = 3\nmin_consecutive_breaches = 0\n",
    );
    repo.commit("strict thresholds");
    let row = r#"{"captured_at": "2026-11-20T10:00:00+00:00", "decision": "NO-SHIP", "failed_steps": ["gate-fast"], "ok": false, "selected_python": "python3", "step_count": 3}"#;
    repo.write(
        "build/first-proof/first-proof-learning-db.jsonl",
        &format!("{row}\n{row}\n{row}\n"),
    );
    let (code, gate, _) = premerge(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(blocker_ids(&gate), ["threshold-breach"]);
    assert!(
        gate["blockers"][0]["evidence"][0]
            .as_str()
            .unwrap()
            .ends_with("weekly-threshold-check.json")
    );
}

#[test]
fn an_open_kpi_incident_blocks() {
    let repo = green_repo();
    let incident = |kpi: &str| {
        format!(
            r#"{{"kpi": "{kpi}", "branch": "main", "unit": "ratio", "values": [0.9, 0.7, 0.5], "opened_at": "2026-11-24T00:00:00+00:00",
            "windows": [{{"start": "2026-11-03T00:00:00+00:00", "end": "2026-11-10T00:00:00+00:00"}}, {{"start": "2026-11-10T00:00:00+00:00", "end": "2026-11-17T00:00:00+00:00"}}, {{"start": "2026-11-17T00:00:00+00:00", "end": "2026-11-24T00:00:00+00:00"}}]}}"#
        )
    };
    repo.write(
        "build/ops/weekly/kpi-incidents.json",
        &format!(
            r#"{{"schema_version": "sdetkit.kpi-incidents.v1", "as_of": "2026-11-24T00:00:00+00:00", "tolerance_percent_points": 5.0, "tolerance_duration_ratio": 0.1, "open": [{}], "closed": [{}]}}"#,
            incident("ship_rate"),
            incident("doctor_failure_rate")
        ),
    );
    let (code, gate, _) = premerge(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(blocker_ids(&gate), ["kpi-incident/ship_rate"]);
    assert_eq!(gate["blockers"][0]["next_command"], "sdetkit ops weekly");
}

#[test]
fn evidence_that_cannot_be_packed_blocks() {
    let repo = green_repo();
    repo.write(
        "build/evidence",
        "a file where the evidence folder should be",
    );
    let (code, gate, _) = premerge(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(blocker_ids(&gate), ["evidence"]);
    assert!(
        gate["blockers"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("could not be written")
    );
}

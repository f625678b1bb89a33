//! `ops status`: the seed's exit criteria, from a fresh repository to a healthy workflow.

use crate::support::{Repo, green_repo};
use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

fn status(repo: &Repo, now: &str) -> (i32, Value) {
    let out = repo
        .sdetkit(&["ops", "status", "--format", "json"])
        .env("SDETKIT_NOW", now)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn criterion<'a>(s: &'a Value, id: &str) -> &'a Value {
    s["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[test]
fn a_fresh_repository_is_unhealthy_and_says_what_to_run() {
    let repo = green_repo();
    let (code, s) = status(&repo, "2026-11-25T12:00:00Z");
    assert_eq!(code, 1);
    assert_eq!(s["healthy"], false);
    assert_eq!(
        criterion(&s, "daily-decision")["next_command"],
        "sdetkit ops daily"
    );
    assert_eq!(
        criterion(&s, "trend-reviewed")["next_command"],
        "sdetkit ops daily"
    );
    assert_eq!(
        criterion(&s, "premerge-clean")["next_command"],
        "sdetkit ops premerge"
    );
    assert_eq!(
        criterion(&s, "reporting-fresh")["next_command"],
        "sdetkit ops daily"
    );
}

#[test]
fn daily_premerge_and_weekly_make_it_healthy_until_they_go_stale() {
    let repo = green_repo();
    let now = "2026-11-25T12:00:00Z";
    repo.sdetkit(&["ops", "daily"])
        .env("SDETKIT_NOW", now)
        .assert()
        .success();
    repo.sdetkit(&["ops", "premerge"])
        .env("SDETKIT_NOW", now)
        .assert()
        .success();
    let (code, s) = status(&repo, now);
    assert_eq!(code, 1, "no weekly report yet: {s:#}");
    assert_eq!(criterion(&s, "daily-decision")["ok"], true);
    assert_eq!(criterion(&s, "premerge-clean")["ok"], true);
    assert_eq!(
        criterion(&s, "reporting-fresh")["next_command"],
        "sdetkit ops weekly"
    );

    repo.sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", now)
        .assert()
        .success();
    let (code, s) = status(&repo, now);
    assert_eq!(code, 0, "{s:#}");
    assert_eq!(s["healthy"], true);

    let (code, s) = status(&repo, "2026-11-27T12:00:00Z");
    assert_eq!(code, 1);
    assert!(
        criterion(&s, "daily-decision")["detail"]
            .as_str()
            .unwrap()
            .contains("old (limit 26 h)")
    );
}

#[test]
fn a_bypassed_premerge_does_not_count() {
    let repo = green_repo();
    repo.sdetkit(&["ops", "premerge", "--fast"])
        .assert()
        .success();
    let (_, s) = status(&repo, "2026-11-25T12:00:00Z");
    let premerge = criterion(&s, "premerge-clean");
    assert_eq!(premerge["ok"], false);
    assert!(premerge["detail"].as_str().unwrap().contains("bypass"));
}

#[test]
fn a_corrupt_last_daily_row_falls_back_to_the_previous_one() {
    let repo = green_repo();
    let now = "2026-11-25T12:00:00Z";
    repo.sdetkit(&["ops", "daily"])
        .env("SDETKIT_NOW", now)
        .assert()
        .success();
    let log = repo.file("build/first-proof/first-proof-learning-db.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"decision\":\"SHIP\",\"lane\":\"daily\",\"torn\n");
    std::fs::write(&log, text).unwrap();
    let (_, s) = status(&repo, now);
    assert_eq!(criterion(&s, "daily-decision")["ok"], true, "{s:#}");
}

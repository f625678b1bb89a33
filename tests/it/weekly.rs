//! The weekly lane end to end: `ops weekly` and `ops record`, on temporary repositories
//! whose event log, evidence ledger and tags are written by hand with known answers.

use std::process::Command;

use crate::support::Repo;
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;
use serde_json::{Value, json};

const NOW: &str = "2026-11-25T12:00:00Z";
const DB: &str = "build/first-proof/first-proof-learning-db.jsonl";
const CARD: &str = "build/ops/weekly/kpi-scorecard.json";

/// An sdetkit event row: the three gates, `failed` among them failing.
fn row(at: &str, id: &str, branch: &str, failed: &[&str]) -> Value {
    let steps: Vec<Value> = ["gate-fast", "gate-release", "doctor"]
        .iter()
        .map(|g| {
            let status = if failed.contains(g) {
                "failed"
            } else {
                "passed"
            };
            json!({"name": g, "status": status, "duration_ms": 1000})
        })
        .collect();
    json!({
        "captured_at": at, "run_id": id, "branch": branch, "commit": "c0ffee",
        "decision": if failed.is_empty() { "SHIP" } else { "NO-SHIP" },
        "ok": failed.is_empty(), "failed_steps": failed, "step_count": 3,
        "lane": "daily", "release_dry_run": true, "steps": steps,
    })
}

/// A row as the Python reference wrote it.
fn reference_row(at: &str, failed: &[&str]) -> Value {
    json!({
        "captured_at": at, "decision": if failed.is_empty() { "SHIP" } else { "NO-SHIP" },
        "ok": failed.is_empty(), "failed_steps": failed, "step_count": 3,
        "selected_python": "/usr/bin/python3",
    })
}

fn write_jsonl(repo: &Repo, rel: &str, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    repo.write(rel, &text);
}

/// `ops weekly --format json` at `NOW`; the scorecard it printed equals the one it wrote.
fn weekly(repo: &Repo, extra: &[&str]) -> Value {
    weekly_at(repo, NOW, extra)
}

/// `ops weekly --format json` with the clock pinned to `now`.
fn weekly_at(repo: &Repo, now: &str, extra: &[&str]) -> Value {
    let mut args = vec!["ops", "weekly", "--format", "json"];
    args.extend_from_slice(extra);
    let out = repo
        .sdetkit(&args)
        .env("SDETKIT_NOW", now)
        .output()
        .unwrap();
    // Exit 1 is contract health (stale daily lane in most of these histories), tested apart.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, repo.json(CARD));
    printed
}

fn kpi<'a>(card: &'a Value, scope: &str, window: &str, name: &str) -> &'a Value {
    let set = match scope {
        "overall" => &card["overall"][window],
        branch => &card["branches"][branch][window],
    };
    &set["kpis"][name]
}

#[test]
fn kpi_formulas_have_known_answers() {
    let repo = Repo::new();
    write_jsonl(
        &repo,
        DB,
        &[
            // 20 days ago: only in the 30-day window.
            row(
                "2026-11-05T12:00:00+00:00",
                "old",
                "main",
                &["gate-release"],
            ),
            row("2026-11-19T12:00:00+00:00", "a", "main", &["gate-fast"]),
            row("2026-11-20T12:00:00+00:00", "b", "main", &[]),
            reference_row("2026-11-21T12:00:00.000000+00:00", &["doctor"]),
            row("2026-11-22T12:00:00+00:00", "c", "dev", &[]),
            row("2026-11-23T12:00:00+00:00", "d", "main", &[]),
        ],
    );
    repo.write("build/evidence/verified-packs.jsonl", &format!(
        "{}\n{}\nnot json\n",
        json!({"run_id": "b", "pack": "build/evidence/evidence-b.zip", "sha256": "00", "verified_at": NOW}),
        json!({"run_id": "c", "pack": "build/evidence/evidence-c.zip", "sha256": "11", "verified_at": NOW}),
    ));
    let card = weekly(&repo, &[]);
    let ship = kpi(&card, "overall", "7d", "ship_rate");
    assert_eq!(
        (ship["numerator"].clone(), ship["denominator"].clone()),
        (json!(3), json!(5))
    );
    assert_eq!(ship["value"], json!(60.0));
    assert_eq!(ship["numerator_ids"], json!(["b", "c", "d"]));
    assert_eq!(
        kpi(&card, "overall", "30d", "gate_release_failure_rate")["numerator_ids"],
        json!(["old"])
    );
    // The reference row ran all three gates and failed the doctor.
    let doctor = kpi(&card, "overall", "7d", "doctor_failure_rate");
    assert_eq!(
        doctor["numerator_ids"],
        json!(["2026-11-21T12:00:00.000000+00:00"])
    );
    assert_eq!(doctor["denominator"], json!(5));
    let coverage = kpi(&card, "overall", "7d", "evidence_pack_coverage");
    assert_eq!(
        (coverage["numerator"].clone(), coverage["value"].clone()),
        (json!(2), json!(40.0))
    );
    // `main`: its own rows plus the branchless one; `dev` has one run: not enough data.
    assert_eq!(
        kpi(&card, "main", "7d", "ship_rate")["ids"],
        json!(["a", "b", "2026-11-21T12:00:00.000000+00:00", "d"])
    );
    let dev = kpi(&card, "dev", "7d", "ship_rate");
    assert_eq!(dev["status"], "insufficient-data");
    assert_eq!(dev["value"], Value::Null);
    assert_eq!(dev["note"], "needs at least 3 runs, has 2");
    // Red streaks: old (5th) → b (20th) = 15 days, opened outside the window; reference
    // NO-SHIP (21st) → c (22nd) overall = 1 day, → d (23rd) on main = 2 days.
    let mttg = kpi(&card, "overall", "7d", "mean_time_to_green");
    assert_eq!(
        (mttg["value"].clone(), mttg["unit"].clone()),
        (json!(8.0 * 86400.0), json!("seconds"))
    );
    assert_eq!(mttg["ids"], json!(["b", "c"]));
    assert_eq!(
        kpi(&card, "main", "7d", "mean_time_to_green")["value"],
        json!(8.5 * 86400.0)
    );
    assert!(
        card["branches"]["main"]["7d"]["kpis"]
            .get("rollback_rate")
            .is_none()
    );
    assert_eq!(card["overall"]["7d"]["open_red_streak"], Value::Null);
}

#[test]
fn an_open_red_streak_is_reported_apart_and_old_rows_keep_its_true_start() {
    let repo = Repo::new();
    let mut rows = vec![row("2026-08-01T00:00:00+00:00", "green", "main", &[])];
    // 100 days ago, far outside the 8-week horizon: the streak opens there.
    rows.push(row(
        "2026-08-17T12:00:00+00:00",
        "first-red",
        "main",
        &["gate-fast"],
    ));
    rows.push(row(
        "2026-11-24T12:00:00+00:00",
        "still-red",
        "main",
        &["gate-fast"],
    ));
    write_jsonl(&repo, DB, &rows);
    let card = weekly(&repo, &[]);
    let open = &card["overall"]["7d"]["open_red_streak"];
    assert_eq!(open["id"], "first-red");
    assert_eq!(open["age_seconds"], json!(100 * 86400));
    let mttg = kpi(&card, "overall", "30d", "mean_time_to_green");
    assert_eq!(mttg["status"], "insufficient-data");
    assert_eq!(mttg["note"], "needs at least 1 closed red streaks, has 0");
}

#[test]
fn as_of_pins_utc_windows_and_ignores_later_runs() {
    let repo = Repo::new();
    write_jsonl(
        &repo,
        DB,
        &[
            row("2026-11-10T09:59:59+00:00", "before", "main", &[]),
            row("2026-11-10T10:00:01+00:00", "inside", "main", &[]),
            row("2026-11-17T10:00:00+00:00", "edge", "main", &[]),
            row("2026-11-17T10:00:01+00:00", "after", "main", &[]),
        ],
    );
    // 12:00 at +02:00 is 10:00 UTC: the 7-day window is (Nov 10 10:00, Nov 17 10:00] UTC.
    let card = weekly(&repo, &["--as-of", "2026-11-17T12:00:00+02:00"]);
    assert_eq!(card["as_of"], "2026-11-17T10:00:00.000000+00:00");
    assert_eq!(
        kpi(&card, "overall", "7d", "ship_rate")["ids"],
        json!(["inside", "edge"])
    );
    assert_eq!(
        kpi(&card, "overall", "30d", "ship_rate")["ids"],
        json!(["before", "inside", "edge"])
    );
    repo.sdetkit(&["ops", "weekly", "--as-of", "last tuesday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--as-of last tuesday"));
}

#[test]
fn corrupt_rows_are_skipped_and_counted() {
    let repo = Repo::new();
    let good = row("2026-11-24T12:00:00+00:00", "ok", "main", &[]);
    repo.write(DB, &format!("{good}\n{{\"decision\": \"SHIP\"\nnot json\n{{\"captured_at\": \"x\", \"decision\": \"SHIP\"}}\n"));
    let card = weekly(&repo, &[]);
    assert_eq!(card["corrupt_rows"]["event_log"], json!(3));
    assert_eq!(card["overall"]["7d"]["runs"], json!(1));
}

fn commit_at(repo: &Repo, date: &str, file: &str, message: &str) -> String {
    repo.write(file, message);
    repo.git_at(date, &["add", "-A"]);
    repo.git_at(date, &["commit", "-q", "-m", message]);
    repo.git(&["rev-parse", "HEAD"])
}

#[test]
fn rollbacks_by_revert_by_downgrade_and_by_explicit_event() {
    let repo = Repo::new();
    let feature = commit_at(&repo, "2026-11-01T10:00:00Z", "feature.txt", "feature");
    repo.git_at("2026-11-01T10:00:00Z", &["tag", "v1.0.0"]);
    commit_at(&repo, "2026-11-10T10:00:00Z", "more.txt", "more");
    repo.git_at(
        "2026-11-10T10:00:00Z",
        &["tag", "-a", "-m", "annotated", "v1.1.0"],
    );
    // Reverting a commit that shipped in v1.0.0 is a rollback, dated by the revert.
    repo.git_at("2026-11-20T10:00:00Z", &["revert", "--no-edit", &feature]);
    // A release whose version is below an earlier one is a rollback too.
    commit_at(&repo, "2026-11-21T10:00:00Z", "back.txt", "back");
    repo.git_at("2026-11-21T10:00:00Z", &["tag", "v1.0.1"]);
    // Reverting a commit no release contains is not a rollback.
    let unreleased = commit_at(&repo, "2026-11-22T10:00:00Z", "wip.txt", "wip");
    repo.git_at(
        "2026-11-22T11:00:00Z",
        &["revert", "--no-edit", &unreleased],
    );
    repo.sdetkit(&["ops", "record", "release", "--version", "2.0.0"])
        .env("SDETKIT_NOW", "2026-11-23T10:00:00Z")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "recorded release-2.0.0-20261123T100000Z",
        ));
    repo.sdetkit(&[
        "ops",
        "record",
        "rollback",
        "--version",
        "2.0.0",
        "--reason",
        "bad migration",
    ])
    .env("SDETKIT_NOW", "2026-11-24T10:00:00Z")
    .assert()
    .success();
    let ledger = std::fs::read_to_string(repo.file("build/ops/release-events.jsonl")).unwrap();
    let rows: Vec<Value> = ledger
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["commit"], json!(repo.git(&["rev-parse", "HEAD"])));
    assert_eq!(rows[1]["reason"], "bad migration");
    assert_eq!(rows[1]["kind"], "rollback");
    let card = weekly(&repo, &[]);
    let week = kpi(&card, "overall", "7d", "rollback_rate");
    assert_eq!(
        week["ids"],
        json!(["tag:v1.0.1", "event:release-2.0.0-20261123T100000Z"])
    );
    let revert = &week["numerator_ids"][0];
    assert!(revert.as_str().unwrap().starts_with("revert:"), "{week:#}");
    assert_eq!(
        week["numerator_ids"].as_array().unwrap()[1..],
        [
            json!("tag:v1.0.1"),
            json!("event:rollback-2.0.0-20261124T100000Z")
        ]
    );
    assert_eq!(
        (week["numerator"].clone(), week["value"].clone()),
        (json!(3), json!(150.0))
    );
    assert_eq!(
        kpi(&card, "overall", "30d", "rollback_rate")["denominator"],
        json!(4)
    );
}

#[test]
fn record_needs_a_version_and_a_reason() {
    let repo = Repo::new();
    repo.sdetkit(&["ops", "record", "rollback", "--version", "1.0.0"])
        .assert()
        .code(2);
    repo.sdetkit(&["ops", "record", "release", "--version", " "])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--version must not be empty"));
}

/// Rows on `main` for consecutive weekly windows, the last ending at `NOW`: one list of
/// outcomes (true = SHIP) per window, oldest first, a run every 6 hours from the window's
/// second day (runs that fail, fail the fast gate).
fn weeks(repo: &Repo, windows: &[&[bool]]) {
    let end: jiff::Timestamp = NOW.parse().unwrap();
    let mut rows = Vec::new();
    for (w, outcomes) in windows.iter().enumerate() {
        let back = (windows.len() - w) as i64 * 7 * 24;
        for (i, ship) in outcomes.iter().enumerate() {
            let hours = back - 24 - 6 * i as i64;
            let at = end
                .checked_sub(jiff::SignedDuration::from_hours(hours))
                .unwrap();
            let failed: &[&str] = if *ship { &[] } else { &["gate-fast"] };
            rows.push(row(&at.to_string(), &format!("w{w}r{i}"), "main", failed));
        }
    }
    write_jsonl(repo, DB, &rows);
}

/// `(kpi, branch)` of each incident in `list`.
fn scopes(list: &Value) -> Vec<(String, Value)> {
    let list = list.as_array().unwrap();
    list.iter()
        .map(|i| (i["kpi"].as_str().unwrap().to_string(), i["branch"].clone()))
        .collect()
}

const GREEN: &[bool] = &[true, true, true, true];

#[test]
fn a_branch_with_its_own_numbers_keeps_its_own_incident() {
    let repo = Repo::new();
    weeks(
        &repo,
        &[
            GREEN,
            &[false, true, true, true],
            &[true, false, false, false],
        ],
    );
    // Four green runs on `dev` in each of those weeks: the overall series is no longer
    // `main`'s, so `main` degrading is a cause of its own.
    let db = repo.file(DB);
    let mut log = std::fs::read_to_string(&db).unwrap();
    let end: jiff::Timestamp = NOW.parse().unwrap();
    for w in 0..3i64 {
        for i in 0..4i64 {
            let hours = (3 - w) * 7 * 24 - 26 - 6 * i;
            let at = end
                .checked_sub(jiff::SignedDuration::from_hours(hours))
                .unwrap();
            let dev = row(&at.to_string(), &format!("dev{w}r{i}"), "dev", &[]);
            log.push_str(&format!("{dev}\n"));
        }
    }
    std::fs::write(&db, log).unwrap();
    let card = weekly(&repo, &[]);
    let main = json!("main");
    assert_eq!(
        scopes(&card["incidents"]),
        vec![
            ("gate_fast_failure_rate".to_string(), Value::Null),
            ("ship_rate".to_string(), Value::Null),
            ("gate_fast_failure_rate".to_string(), main.clone()),
            ("ship_rate".to_string(), main),
        ]
    );
    // The page shows one block per KPI, with the other scope and the step behind it.
    let page = std::fs::read_to_string(repo.file("build/ops/weekly/index.html")).unwrap();
    assert_eq!(
        page.matches("<div class=\"incident\">").count(),
        2,
        "{page}"
    );
    assert!(
        page.contains("also: ship_rate on <code>main</code>"),
        "{page}"
    );
    let incidents = &page[page.find("<h2>KPI incidents</h2>").unwrap()..];
    assert!(
        !incidents.contains('`'),
        "no Markdown backticks on the page"
    );
    assert!(
        page.contains("step behind it: <code>gate-fast</code>"),
        "{page}"
    );
}

#[test]
fn one_bad_window_is_not_an_incident() {
    let repo = Repo::new();
    weeks(&repo, &[GREEN, GREEN, &[true, false, true, false]]);
    let card = weekly(&repo, &[]);
    assert_eq!(card["incidents"], json!([]));
    assert_eq!(
        repo.json("build/ops/weekly/kpi-incidents.json")["open"],
        json!([])
    );
    let trend = repo.json("build/ops/weekly/kpi-trend.json");
    let ship: Vec<Value> = trend["overall"]["ship_rate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["value"].clone())
        .collect();
    assert_eq!(ship[5..], [json!(100.0), json!(100.0), json!(50.0)]);
    assert_eq!(ship[0], Value::Null, "an empty window has no value");
}

#[test]
fn two_bad_windows_open_an_incident_with_a_p0_and_recovery_closes_it() {
    let repo = Repo::new();
    let (w5, w6, w7): (&[bool], &[bool], &[bool]) = (
        GREEN,
        &[false, true, true, true],
        &[true, false, false, false],
    );
    weeks(&repo, &[w5, w6, w7]);
    let card = weekly(&repo, &[]);
    // Every run is on `main`: the branch repeats the overall series, one cause, one incident.
    let expected = vec![
        ("gate_fast_failure_rate".to_string(), Value::Null),
        ("ship_rate".to_string(), Value::Null),
    ];
    assert_eq!(scopes(&card["incidents"]), expected);
    let incidents = repo.json("build/ops/weekly/kpi-incidents.json");
    let ship = &incidents["open"][1];
    assert_eq!(ship["values"], json!([100.0, 75.0, 25.0]));
    assert_eq!(
        ship["windows"][2]["end"],
        "2026-11-25T12:00:00.000000+00:00"
    );
    assert_eq!(ship["opened_at"], "2026-11-25T12:00:00.000000+00:00");

    // The daily follow-up carries it as a P0.
    repo.sdetkit(&["ops", "followup"])
        .env("SDETKIT_NOW", NOW)
        .assert()
        .success();
    let followup = repo.json("build/ops/followup.json");
    let titles: Vec<&Value> = followup["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["priority"] == "P0")
        .map(|r| &r["title"])
        .collect();
    assert!(
        titles.contains(&&json!(
            "KPI incident: ship_rate degraded two windows in a row"
        )),
        "{followup:#}"
    );

    // A green week later: no longer degrading, so the incidents close.
    weeks(&repo, &[GREEN, w5, w6, w7, GREEN]);
    let later = "2026-12-02T12:00:00Z";
    let card = weekly_at(&repo, later, &[]);
    assert_eq!(card["incidents"], json!([]));
    let incidents = repo.json("build/ops/weekly/kpi-incidents.json");
    assert_eq!(scopes(&incidents["closed"]), expected);
    assert_eq!(
        incidents["closed"][1]["opened_at"],
        "2026-11-25T12:00:00.000000+00:00"
    );
    assert_eq!(
        incidents["closed"][1]["closed_at"],
        "2026-12-02T12:00:00.000000+00:00"
    );
}

/// A row whose gate durations are given (ms) and whose commit is `commit`.
fn timed_row(at: &str, id: &str, commit: &str, fast_ms: u64, failed: &[&str]) -> Value {
    let mut r = row(at, id, "main", failed);
    r["commit"] = json!(commit);
    r["steps"][0]["duration_ms"] = json!(fast_ms);
    r
}

#[test]
fn guidance_names_failing_slow_and_flaky_steps_with_actions() {
    let repo = Repo::new();
    write_jsonl(
        &repo,
        DB,
        &[
            // Last week: gate-fast around 1 s.
            timed_row("2026-11-12T12:00:00+00:00", "p1", "c1", 1000, &[]),
            timed_row("2026-11-13T12:00:00+00:00", "p2", "c1", 1000, &[]),
            // This week: 2–10 s, and commit c2 failed the fast gate, then passed.
            timed_row("2026-11-20T12:00:00+00:00", "a", "c2", 2000, &["gate-fast"]),
            timed_row("2026-11-20T13:00:00+00:00", "b", "c2", 3000, &[]),
            timed_row(
                "2026-11-21T12:00:00+00:00",
                "c",
                "c3",
                10000,
                &["gate-fast", "doctor"],
            ),
            reference_row("2026-11-22T12:00:00.000000+00:00", &["gate-fast"]),
        ],
    );
    weekly(&repo, &[]);
    let g = repo.json("build/ops/weekly/guidance.json");
    let failing = &g["most_failing"];
    assert_eq!(failing[0]["step"], "gate-fast");
    assert_eq!(
        (failing[0]["failures"].clone(), failing[0]["runs"].clone()),
        (json!(3), json!(4))
    );
    assert_eq!(
        failing[0]["ids"],
        json!(["a", "c", "2026-11-22T12:00:00.000000+00:00"])
    );
    assert!(
        failing[0]["action"]
            .as_str()
            .unwrap()
            .contains("rerun `sdetkit gate fast`")
    );
    assert_eq!(failing[1]["step"], "doctor");
    let slow = &g["slowest"][0];
    assert_eq!(slow["step"], "gate-fast");
    assert_eq!(
        (slow["median_ms"].clone(), slow["p90_ms"].clone()),
        (json!(3000), json!(10000))
    );
    assert_eq!(
        (slow["previous_median_ms"].clone(), slow["trend"].clone()),
        (json!(1000), json!("slower"))
    );
    let flaky = &g["flaky"];
    assert_eq!(flaky.as_array().unwrap().len(), 1);
    assert_eq!(
        flaky[0]["occurrences"],
        json!([{"commit": "c2", "failed_run": "a", "passed_run": "b"}])
    );
    let md = std::fs::read_to_string(repo.file("build/ops/weekly/guidance.md")).unwrap();
    assert!(
        md.contains(
            "## Flaky candidates\n\n- `gate-fast` failed then passed on the same inputs 1 time(s)"
        ),
        "{md}"
    );
}

const HEALTH: &str = "build/ops/weekly/contract-health.json";

#[test]
fn contract_health_passes_on_valid_fresh_artifacts() {
    let repo = Repo::new();
    write_jsonl(
        &repo,
        DB,
        &[row("2026-11-25T02:00:00+00:00", "r1", "main", &[])],
    );
    repo.sdetkit(&["ops", "record", "release", "--version", "1.0.0"])
        .env("SDETKIT_NOW", NOW)
        .assert()
        .success();
    repo.sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", NOW)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("contract health: OK"));
    let health = repo.json(HEALTH);
    assert_eq!(health["ok"], json!(true), "{health:#}");
    assert_eq!(health["freshness"][0]["age_hours"], json!(10.0));
    assert_eq!(health["freshness"][1]["fresh"], json!(true));
}

#[test]
fn schema_violations_name_the_file_line_and_pointer_and_fail_the_lane_but_rows_only_warn() {
    let repo = Repo::new();
    let mut bad = row("2026-11-25T02:00:00+00:00", "r1", "main", &[]);
    bad["steps"][1]["status"] = json!("maybe");
    write_jsonl(
        &repo,
        DB,
        &[row("2026-11-25T01:00:00+00:00", "r0", "main", &[]), bad],
    );
    repo.write(
        "build/first-proof/gate-fast.json",
        "{\"schema_version\": \"sdetkit.gate.v1\", \"gate\": \"fast\"}\n",
    );
    repo.write("build/ops/followup.json", "{\"oops\": ");
    let out = repo
        .sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", NOW)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sdetkit: warning: contract: build/first-proof/first-proof-learning-db.jsonl:2: /steps/1/status: "), "{stderr}");
    assert!(
        stderr.contains(
            "sdetkit: contract: build/first-proof/gate-fast.json: /: \"ok\" is a required property"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("sdetkit: contract: build/ops/followup.json: not valid JSON"),
        "{stderr}"
    );
    let health = repo.json(HEALTH);
    assert_eq!(health["ok"], json!(false));
    assert_eq!(
        health["warnings"].as_array().unwrap().len(),
        1,
        "{health:#}"
    );
    assert!(
        health["violations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.as_str().unwrap().starts_with("build/"))
    );
}

#[test]
fn a_stale_daily_lane_fails_contract_health() {
    let repo = Repo::new();
    write_jsonl(
        &repo,
        DB,
        &[row("2026-11-24T09:59:00+00:00", "r1", "main", &[])],
    );
    repo.sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", NOW)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "daily lane stale: last run 2026-11-24T09:59:00.000000+00:00 is 1d02h old (max 1d02h",
        ));
}

#[test]
fn a_repository_that_never_ran_says_so_and_how_not_stale() {
    let repo = Repo::new();
    let out = repo.sdetkit(&["ops", "weekly"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no daily run yet (nothing in build/first-proof/first-proof-learning-db.jsonl): run `sdetkit ops daily`"),
        "{err}"
    );
    assert!(!err.contains("stale"), "{err}");
}

#[test]
fn real_daily_artifacts_satisfy_their_schemas() {
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -e build/fail.flag\"\n",
    );
    repo.write("build/fail.flag", "");
    repo.sdetkit(&["ops", "daily"])
        .env("SDETKIT_NOW", "2026-11-25T10:00:00Z")
        .assert()
        .success();
    std::fs::remove_file(repo.file("build/fail.flag")).unwrap();
    repo.sdetkit(&["ops", "daily"])
        .env("SDETKIT_NOW", "2026-11-25T11:00:00Z")
        .assert()
        .success();
    let out = repo
        .sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", NOW)
        .output()
        .unwrap();
    let health = repo.json(HEALTH);
    assert_eq!(out.status.code(), Some(0), "{health:#}");
    let present = health["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["present"] == true)
        .count();
    assert_eq!(present, 18, "all but the release ledger: {health:#}");
    let card = repo.json(CARD);
    let mttg = kpi(&card, "overall", "7d", "mean_time_to_green");
    assert_eq!(mttg["value"], json!(3600.0));
}

/// The Chromium binary, if installed.
fn chromium() -> Option<String> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        found
            .status
            .success()
            .then(|| String::from_utf8_lossy(&found.stdout).trim().to_string())
    })
}

/// Runs headless Chromium on `page` with `extra` flags; returns (stdout, stderr).
fn headless(page: &std::path::Path, extra: &[String]) -> (String, String) {
    let browser = chromium().expect("checked by the caller");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_html_report_renders_in_chromium_without_console_errors() {
    if chromium().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI"
        );
        println!("note: chromium not installed; the HTML report was not rendered");
        return;
    }
    let repo = Repo::new();
    weeks(
        &repo,
        &[
            GREEN,
            GREEN,
            GREEN,
            &[false, true, true, true],
            &[true, false, false, false],
        ],
    );
    weekly(&repo, &[]);
    let page = repo.file("build/ops/weekly/index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing the page could fetch: no script, stylesheet link, image source or CSS url.
    for fetch in ["<script", "<link", "src=", "url("] {
        assert!(!html.contains(fetch), "self-contained: found {fetch}");
    }
    let (dom, stderr) = headless(&page, &["--dump-dom".to_string()]);
    assert!(
        dom.contains("Weekly reliability report") && dom.contains("KPI incident: ship_rate"),
        "{dom}"
    );
    assert_eq!(
        dom.matches("<svg").count(),
        8,
        "runs per week + 7 KPI trends"
    );
    // The ship-rate chart and card carry the default threshold profile's target (0.5); a
    // KPI without a single value says so; the open incident's windows are marked on its series.
    assert!(
        dom.contains("\ntarget 50\n") && dom.contains("target: at least 50 %"),
        "{dom}"
    );
    assert!(
        dom.contains("\nno data\n"),
        "rollbacks were never recorded: {dom}"
    );
    assert!(dom.contains("ship rate (%) · incident"), "{dom}");
    // Steps and tests as tables, with their runs.
    let guidance = &dom[dom.find("<h2>Guidance</h2>").unwrap()..];
    assert!(
        guidance.contains(
            "<h3>Most-failing steps</h3><table><thead><tr><th>step</th><th>failed</th><th>runs</th>"
        ),
        "{guidance}"
    );
    assert!(
        guidance.contains("<h3>Most-failing tests</h3>"),
        "{guidance}"
    );
    let shot = repo.file("build/ops/weekly/screenshot.png");
    let (_, shot_err) = headless(&page, &[format!("--screenshot={}", shot.display())]);
    for log in [&stderr, &shot_err] {
        assert!(!log.contains("CONSOLE"), "console message: {log}");
    }
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

/// The page's guidance names the runs behind each entry, linked to their CI run when the row
/// recorded one, and no Markdown syntax shows on it.
#[test]
fn guidance_on_the_page_links_runs_to_their_ci_runs() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"exit 1\"\n");
    for run in ["41", "42"] {
        repo.sdetkit(&["ops", "daily", "--ci", "none", "--no-strict"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", run)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "o/r")
            .assert()
            .success();
    }
    repo.sdetkit(&["ops", "weekly"]).assert().success();
    let page = std::fs::read_to_string(repo.file("build/ops/weekly/index.html")).unwrap();
    assert!(
        page.contains("<a href=\"https://github.com/o/r/actions/runs/42\"><code>"),
        "{page}"
    );
    assert!(
        page.contains("<code>gate-fast/unit</code> failed 2 of 2 runs"),
        "{page}"
    );
    let guidance = &page[page.find("<h2>Guidance</h2>").unwrap()..];
    assert!(!guidance.contains('`'), "no Markdown backticks on the page");
}

#[test]
fn dora_keys_come_from_tags_the_commits_they_ship_hotfixes_and_rollbacks() {
    let repo = Repo::new();
    let commit = |date: &str, subject: &str| {
        repo.write("f", subject);
        repo.git_at(date, &["add", "f"]);
        repo.git_at(date, &["commit", "-q", "-m", subject]);
    };
    let tag = |name: &str| repo.git(&["tag", name]);
    commit("2026-10-01T12:00:00Z", "first");
    tag("v1.0.0"); // before the window: it only bounds what v1.1.0 shipped
    commit("2026-11-01T12:00:00Z", "feature a");
    commit("2026-11-03T12:00:00Z", "feature b");
    tag("v1.1.0");
    commit("2026-11-04T12:00:00Z", "Hotfix: b broke c");
    tag("v1.1.1");
    commit("2026-11-10T12:00:00Z", "feature d");
    commit("2026-11-20T12:00:00Z", "feature e");
    tag("v1.2.0");
    repo.sdetkit(&[
        "ops",
        "record",
        "rollback",
        "--version",
        "1.2.0",
        "--reason",
        "e",
    ])
    .env("SDETKIT_NOW", "2026-11-21T12:00:00Z")
    .assert()
    .success();
    let card = weekly(&repo, &[]);
    let dora = &card["dora"];
    assert_eq!(dora["window_days"], 30, "{card:#}");
    // 3 releases in 30 days: more than monthly, less than weekly.
    assert_eq!(dora["deployment_frequency"]["value"], json!(0.1));
    assert_eq!(dora["deployment_frequency"]["band"], "medium");
    // A tag is dated by its commit: waits of 2 days, 0, 0, 10 days, 0; the median is 0.
    assert_eq!(dora["lead_time_for_changes"]["sample"], 5);
    assert_eq!(dora["lead_time_for_changes"]["value"], json!(0.0));
    assert_eq!(dora["lead_time_for_changes"]["band"], "elite");
    // v1.1.0 needed a hotfix, v1.2.0 was rolled back: 2 of 3.
    assert_eq!(dora["change_failure_rate"]["value"], json!(66.67));
    assert_eq!(dora["change_failure_rate"]["band"], "low");
    // No red streak closed: no time to restore, and it says why.
    assert_eq!(dora["time_to_restore"]["value"], Value::Null);
    assert!(dora["time_to_restore"]["note"].is_string());
    let md = std::fs::read_to_string(repo.file("build/ops/weekly/kpi-scorecard.md")).unwrap();
    assert!(
        md.contains("| change failure rate | 66.7 % of 3 deployments | low |"),
        "{md}"
    );
    let page = std::fs::read_to_string(repo.file("build/ops/weekly/index.html")).unwrap();
    assert!(
        page.contains("<h2>Delivery (DORA keys, last 30 days)</h2>"),
        "{page}"
    );
}

/// Eight weeks of runs on two branches and reference rows, every fourth failing, a flaky
/// pair among them, and rows from before the horizon that open a red streak.
fn mixed_history() -> Vec<Value> {
    let end: jiff::Timestamp = NOW.parse().unwrap();
    let mut rows = vec![row("2026-08-01T00:00:00Z", "old-red", "main", &["doctor"])];
    for i in 0..200i64 {
        let at = end
            .checked_sub(jiff::SignedDuration::from_hours(5 + 6 * i))
            .unwrap()
            .to_string();
        let failed: &[&str] = if i % 4 == 0 { &["gate-fast"] } else { &[] };
        rows.push(match i % 5 {
            0 => reference_row(&at, failed),
            1 | 2 => row(&at, &format!("m{i}"), "main", failed),
            _ => timed_row(&at, &format!("f{i}"), &format!("c{}", i / 2), 900, failed),
        });
    }
    rows.sort_by_key(|r| {
        r["captured_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
    });
    rows
}

/// Every artifact of `ops weekly` at `NOW` but its own run history.
fn weekly_artifacts(repo: &Repo) -> Vec<(String, Vec<u8>)> {
    weekly_artifacts_at(repo, NOW)
}

/// Every artifact of `ops weekly` at `now` but its own run history and the pass's checkpoint
/// (a cache, which a log out of order does not leave).
fn weekly_artifacts_at(repo: &Repo, now: &str) -> Vec<(String, Vec<u8>)> {
    weekly_at(repo, now, &[]);
    let dir = repo.file("build/ops/weekly");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "jsonl"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_same_history_gives_the_same_bytes_in_every_artifact_and_the_page() {
    let repo = Repo::new();
    write_jsonl(&repo, DB, &mixed_history());
    let first = weekly_artifacts(&repo);
    assert!(first.iter().any(|(name, _)| name == "index.html"));
    for _ in 0..3 {
        assert!(
            weekly_artifacts(&repo) == first,
            "a second run wrote other bytes"
        );
    }
}

#[test]
fn a_log_out_of_time_order_gives_what_the_same_log_in_order_gives() {
    let rows = mixed_history();
    let in_order = Repo::new();
    write_jsonl(&in_order, DB, &rows);
    // A clock set back: late rows first, and a row from before the horizon after them.
    let mut shuffled = rows.clone();
    shuffled.reverse();
    shuffled.swap(0, 1);
    let out_of_order = Repo::new();
    write_jsonl(&out_of_order, DB, &shuffled);
    let card = weekly(&in_order, &[]);
    assert!(
        kpi(&card, "overall", "30d", "ship_rate")["denominator"]
            .as_u64()
            .unwrap()
            > 100
    );
    let mttg = kpi(&card, "main", "30d", "mean_time_to_green");
    assert!(
        mttg["numerator_ids"]
            .as_array()
            .is_some_and(|ids| !ids.is_empty()),
        "{mttg}"
    );
    // Contract health dates the daily lane by the log's last row, which is not the newest
    // here: only what the KPI pass computes must agree.
    let computed = |files: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        files
            .into_iter()
            .filter(|(name, _)| name != "contract-health.json")
            .collect()
    };
    same(
        &computed(weekly_artifacts(&in_order)),
        &computed(weekly_artifacts(&out_of_order)),
        "out of order",
    );
}

const CHECKPOINT: &str = "build/ops/weekly/.pass.checkpoint.json";

/// Asserts two runs' artifacts are the same bytes, naming the first file that is not.
fn same(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)], what: &str) {
    let names = |x: &[(String, Vec<u8>)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}");
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(
            x == y,
            "{what}: {name} differs:\n{}\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

/// The artifacts of a pass that reads the whole log (no checkpoint) at `now`.
fn full_read_at(repo: &Repo, now: &str) -> Vec<(String, Vec<u8>)> {
    let _ = std::fs::remove_file(repo.file(CHECKPOINT));
    weekly_artifacts_at(repo, now)
}

#[test]
fn the_pass_starts_where_the_rows_before_the_horizon_end_with_a_full_read_s_results() {
    // A year of old runs (a red streak among them) before the eight weeks of mixed_history.
    let mut rows: Vec<Value> = (0..60)
        .map(|day| {
            let at = format!("2026-0{}-{:02}T08:00:00Z", 3 + day / 28, 1 + day % 28);
            let failed: &[&str] = if day % 7 < 2 { &["gate-fast"] } else { &[] };
            row(&at, &format!("old{day}"), "main", failed)
        })
        .collect();
    rows.extend(mixed_history());
    let repo = Repo::new();
    write_jsonl(&repo, DB, &rows);
    let full = full_read_at(&repo, NOW);
    let saved: Value = repo.json(CHECKPOINT);
    let offset = saved["mark"]["offset"].as_u64().unwrap();
    assert!(
        offset > 60 * 200,
        "the 61 old rows are behind the mark: {saved}"
    );
    same(&weekly_artifacts(&repo), &full, "resumed");

    // The rows behind the mark are not read again: damage there (far from the mark's seal)
    // goes unseen until a full read counts it, as with the learning checkpoint.
    let log = repo.file(DB);
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[0] = b'x';
    std::fs::write(&log, &bytes).unwrap();
    let corrupt = |repo: &Repo| repo.json(CARD)["corrupt_rows"]["event_log"].clone();
    weekly(&repo, &[]);
    assert_eq!(corrupt(&repo), 0);
    full_read_at(&repo, NOW);
    assert_eq!(corrupt(&repo), 1);
    // Mended the same way, it stays counted until a full read: the checkpoint carries it.
    bytes[0] = b'{';
    std::fs::write(&log, &bytes).unwrap();
    weekly(&repo, &[]);
    assert_eq!(corrupt(&repo), 1);

    // Time moves on: a day later, the resumed pass still equals a full read.
    let later = "2026-11-26T12:00:00Z";
    full_read_at(&repo, NOW);
    let resumed = weekly_artifacts_at(&repo, later);
    same(&resumed, &full_read_at(&repo, later), "a day later");
    // An earlier as_of reaches back before the mark: a full read.
    let earlier = "2026-11-10T12:00:00Z";
    weekly_artifacts_at(&repo, later);
    same(
        &weekly_artifacts_at(&repo, earlier),
        &full_read_at(&repo, earlier),
        "earlier",
    );
    // A rewritten log (its first row dropped): the mark no longer fits, a full read.
    weekly_artifacts_at(&repo, NOW);
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.split_once('\n').unwrap().1).unwrap();
    same(
        &weekly_artifacts(&repo),
        &full_read_at(&repo, NOW),
        "rewritten",
    );
    // A checkpoint that is not one (damaged, hand-edited) is only a full read.
    std::fs::write(repo.file(CHECKPOINT), "{\"mark\": 3").unwrap();
    same(
        &weekly_artifacts(&repo),
        &full_read_at(&repo, NOW),
        "damaged",
    );
}

//! Event log v2: every run's row keeps the v1 fields and adds its steps, what it checked
//! (input digest, dirty), where it ran (CI) and which repository it is, with a run id unique
//! across processes even when the clock is pinned.

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::Repo;

const LOG: &str = "build/first-proof/first-proof-learning-db.jsonl";

fn rows(repo: &Repo) -> Vec<Value> {
    std::fs::read_to_string(repo.file(LOG))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn repo() -> Repo {
    Repo::releasable(
        "[[gate.fast.steps]]\nid = \"lint\"\nrun = \"echo ok\"\n[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -e FAIL || { echo 'error: the widget broke'; exit 1; }\"\n",
    )
}

#[test]
fn rows_keep_v1_and_add_steps_digest_dirty_and_identity() {
    let repo = repo();
    let daily = || {
        repo.sdetkit(&["ops", "daily"])
            .env("SDETKIT_NOW", "2026-11-25T12:00:00Z")
            .assert()
            .success();
    };
    daily();
    daily();
    repo.write("FAIL", "");
    daily();
    let rows = rows(&repo);
    for key in [
        "captured_at",
        "decision",
        "ok",
        "failed_steps",
        "step_count",
        "steps",
    ] {
        assert!(rows[0].get(key).is_some(), "v1 field {key}");
    }
    assert_eq!(rows[0]["schema_version"], "sdetkit.event-log-row.v2");
    assert_ne!(
        rows[0]["run_id"], rows[1]["run_id"],
        "unique with a pinned clock"
    );
    assert_eq!(
        rows[0]["input_digest"], rows[1]["input_digest"],
        "same tree, same digest"
    );
    assert_ne!(
        rows[1]["input_digest"], rows[2]["input_digest"],
        "a new file changes it"
    );
    assert_eq!(
        (rows[1]["dirty"].clone(), rows[2]["dirty"].clone()),
        (false.into(), true.into())
    );
    assert!(rows[0]["repo"].as_str().unwrap().starts_with("root:"));
    let steps = rows[2]["step_results"].as_array().unwrap();
    let unit = steps
        .iter()
        .find(|s| s["gate"] == "fast" && s["id"] == "unit")
        .unwrap();
    assert_eq!(
        (
            unit["status"].clone(),
            unit["rc"].clone(),
            unit["classification"].clone()
        ),
        ("failed".into(), 1.into(), "unknown".into())
    );
    assert!(
        steps
            .iter()
            .any(|s| s["gate"] == "release" && s["id"] == "version")
    );
    assert!(
        steps
            .iter()
            .any(|s| s["gate"] == "doctor" && s["id"] == "readme")
    );
    assert!(
        rows.iter().all(|r| r.get("ci").is_none()),
        "no CI outside CI"
    );
    // Contract health validates the v2 rows against the shipped schema.
    repo.sdetkit(&["ops", "weekly"])
        .env("SDETKIT_NOW", "2026-11-25T12:00:00Z")
        .assert()
        .success();
}

#[test]
fn ci_metadata_and_the_branch_of_a_detached_ci_checkout() {
    let repo = repo();
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["checkout", "-q", "--detach", &head]);
    repo.sdetkit(&["ops", "daily"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_RUN_ID", "77")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("GITHUB_JOB", "daily")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_REF_NAME", "main")
        .env_remove("FIRST_PROOF_BRANCH")
        .assert()
        .success();
    let row = &rows(&repo)[0];
    assert_eq!(row["branch"], "main", "{row:#}");
    assert_eq!(row["ci"]["provider"], "github");
    assert_eq!(row["ci"]["url"], "https://github.com/o/r/actions/runs/77");
    assert_eq!(row["ci"]["job"], "daily");
}

#[test]
fn a_junit_file_the_step_did_not_write_is_not_this_runs() {
    // The step writes its report, unless the build breaks first (as a compile error would).
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"sh t.sh\"\njunit = \"reports/unit.xml\"\n",
    );
    repo.write(
        "t.sh",
        "if [ -e BREAK ]; then echo 'error: the build broke'; exit 1; fi\nmkdir -p reports\n\
         cat > reports/unit.xml <<'X'\n<testsuite name=\"calc\">\
         <testcase classname=\"calc\" name=\"adds\" time=\"0.01\"/>\
         <testcase classname=\"calc\" name=\"divides\" time=\"0.02\"><failure message=\"boom\"/></testcase>\
         </testsuite>\nX\nexit 1\n",
    );
    repo.commit("unit step");
    let daily = || {
        repo.sdetkit(&["ops", "daily"]).assert().success();
        let gate = repo.json("build/first-proof/gate-fast.json");
        let first = crate::support::step(&gate, "unit")["first_failure"].clone();
        (rows(&repo).pop().unwrap(), first)
    };
    let (row, first) = daily();
    assert_eq!(row["tests"].as_array().map(Vec::len), Some(2), "{row:#}");
    assert_eq!(first["test"], "divides");
    repo.write("BREAK", "");
    let (row, first) = daily();
    assert!(row.get("tests").is_none(), "{row:#}");
    assert_eq!(first["message"], "error: the build broke", "{first:#}");
}

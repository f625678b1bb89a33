//! Learning that does not cry wolf (issue "Real repositories, first contact" §6): a failure
//! fixed in the work tree is not flaky, rehearsals are not judged, and a breach on the first
//! runs after `init` is not escalated to an owner.

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::Repo;

const NOW: &str = "2026-11-25T12:00:00Z";

/// A committed repository whose one step fails while `FAIL` exists in the work tree.
fn repo() -> Repo {
    Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -e FAIL\"\n")
}

fn run(repo: &Repo, args: &[&str]) {
    repo.sdetkit(args).env("SDETKIT_NOW", NOW).output().unwrap();
}

fn titles(repo: &Repo) -> Vec<String> {
    crate::support::titles(&repo.json("build/ops/followup.json"))
}

#[test]
fn a_failure_fixed_in_the_work_tree_is_not_flaky() {
    let repo = repo();
    // Fails because of an uncommitted file, then passes once it is gone: a fix, on the same
    // commit, but with a dirty tree.
    repo.write("FAIL", "");
    run(&repo, &["ops", "daily"]);
    std::fs::remove_file(repo.file("FAIL")).unwrap();
    run(&repo, &["ops", "daily"]);
    let rows: Vec<Value> =
        std::fs::read_to_string(repo.file("build/first-proof/first-proof-learning-db.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(
        (rows[0]["dirty"].clone(), rows[1]["dirty"].clone()),
        (true.into(), false.into())
    );
    run(&repo, &["ops", "weekly"]);
    let g = repo.json("build/ops/weekly/guidance.json");
    assert_eq!(g["flaky"], serde_json::json!([]), "{g:#}");
}

#[test]
fn rehearsals_are_recorded_but_a_branch_is_not_judged_by_them() {
    let repo = repo();
    repo.write("FAIL", "");
    repo.write(".gitignore", "/build/\nFAIL\n");
    repo.commit("ignore the switch");
    for _ in 0..4 {
        run(&repo, &["ops", "premerge", "--fast"]);
    }
    let t = repo.json("build/first-proof/weekly-threshold-check.json");
    assert_eq!(t["total_runs"], 0, "{t:#}");
    assert_eq!(t["breach"], false);
    let rollup = repo.json("build/first-proof/first-proof-learning-rollup.json");
    assert_eq!(rollup["summary"]["total_runs"], 4, "still recorded");
}

#[test]
fn the_first_runs_after_init_are_not_escalated() {
    let repo = repo();
    repo.write("FAIL", "");
    repo.write(".gitignore", "/build/\nFAIL\n");
    repo.commit("ignore the switch");
    // `main`'s profile judges from 5 runs: a breach, but not yet a full window of 7.
    for _ in 0..5 {
        run(&repo, &["ops", "daily"]);
    }
    let t = repo.json("build/first-proof/weekly-threshold-check.json");
    assert_eq!(t["breach"], true, "{t:#}");
    let first = titles(&repo);
    assert!(
        first.contains(&"P1 Threshold breach on a small sample".to_string()),
        "{first:?}"
    );
    assert!(!first.iter().any(|t| t.contains("escalation")), "{first:?}");
    let md = std::fs::read_to_string(repo.file("build/ops/followup.md")).unwrap();
    assert!(md.contains("- Threshold: **breached**"), "{md}");
    assert!(!md.contains("True") && !md.contains("False"), "{md}");
    for _ in 0..2 {
        run(&repo, &["ops", "daily"]);
    }
    assert!(titles(&repo).contains(&"P0 Threshold breach escalation".to_string()));
    repo.sdetkit(&["ops", "followup-contract"])
        .assert()
        .success();
}

/// Ten daily runs of a real repository with a mix of step failures: the weekly guidance
/// names the right most-failing step, the slowest step and the flaky one, at step level.
#[test]
fn ten_daily_runs_give_step_level_guidance() {
    let state = tempfile::tempdir().unwrap();
    let counter = state.path().join("n");
    std::fs::write(&counter, "0").unwrap();
    // `flaky` fails on the 2nd and 7th runs whatever the tree holds (its state lives outside
    // the repository); `unit` fails while `broken` is committed; `slow` takes 0.4 s.
    // `unit` prints libtest's lines (its failing test is read from the log); `flaky` writes a
    // JUnit file with its one test every run (so passes are recorded too).
    let flaky = state.path().join("flaky.sh");
    std::fs::write(
        &flaky,
        format!(
            "n=$(( $(cat {c}) + 1 )); echo $n > {c}\n\
             if test $n -eq 2 || test $n -eq 7; then f='<failure message=\"lost the race\"/>'; rc=1; else f=''; rc=0; fi\n\
             mkdir -p build; echo \"<testsuite name=\\\"go\\\"><testcase classname=\\\"pkg\\\" name=\\\"TestRace\\\" time=\\\"0.25\\\">$f</testcase></testsuite>\" > build/flaky.xml\n\
             exit $rc\n",
            c = counter.display()
        ),
    )
    .unwrap();
    let config = format!(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"if test -e broken; then echo 'test parse::empty ... FAILED'; echo 'test parse::ok ... ok'; exit 101; fi\"\n\
         [[gate.fast.steps]]\nid = \"flaky\"\nrun = \"sh {f}\"\njunit = \"build/flaky.xml\"\n\
         [[gate.fast.steps]]\nid = \"slow\"\nrun = \"sleep 0.4\"\n",
        f = flaky.display()
    );
    let repo = Repo::releasable(&config);
    // Every step runs every time: the guidance counts runs and durations.
    let daily = || run(&repo, &["ops", "daily", "--no-cache"]);
    daily();
    daily();
    repo.write("broken", "");
    repo.commit("break unit");
    daily();
    daily();
    daily();
    std::fs::remove_file(repo.file("broken")).unwrap();
    repo.commit("fix unit");
    for _ in 0..5 {
        daily();
    }
    run(&repo, &["ops", "weekly"]);
    let g = repo.json("build/ops/weekly/guidance.json");
    let top = &g["most_failing"][0];
    assert_eq!(
        (
            top["step"].clone(),
            top["failures"].clone(),
            top["runs"].clone()
        ),
        ("gate-fast/unit".into(), 3.into(), 10.into()),
        "{g:#}"
    );
    assert_eq!(g["most_failing"][1]["step"], "gate-fast/flaky");
    assert_eq!(g["slowest"][0]["step"], "gate-fast/slow", "{g:#}");
    let flaky: Vec<&str> = g["flaky"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["step"].as_str().unwrap())
        .collect();
    // The 2nd run failed, the 3rd ran on other inputs (unit broken): no pair yet. The fix
    // restores the 2nd run's content, so the 6th run pairs with it; the 7th and 8th runs
    // share their input digest too. `unit` never fails and passes on the same inputs.
    assert_eq!(flaky, ["gate-fast/flaky"], "{g:#}");
    let pairs = g["flaky"][0]["occurrences"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{pairs:#?}");
    assert!(
        g["flaky"][0]["occurrences"][0]["input_digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(
        g["most_failing"][0]["action"]
            .as_str()
            .unwrap()
            .contains("sdetkit gate fast --only unit")
    );
    // Tests: the one `unit` named failing in its log three times, of the three runs that
    // recorded it; `flaky`'s JUnit test failed twice in ten, then passed on the same inputs.
    let test = &g["failing_tests"][0];
    assert_eq!(
        (
            test["step"].clone(),
            test["failures"].clone(),
            test["runs"].clone()
        ),
        ("unit::parse::empty".into(), 3.into(), 3.into()),
        "{g:#}"
    );
    assert_eq!(g["failing_tests"][1]["step"], "flaky::TestRace", "{g:#}");
    assert_eq!(g["failing_tests"][1]["runs"], 10, "{g:#}");
    let flaky_tests: Vec<&str> = g["flaky_tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["step"].as_str().unwrap())
        .collect();
    assert_eq!(flaky_tests, ["flaky::TestRace"], "{g:#}");
    let f = repo.json("build/ops/followup.json");
    assert!(
        f.to_string()
            .contains("Reduce recurring failures in gate-fast/flaky")
            || f["decision"] == "SHIP"
    );
}

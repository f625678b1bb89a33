//! `gate fast`, `gate release`, `doctor`: the built binary against temporary repositories
//! whose steps really pass, fail, hang, crash and cannot start.

use crate::support::{Repo, step};
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

fn config(repo: &Repo, toml: &str) {
    repo.write("sdetkit.toml", toml);
    repo.commit("config");
}

#[test]
fn step_outcomes_pass_fail_timeout_crash_missing() {
    let repo = Repo::new();
    config(
        &repo,
        r#"
[[gate.fast.steps]]
id = "pass"
run = "echo fine"
[[gate.fast.steps]]
id = "fail"
run = "echo 'error: the widget broke' >&2; exit 3"
[[gate.fast.steps]]
id = "hang"
run = "sleep 30"
timeout = "300ms"
[[gate.fast.steps]]
id = "crash"
run = "kill -SEGV $$"
[[gate.fast.steps]]
id = "missing"
run = "no-such-program-sdetkit --flag"
"#,
    );
    repo.sdetkit(&["gate", "fast"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("gate-fast: FAIL"));
    let gate = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(gate["ok"], false);
    assert_eq!(
        gate["failed_steps"],
        serde_json::json!(["fail", "hang", "crash", "missing"])
    );
    assert_eq!(step(&gate, "pass")["status"], "passed");
    assert_eq!(step(&gate, "pass")["rc"], 0);
    let fail = step(&gate, "fail");
    assert_eq!(fail["status"], "failed");
    assert_eq!(fail["rc"], 3);
    assert!(
        fail["first_failure"]["message"]
            .as_str()
            .unwrap()
            .contains("the widget broke")
    );
    let hang = step(&gate, "hang");
    assert_eq!(hang["status"], "timed_out");
    assert_eq!(hang["rc"], serde_json::Value::Null);
    assert_eq!(hang["first_failure"]["classification"], "timeout");
    let crash = step(&gate, "crash");
    assert_eq!(crash["status"], "failed");
    assert_eq!(crash["rc"], 128 + 11);
    assert!(crash["message"].as_str().unwrap().contains("SIGSEGV"));
    let missing = step(&gate, "missing");
    assert_eq!(missing["status"], "error");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("no-such-program-sdetkit")
    );
    let log = std::fs::read_to_string(repo.file("build/first-proof/logs/fast/fail.log")).unwrap();
    assert!(log.contains("the widget broke"));
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let repo = Repo::new();
    let marker = repo.file("grandchild-alive");
    config(
        &repo,
        &format!(
            r#"
[runner]
kill_grace = "200ms"
[[gate.fast.steps]]
id = "forker"
run = "sh -c 'trap \"\" TERM; sleep 2; touch {}' & sleep 30"
timeout = "300ms"
"#,
            marker.display()
        ),
    );
    repo.sdetkit(&["gate", "fast"]).assert().code(1);
    assert_eq!(
        step(&repo.json("build/first-proof/gate-fast.json"), "forker")["status"],
        "timed_out"
    );
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(
        !marker.exists(),
        "a grandchild that ignores SIGTERM survived the timeout"
    );
}

#[test]
fn needs_orders_steps_and_skips_dependents_of_failures() {
    let repo = Repo::new();
    let order = repo.file("order.txt");
    config(
        &repo,
        &format!(
            r#"
[[gate.fast.steps]]
id = "second"
run = "echo second >> {o}"
needs = ["first"]
[[gate.fast.steps]]
id = "first"
run = "sleep 0.2; echo first >> {o}"
[[gate.fast.steps]]
id = "broken"
run = "exit 1"
[[gate.fast.steps]]
id = "after-broken"
run = "echo never >> {o}"
needs = ["broken"]
"#,
            o = order.display()
        ),
    );
    repo.sdetkit(&["gate", "fast"]).assert().code(1);
    assert_eq!(std::fs::read_to_string(&order).unwrap(), "first\nsecond\n");
    let gate = repo.json("build/first-proof/gate-fast.json");
    let skipped = step(&gate, "after-broken");
    assert_eq!(skipped["status"], "skipped");
    assert!(
        skipped["message"]
            .as_str()
            .unwrap()
            .contains("needs `broken`")
    );
    assert_eq!(gate["failed_steps"], serde_json::json!(["broken"]));
}

#[test]
fn independent_steps_overlap_in_time() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"sleep 0.5\"\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"sleep 0.5\"\n",
    );
    repo.sdetkit(&["gate", "fast", "--jobs", "2"])
        .assert()
        .success();
    let gate = repo.json("build/first-proof/gate-fast.json");
    let span = |id| {
        let s = step(&gate, id);
        let start = s["started_ms"].as_u64().unwrap();
        (start, start + s["duration_ms"].as_u64().unwrap())
    };
    let (a0, a1) = span("a");
    let (b0, b1) = span("b");
    assert!(
        a0 < b1 && b0 < a1,
        "a={a0}..{a1} b={b0}..{b1} do not overlap"
    );
}

#[test]
fn jobs_one_runs_steps_one_at_a_time() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"sleep 0.2\"\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"sleep 0.2\"\n",
    );
    repo.sdetkit(&["gate", "fast", "-j", "1"])
        .assert()
        .success();
    let gate = repo.json("build/first-proof/gate-fast.json");
    let a = step(&gate, "a");
    let b = step(&gate, "b");
    let a_end = a["started_ms"].as_u64().unwrap() + a["duration_ms"].as_u64().unwrap();
    assert!(b["started_ms"].as_u64().unwrap() >= a_end);
}

#[test]
fn a_gate_with_no_steps_fails() {
    let repo = Repo::new();
    repo.sdetkit(&["gate", "fast"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Nothing was checked"));
    let gate = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(gate["ok"], false);
    assert_eq!(gate["executed"], 0);
}

#[test]
fn only_and_skip_select_steps_and_reject_unknown_ids() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"true\"\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"exit 1\"\n",
    );
    repo.sdetkit(&["gate", "fast", "--only", "a"])
        .assert()
        .success();
    repo.sdetkit(&["gate", "fast", "--skip", "b"])
        .assert()
        .success();
    repo.sdetkit(&["gate", "fast", "--skip", "zzz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown step id `zzz`"));
}

#[test]
fn stable_json_is_byte_identical_across_runs() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"a\"\nrun = \"echo hi\"\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"echo 'error: x' && exit 2\"\n",
    );
    let run = || {
        let out = repo
            .sdetkit(&[
                "gate",
                "fast",
                "--no-cache",
                "--format",
                "json",
                "--stable-json",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        (
            out.stdout,
            std::fs::read(repo.file("build/first-proof/gate-fast.json")).unwrap(),
        )
    };
    let (first_stdout, first_file) = run();
    let (second_stdout, second_file) = run();
    assert_eq!(first_stdout, second_stdout);
    assert_eq!(first_file, second_file);
    let text = String::from_utf8(first_file).unwrap();
    assert!(!text.contains("duration_ms") && !text.contains(repo.path().to_str().unwrap()));
}

#[test]
fn bad_config_is_exit_2_with_file_and_line() {
    let cases = [
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nbogus = 1\n",
            ":4:",
            "bogus",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\n[[gate.fast.steps]]\nid = \"a\"\nrun = \"y\"\n",
            ":5:",
            "duplicate",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nneeds = [\"b\"]\n[[gate.fast.steps]]\nid = \"b\"\nrun = \"x\"\nneeds = [\"a\"]\n",
            ":2:",
            "cycle",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\nneeds = [\"nope\"]\n",
            ":4:",
            "unknown step `nope`",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"x\"\ntimeout = \"10\"\n",
            ":4:",
            "unit",
        ),
        ("[gate.fast\n", ":1:", ""),
    ];
    for (toml, line, words) in cases {
        let repo = Repo::new();
        repo.write("sdetkit.toml", toml);
        let out = repo.sdetkit(&["gate", "fast"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(&format!("sdetkit.toml{line}")), "{stderr}");
        assert!(stderr.contains(words), "{stderr}");
        assert!(
            !repo.file("build/first-proof/gate-fast.json").exists(),
            "no artifact on bad input"
        );
    }
}

#[test]
fn secrets_never_reach_logs() {
    let repo = Repo::new();
    let token = format!("ghp_{}", "A1b2C3d4".repeat(5));
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"leak\"\nrun = \"echo token=$DEPLOY_TOKEN; echo shaped=$SHAPED\"\n",
    );
    repo.sdetkit(&["gate", "fast"])
        .env("DEPLOY_TOKEN", "hunter2-deploy-value")
        .env("SHAPED", &token)
        .assert()
        .success();
    let log = std::fs::read_to_string(repo.file("build/first-proof/logs/fast/leak.log")).unwrap();
    assert_eq!(log, "token=[REDACTED]\nshaped=[REDACTED]\n");
}

#[test]
fn unknown_flag_is_exit_2() {
    let repo = Repo::new();
    repo.sdetkit(&["gate", "fast", "--bogus"]).assert().code(2);
    repo.sdetkit(&["gate", "nope"]).assert().code(2);
}

#[test]
fn missing_root_is_a_one_line_error() {
    let mut cmd = crate::support::sdetkit();
    cmd.args(["--root", "/definitely/not/here", "gate", "fast"]);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("no such directory"));
}

#[test]
fn huge_output_is_capped_with_a_marker() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"loud\"\nrun = \"yes 'all good here, nothing to see' | head -c 20000000\"\n",
    );
    repo.sdetkit(&["gate", "fast"]).assert().success();
    let log = std::fs::read(repo.file("build/first-proof/logs/fast/loud.log")).unwrap();
    assert!(log.len() < 17 * 1024 * 1024, "log is {} bytes", log.len());
    let tail = String::from_utf8_lossy(&log[log.len() - 200..]).to_string();
    assert!(
        tail.contains("[sdetkit: log truncated at 16 MiB;"),
        "{tail}"
    );
    let gate = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(step(&gate, "loud")["log_truncated"], true);
}

#[test]
fn out_writes_the_report_to_a_file_and_md_renders_a_table() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n",
    );
    let out = repo.file("report.md");
    repo.sdetkit(&[
        "gate",
        "fast",
        "--format",
        "md",
        "--out",
        out.to_str().unwrap(),
    ])
    .assert()
    .success()
    .stdout(predicate::str::is_empty());
    let md = std::fs::read_to_string(out).unwrap();
    assert!(md.starts_with("### sdetkit gate-fast: OK"), "{md}");
    assert!(md.contains("| `unit` | PASS |"), "{md}");
}

#[test]
fn a_python_tool_that_is_not_installed_is_an_error_with_a_hint() {
    let repo = Repo::new();
    config(
        &repo,
        "[[gate.fast.steps]]\nid = \"tests\"\nrun = \"python3 -m sdetkit_surely_not_a_module -q\"\n[[gate.fast.steps]]\nid = \"import-error\"\nrun = \"python3 -c 'import sdetkit_surely_not_a_module'\"\n",
    );
    repo.sdetkit(&["gate", "fast"]).assert().code(1);
    let gate = repo.json("build/first-proof/gate-fast.json");
    let tests = step(&gate, "tests");
    assert_eq!(tests["status"], "error");
    assert!(
        tests["message"]
            .as_str()
            .unwrap()
            .contains("python3 -m pip install sdetkit_surely_not_a_module"),
        "{tests}"
    );
    assert_eq!(
        step(&gate, "import-error")["status"],
        "failed",
        "a missing import inside the code under test is a failure, not a missing tool"
    );
}

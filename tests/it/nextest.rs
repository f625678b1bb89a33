//! cargo-nextest steps feed the per-test history from the JUnit report sdetkit asks of them
//! (`gate::nextest`): every test with its status and duration, the repository's own nextest
//! configuration keeping priority, the rerun as plain as the step, and never an earlier
//! run's report. They run the real cargo-nextest on a tiny crate with no dependencies, and
//! are skipped, saying so, where it is not installed.

use serde_json::Value;

use crate::support::{Repo, step};

const LOG: &str = "build/first-proof/first-proof-learning-db.jsonl";
const REPORT: &str = "build/first-proof/nextest/fast/cargo-nextest.xml";

/// The crate's source file: `adds` passes, `also_fails` and `fails` fail.
const MAIN: &str = r#"fn add(a: u32, b: u32) -> u32 {
    a + b
}

fn main() {
    println!("{}", add(1, 2));
}

#[cfg(test)]
mod tests {
    use super::add;

    #[test]
    fn adds() {
        assert_eq!(add(1, 2), 3);
    }

    #[test]
    fn fails() {
        assert_eq!(add(1, 2), 4);
    }

    #[test]
    fn also_fails() {
        assert_eq!(add(2, 2), 5);
    }
}
"#;

/// A committed binary crate (no library, so no doctest step to build) of [`MAIN`],
/// auto-detected (no `sdetkit.toml`); `None`, saying the test is skipped, where
/// cargo-nextest is not on PATH.
fn tiny_crate() -> Option<Repo> {
    if !crate::support::nextest_installed() {
        eprintln!("skipped: cargo-nextest is not on PATH");
        return None;
    }
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write("src/main.rs", MAIN);
    repo.commit("tiny crate");
    Some(repo)
}

/// Runs the daily lane (NO-SHIP exits 0 outside CI) with the crate built in `target`, outside
/// the repository; returns the run's event-log row.
fn daily(repo: &Repo, target: &std::path::Path) -> Value {
    let mut cmd = repo.sdetkit(&["ops", "daily", "--no-setup"]);
    cmd.env("CARGO_TARGET_DIR", target);
    // Run by nextest (sdetkit's own gate), this test inherits the variables nextest gives
    // its tests, which the inner nextest would obey (NEXTEST_TEST_THREADS over the
    // repository's test-threads): the inner run starts from a developer's environment.
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NEXTEST")) {
        cmd.env_remove(name);
    }
    crate::support::output_of(&mut cmd);
    let log = std::fs::read_to_string(repo.file(LOG)).unwrap();
    serde_json::from_str(log.lines().last().unwrap()).unwrap()
}

/// The row's tests as `(id, status)`, sorted (the report lists them as they finished), after
/// checking each has its step and a duration.
fn tests(row: &Value, step: &str) -> Vec<(String, String)> {
    let Some(tests) = row["tests"].as_array() else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = tests
        .iter()
        .map(|t| {
            assert!(t["step"] == step && t["duration_ms"].is_u64(), "{t}");
            let text = |key: &str| t[key].as_str().unwrap().to_string();
            (text("id"), text("status"))
        })
        .collect();
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(id, status)| (id.to_string(), status.to_string()))
        .collect()
}

#[test]
fn every_test_reaches_the_event_log_and_an_earlier_report_never_does() {
    let Some(repo) = tiny_crate() else {
        return;
    };
    // Two test binaries with a test of the same name: two tests in the history, not one.
    for file in ["tests/a.rs", "tests/b.rs"] {
        repo.write(file, "#[test]\nfn works() {}\n");
    }
    repo.commit("two integration tests");
    let target = tempfile::tempdir().unwrap();
    let row = daily(&repo, target.path());
    // fail-fast is off for sdetkit's run: the second failure is recorded too. Each test is
    // named as nextest names it, binary first, so the two `works` stay two.
    assert_eq!(
        tests(&row, "cargo-nextest"),
        pairs(&[
            ("tiny::a works", "passed"),
            ("tiny::b works", "passed"),
            ("tiny::bin/tiny tests::adds", "passed"),
            ("tiny::bin/tiny tests::also_fails", "failed"),
            ("tiny::bin/tiny tests::fails", "failed"),
        ]),
        "{row:#}"
    );
    // The step is what it was detected as; its rerun is plain nextest.
    let gate = repo.json("build/first-proof/gate-fast.json");
    let nextest = step(&gate, "cargo-nextest");
    assert_eq!(nextest["cmd"], "cargo nextest run");
    let rerun = nextest["first_failure"]["next_command"].as_str().unwrap();
    assert!(
        rerun.starts_with("cargo nextest run -p tiny --bin tiny tests::")
            && !rerun.contains("sdetkit"),
        "{rerun}"
    );
    assert!(repo.file(REPORT).is_file());

    // The build breaks: nextest writes no report, and the last one is not this run's.
    repo.write(
        "src/main.rs",
        &format!("{MAIN}\nfn broken() -> u32 {{ \"x\" }}\n"),
    );
    let row = daily(&repo, target.path());
    assert_eq!(tests(&row, "cargo-nextest"), Vec::new(), "{row:#}");
    assert!(!repo.file(REPORT).exists());
}

#[test]
fn the_repository_nextest_configuration_keeps_priority() {
    let Some(repo) = tiny_crate() else {
        return;
    };
    repo.write(
        ".config/nextest.toml",
        "[profile.default]\nfail-fast = true\ntest-threads = 1\n\n[profile.ci]\nfail-fast = false\nretries = 1\n",
    );
    repo.commit("nextest configuration");
    let target = tempfile::tempdir().unwrap();
    // Its default profile stops at the first failure: one test after it never ran.
    let row = daily(&repo, target.path());
    assert_eq!(
        tests(&row, "cargo-nextest"),
        pairs(&[
            ("tiny::bin/tiny tests::adds", "passed"),
            ("tiny::bin/tiny tests::also_fails", "failed")
        ]),
        "{row:#}"
    );
    // A step naming a profile runs with that profile's settings (a retry), and reports.
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"ci-tests\"\nrun = \"cargo nextest run --profile ci\"\n",
    );
    repo.commit("sdetkit.toml");
    let row = daily(&repo, target.path());
    assert_eq!(tests(&row, "ci-tests").len(), 3, "{row:#}");
    let log =
        std::fs::read_to_string(repo.file("build/first-proof/logs/fast/ci-tests.log")).unwrap();
    assert!(log.contains("TRY 2 FAIL"), "{log}");
}

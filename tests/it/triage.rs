//! `sdetkit investigate failure` driven as a user would: the fixture corpus of real tool
//! output, the error contract, the renderers, and logs too large to hold in memory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn sdetkit() -> Command {
    assert_cmd::cargo_bin_cmd!("sdetkit")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs")
}

/// Runs `investigate failure --format json` in `dir` and parses the answer.
fn investigate(dir: &Path, args: &[&str]) -> Value {
    let out = sdetkit()
        .current_dir(dir)
        .args(["investigate", "failure", "--format", "json"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("json output")
}

/// Every `<name>.log` (with `<name>.junit.xml` when present) gives `<name>.expected.json`.
#[test]
fn corpus_answers_match_expectations() {
    let dir = corpus();
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for expected in entries
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
    {
        let name = expected
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".expected.json", "");
        let log = format!("{name}.log");
        let junit = format!("{name}.junit.xml");
        let mut args = vec!["--log", log.as_str()];
        if dir.join(&junit).exists() {
            args.extend(["--junit", junit.as_str()]);
        }
        let mut got = investigate(&dir, &args);
        let excerpt = got.as_object_mut().unwrap().remove("excerpt").unwrap();
        let excerpt = excerpt.as_str().unwrap();
        assert!(excerpt.lines().count() <= 20, "{name}: excerpt too long");
        assert_eq!(
            got["step"],
            Value::from(name.as_str()),
            "{name}: step is the log's stem"
        );
        got.as_object_mut().unwrap().remove("step");
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
        assert_eq!(got, want, "{name}");
        assert_eq!(
            excerpt.is_empty(),
            got["layer"] == "none",
            "{name}: excerpt iff found"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} fixtures");
}

#[test]
fn missing_log_is_a_one_line_error() {
    let out = sdetkit()
        .args(["investigate", "failure", "--log", "no/such.log"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(out).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("sdetkit: error: no/such.log: cannot read: "),
        "{stderr}"
    );
}

/// Runs `investigate failure` on a log and a JUnit file `results.xml` holding `xml`.
fn with_junit(log: &str, xml: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("step.log"), log).unwrap();
    std::fs::write(dir.path().join("results.xml"), xml).unwrap();
    sdetkit()
        .current_dir(dir.path())
        .args([
            "investigate",
            "failure",
            "--log",
            "step.log",
            "--junit",
            "results.xml",
        ])
        .assert()
}

#[test]
fn malformed_junit_names_file_and_line() {
    let xml = "<testsuites>\n  <testsuite name=\"a\">\n    <testcase name=\"x\"></testsuite>\n</testsuites>\n";
    let out = with_junit("error: boom\n", xml)
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(out).unwrap();
    let want = "sdetkit: error: results.xml:3: malformed JUnit XML: ";
    assert!(stderr.starts_with(want), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn truncated_junit_is_malformed_too() {
    let xml = "<testsuites>\n<testsuite name=\"a\">\n<testcase name=\"x\">";
    with_junit("", xml)
        .code(2)
        .stderr(predicates::str::contains(
            "results.xml:3: malformed JUnit XML",
        ));
}

#[test]
fn passing_junit_falls_through_to_the_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ci.log"),
        "src/a.py:3: error: bad type  [misc]\n",
    )
    .unwrap();
    let xml = "<testsuite name=\"pytest\"><testcase classname=\"tests.test_a\" name=\"test_ok\"/></testsuite>";
    std::fs::write(dir.path().join("ok.xml"), xml).unwrap();
    let got = investigate(
        dir.path(),
        &["--log", "ci.log", "--junit", "ok.xml", "--step", "types"],
    );
    assert_eq!(got["step"], "types");
    assert_eq!(got["classification"], "type");
    assert_eq!(got["layer"], "runner");
}

#[test]
fn text_and_markdown_show_the_answer() {
    let dir = corpus();
    let text = sdetkit()
        .current_dir(&dir)
        .args([
            "investigate",
            "failure",
            "--log",
            "pytest_two_failures.log",
            "--color",
            "never",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with("first failure in pytest_two_failures: test (runner layer)\n"),
        "{text}"
    );
    assert!(
        text.contains("  rerun    python -m pytest -q tests/test_calc.py::TestAdd::test_two\n"),
        "{text}"
    );
    let out = tempfile::tempdir().unwrap();
    let md = out.path().join("ff.md");
    sdetkit()
        .current_dir(&dir)
        .args([
            "investigate",
            "failure",
            "--log",
            "gotest_verbose.log",
            "--format",
            "md",
            "--out",
        ])
        .arg(&md)
        .assert()
        .success()
        .stdout("");
    let md = std::fs::read_to_string(md).unwrap();
    assert!(
        md.starts_with("### First failure in `gotest_verbose`: test\n"),
        "{md}"
    );
    assert!(
        md.contains("- **rerun** `go test example.com/calc -run '^TestAdd$'`"),
        "{md}"
    );
    assert!(md.contains("```text\n"), "{md}");
}

#[test]
fn output_is_deterministic() {
    let run = || {
        sdetkit()
            .current_dir(corpus())
            .args([
                "investigate",
                "failure",
                "--log",
                "ci_decorated.log",
                "--format",
                "json",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(run(), run());
}

#[test]
fn paths_under_the_current_directory_become_relative() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let log = format!("Diff in {}/src/lib.rs:4:\n-fn a(){{}}\n", root.display());
    std::fs::write(root.join("fmt.log"), log).unwrap();
    let got = investigate(&root, &["--log", "fmt.log"]);
    assert_eq!(got["file"], "src/lib.rs");
    assert_eq!(got["classification"], "format");
    assert!(
        !got.to_string().contains(&root.display().to_string()),
        "{got}"
    );
}

/// A log larger than the reader's buffer, with the first failure straddling a refill and
/// look-back context from before it, still gives the same answer.
#[test]
fn large_log_failure_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Vec::with_capacity(12 << 20);
    let mut i = 0;
    while log.len() < 10 << 20 {
        log.extend_from_slice(
            format!("2024-01-01T00:00:00.0000000Z step {i}: compiled module ok\n").as_bytes(),
        );
        i += 1;
    }
    log.extend_from_slice(b"=== RUN   TestLate\n    late_test.go:7: late failure\n--- FAIL: TestLate (0.01s)\nFAIL\texample.com/late\t0.1s\n");
    std::fs::write(dir.path().join("big.log"), log).unwrap();
    let got = investigate(dir.path(), &["--log", "big.log"]);
    assert_eq!(got["test"], "TestLate");
    assert_eq!(got["file"], "late_test.go");
    assert_eq!(got["line"], 7);
    assert_eq!(
        got["next_command"],
        "go test example.com/late -run '^TestLate$'"
    );
}

/// Arbitrary bytes never crash the analysis.
#[test]
fn binary_garbage_is_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    bytes.extend_from_slice(b"\nerror: after the garbage\n");
    std::fs::write(dir.path().join("junk.log"), bytes).unwrap();
    let got = investigate(dir.path(), &["--log", "junk.log"]);
    assert!(got["layer"].is_string());
}

/// Every failed gate step carries the first failure of its log; a JUnit file the step never
/// wrote does not hide the log, a malformed one is named.
#[test]
fn gate_steps_carry_their_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
[[gate.fast.steps]]
id = "types"
run = "printf 'checking\nsrc/a.py:3: error: bad type  [misc]\n'; exit 1"

[[gate.fast.steps]]
id = "unit"
run = "printf -- '--- FAIL: TestX (0.00s)\n    x_test.go:4: nope\nFAIL\texample.com/x\t0.1s\n'; exit 1"
junit = "never-written.xml"

[[gate.fast.steps]]
id = "broken"
run = "printf '<testsuites>\n<testcase>' > broken.xml; echo 'error: from the log'; exit 1"
junit = "broken.xml"
"#;
    std::fs::write(dir.path().join("sdetkit.toml"), config).unwrap();
    let out = sdetkit()
        .current_dir(dir.path())
        .args(["gate", "fast", "--format", "json", "--quiet"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let gate: Value = serde_json::from_slice(&out).unwrap();
    let first = |id: &str| {
        let steps = gate["steps"].as_array().unwrap();
        steps.iter().find(|s| s["id"] == id).unwrap()["first_failure"].clone()
    };
    assert_eq!(first("types")["next_command"], "mypy src/a.py");
    assert_eq!(first("types")["line"], 3);
    assert_eq!(first("unit")["test"], "TestX");
    assert_eq!(first("unit")["layer"], "runner");
    let broken = first("broken")["message"].as_str().unwrap().to_string();
    let want = "error: from the log (JUnit broken.xml:2 is malformed; answered from the log)";
    assert_eq!(broken, want);
}

/// The excerpt shows the first failure, not the one after it.
#[test]
fn excerpts_stop_at_the_next_failure() {
    let cases = [
        ("cargo_test.log", "tests::adds_two"),
        ("gotest_verbose.log", "TestSub"),
        ("pytest_two_failures.log", "test_three"),
        ("jest.log", "● sum › adds three"),
        ("vitest.log", "> sum > adds three"),
        ("nextest.log", "adds_two"),
    ];
    for (log, later) in cases {
        let got = investigate(&corpus(), &["--log", log]);
        let excerpt = got["excerpt"].as_str().unwrap();
        assert!(!excerpt.contains(later), "{log}: {excerpt}");
    }
}

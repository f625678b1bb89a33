//! `sdetkit investigate failure` driven as a user would: the fixture corpus of real tool
//! output, the error contract, the renderers, and logs too large to hold in memory.

use std::path::{Path, PathBuf};

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::sdetkit;

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

/// The placeholder fixture logs hold where the machine that captured them had the
/// repository's root (`/work/scratch/repos/cssstyle/test/a.js` is written
/// `/ROOT/test/a.js`); the corpus test puts the repository's root back in its place.
const ROOT: &[u8] = b"/ROOT";

/// The fixture corpus. Each case is `<name>.log`, real output of a real tool, and
/// `<name>.expected.json`, the answer (without its `step`, which is `<name>`, and its
/// `excerpt`); optionally
/// - `<name>.junit.xml`, the JUnit report of the same run, passed with `--junit`;
/// - `<name>.cmd.txt`, the command that wrote the log, passed with `--cmd`;
/// - `<name>.repo/`, the few repository files the answer depends on (manifests naming
///   packages, modules): not copies of the repository, just those facts.
///
/// Each case runs in a fresh directory that is `--root`: the `.repo/` files copied in, the
/// log and report written there with `/ROOT` replaced by that directory. Machine paths
/// other than the repository's root are left as the tool printed them.
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
        let case = tempfile::tempdir().unwrap();
        let root = case.path().canonicalize().unwrap();
        let repo = dir.join(format!("{name}.repo"));
        if repo.is_dir() {
            copy_tree(&repo, &root);
        }
        let log = format!("{name}.log");
        let junit = format!("{name}.junit.xml");
        place(&dir.join(&log), &root.join(&log));
        let mut args = vec!["--log".to_string(), log.clone()];
        if dir.join(&junit).exists() {
            place(&dir.join(&junit), &root.join(&junit));
            args.extend(["--junit".to_string(), junit]);
        }
        if let Ok(cmd) = std::fs::read_to_string(dir.join(format!("{name}.cmd.txt"))) {
            args.extend(["--cmd".to_string(), cmd.trim_end().to_string()]);
        }
        args.extend(["--root".to_string(), root.display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut got = investigate(&root, &args);
        let excerpt = got.as_object_mut().unwrap().remove("excerpt").unwrap();
        let excerpt = excerpt.as_str().unwrap();
        assert!(excerpt.lines().count() <= 20, "{name}: excerpt too long");
        assert!(
            !got.to_string().contains(&root.display().to_string())
                && !excerpt.contains(&root.display().to_string()),
            "{name}: the root's absolute path leaks: {got}"
        );
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
    assert!(checked >= 90, "only {checked} fixtures");
}

/// Copies a fixture file to `to`, the repository root put back in place of `/ROOT`.
fn place(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap();
    let root = to.parent().unwrap().display().to_string();
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while let Some(at) = rest.windows(ROOT.len()).position(|w| w == ROOT) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(root.as_bytes());
        rest = &rest[at + ROOT.len()..];
    }
    out.extend_from_slice(rest);
    std::fs::write(to, out).unwrap();
}

/// Copies the files under `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
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
    let first = failing_gate(dir.path(), config);
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

/// The answer for corpus log `fixture` (with `/ROOT` put back) in a repository holding
/// `files`, the step having run `cmd`.
fn in_repo(files: &[(&str, &str)], fixture: &str, cmd: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let log = format!("{fixture}.log");
    place(&corpus().join(&log), &root.join(&log));
    let mut args = vec!["--log", log.as_str(), "--root", "."];
    if let Some(cmd) = cmd {
        args.extend(["--cmd", cmd]);
    }
    investigate(&root, &args)
}

/// A `package.json` whose line 4 declares `name` at `version`.
fn package_json(name: &str, version: &str) -> String {
    format!(
        "{{\n  \"name\": \"demo\",\n  \"devDependencies\": {{\n    \"{name}\": \"{version}\"\n  }}\n}}\n"
    )
}

/// A version that does not exist is located where the repository asks for it.
#[test]
fn missing_versions_point_at_their_declaration() {
    let manifest = package_json("eslint", "99.99.99");
    let got = in_repo(
        &[("package.json", &manifest)],
        "cssstyle-npm-install-nover",
        Some("npm install"),
    );
    assert_eq!(
        (got["file"].as_str(), got["line"].as_u64()),
        (Some("package.json"), Some(4))
    );
    let manifest = package_json("jest", "99.99.99");
    for fixture in ["ms-pnpm-install-nover", "ms-pnpm-install-frozen-outdated"] {
        let got = in_repo(&[("package.json", &manifest)], fixture, None);
        assert_eq!(got["file"], "package.json", "{fixture}");
        assert_eq!(got["line"], 4, "{fixture}");
        assert_eq!(got["classification"], "dependency", "{fixture}");
    }
    // A tarball the lockfile pins and the registry lacks: the lockfile's entry.
    let lock = "{\n  \"packages\": {\n    \"node_modules/zshy\": {\n      \"version\": \"0.3.0\"\n    }\n  }\n}\n";
    let got = in_repo(
        &[
            ("package.json", &package_json("zshy", "^0.3.0")),
            ("package-lock.json", lock),
        ],
        "crossenv-npm-ci-e404",
        Some("npm ci"),
    );
    assert_eq!(got["file"], "package-lock.json");
    assert_eq!(got["line"], 3);
    assert_eq!(got["next_command"], "npm view zshy@0.3.0 version");
}

/// A tree-sitter corpus case is located at its heading in its corpus file.
#[test]
fn tree_sitter_cases_point_at_their_heading() {
    let corpus = "==================\nTop-level numbers\n==================\n\n1\n\n---\n\n(document (number))\n\n==================\nTop-level null\n==================\n\nnull\n\n---\n\n(document (null))\n";
    let got = in_repo(
        &[("test/corpus/main.txt", corpus)],
        "ts-corpus-fail",
        Some("make test"),
    );
    assert_eq!(got["file"], "test/corpus/main.txt");
    assert_eq!(got["line"], 12);
    assert_eq!(got["test"], "Top-level null");
}

/// A program a package script runs from `node_modules/.bin` means the dependencies are not
/// installed: the hint says how, with the repository's own package manager.
#[test]
fn a_missing_script_program_asks_for_the_dependencies() {
    let got = in_repo(
        &[("package.json", "{}\n"), ("package-lock.json", "{}\n")],
        "crossenv-missing-eslint",
        Some("npm run lint"),
    );
    assert_eq!(got["classification"], "environment");
    let message = got["message"].as_str().unwrap();
    assert!(message.starts_with("sh: 1: eslint: not found"), "{message}");
    assert!(message.contains("`eslint` is not installed"), "{message}");
    assert!(message.ends_with("npm ci)"), "{message}");
    assert_eq!(got["next_command"], "npm run lint");
    let got = in_repo(
        &[("pnpm-lock.yaml", "lockfileVersion: '9.0'\n")],
        "crossenv-missing-eslint",
        None,
    );
    assert_eq!(got["next_command"], "pnpm run lint");
    assert!(got["message"].as_str().unwrap().ends_with("pnpm install)"));
}

/// cargo reruns select packages as the repository needs: none in a one-package repository,
/// the member in a workspace.
#[test]
fn cargo_reruns_select_the_package_the_repository_needs() {
    let single = "[package]\nname = \"thiserror-impl\"\nversion = \"1.0.0\"\n";
    let got = in_repo(&[("Cargo.toml", single)], "rust-clippy-lint", None);
    assert_eq!(
        got["next_command"],
        "cargo clippy --all-targets -- -D warnings"
    );
    let virtual_ws = "[workspace]\nmembers = [\"impl\"]\n";
    let got = in_repo(
        &[
            ("Cargo.toml", virtual_ws),
            ("impl/Cargo.toml", "[package]\nname = \"thiserror-impl\"\n"),
        ],
        "rust-fmt",
        Some("cargo fmt --check"),
    );
    assert_eq!(got["next_command"], "cargo fmt --check -p thiserror-impl");
    assert_eq!(got["line"], 391);
    // Without the repository's manifests, the whole workspace is checked.
    let got = in_repo(&[], "rust-fmt", None);
    assert_eq!(got["next_command"], "cargo fmt --check");
}

/// A Go test in a package below the module root is located from the root and rerun there.
#[test]
fn go_tests_in_subpackages_are_located_from_the_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module example.com/calc\n").unwrap();
    let log = "--- FAIL: TestDivide (0.00s)\n    divide_test.go:18: got 1\nFAIL\nFAIL\texample.com/calc/internal/math\t0.01s\nFAIL\n";
    std::fs::write(dir.path().join("go.log"), log).unwrap();
    let got = investigate(dir.path(), &["--log", "go.log", "--root", "."]);
    assert_eq!(got["file"], "internal/math/divide_test.go");
    assert_eq!(
        got["next_command"],
        "go test ./internal/math -run '^TestDivide$'"
    );
}

/// Without the step's command a bare `gofmt -l` listing says nothing; with it, each file
/// listed is unformatted.
#[test]
fn a_gofmt_listing_needs_the_command() {
    let got = in_repo(&[], "jwt-gofmt-l", None);
    assert_eq!(got["layer"], "none");
    let got = in_repo(&[], "jwt-gofmt-l", Some("gofmt -s -l ."));
    assert_eq!(got["file"], "hmac.go");
    assert_eq!(got["next_command"], "test -z \"$(gofmt -s -l hmac.go)\"");
}

/// `--cmd` is documented.
#[test]
fn investigate_help_documents_cmd() {
    let out = sdetkit()
        .args(["investigate", "failure", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    assert!(help.contains("--cmd <COMMAND>"), "{help}");
}

/// A gate step's answer knows the step's command and directory: the rerun keeps the
/// step's options and runs where the step ran, the file is named from the root.
#[test]
fn gate_steps_answer_with_their_command_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("py")).unwrap();
    // A stand-in for ruff that prints what ruff printed in the corpus's py-ruff-select.
    let ruff = dir.path().join("py/ruff");
    let output = "src/m.py:6:8: F401 [*] `os` imported but unused\nFound 1 error.\n";
    std::fs::write(&ruff, format!("#!/bin/sh\nprintf '{output}'\nexit 1\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ruff, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = r#"
[[gate.fast.steps]]
id = "lint"
cwd = "py"
run = "./ruff check --select F401 --output-format concise ."

[[gate.fast.steps]]
id = "tools"
run = "no-such-tool-xyz --check"
"#;
    let first = failing_gate(dir.path(), config);
    let lint = first("lint");
    assert_eq!(lint["file"], "py/src/m.py");
    assert_eq!(
        lint["next_command"],
        "cd py && ./ruff check --no-fix --select F401 src/m.py"
    );
    let tools = first("tools");
    assert_eq!(tools["classification"], "environment");
    let message = tools["message"].as_str().unwrap();
    assert!(message.contains("no-such-tool-xyz"), "{message}");
}

/// A jest rerun turns coverage off when the repository's configuration would make a narrowed
/// run fail on a coverage threshold, even when the log shows no coverage report.
#[test]
fn jest_reruns_without_the_repository_coverage_threshold() {
    let config = "export default {\n  coverageThreshold: { global: { lines: 100 } },\n};\n";
    let got = in_repo(&[("jest.config.ts", config)], "jest", None);
    assert_eq!(
        got["next_command"],
        "npx jest --coverage=false tests/sum.test.js -t '^sum adds two$'"
    );
}

/// The rerun runs as the step ran: with its environment (a test gated by a variable is skipped
/// without it), except a secret's value, which never reaches an artifact.
#[test]
fn reruns_carry_the_steps_environment_but_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
[[gate.fast.steps]]
id = "unit"
run = "printf -- '--- FAIL: TestX (0.00s)\n    x_test.go:4: nope\nFAIL\texample.com/x\t0.1s\n'; exit 1"
env = { THREADING_TESTS = "1", API_TOKEN = "s3cr3t-value-1234" }

[[gate.fast.steps]]
id = "script"
run = "echo 'something broke'; exit 3"
cwd = "sub"
env = { MODE = "a b" }
"#;
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let first = failing_gate(dir.path(), config);
    assert_eq!(
        first("unit")["next_command"],
        "THREADING_TESTS=1 go test example.com/x -run '^TestX$'"
    );
    assert_eq!(
        first("script")["next_command"],
        "cd sub && MODE='a b' sh -c \"echo 'something broke'; exit 3\""
    );
}

/// Runs `gate fast` (which must fail) in `dir` with `config`; returns a lookup of each step's
/// first failure by id.
fn failing_gate(dir: &std::path::Path, config: &str) -> impl Fn(&str) -> Value {
    std::fs::write(dir.join("sdetkit.toml"), config).unwrap();
    let out = sdetkit()
        .current_dir(dir)
        .args(["gate", "fast", "--format", "json", "--quiet"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let gate: Value = serde_json::from_slice(&out).unwrap();
    move |id: &str| {
        let steps = gate["steps"].as_array().unwrap();
        steps.iter().find(|s| s["id"] == id).unwrap()["first_failure"].clone()
    }
}

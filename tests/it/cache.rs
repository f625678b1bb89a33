//! The step cache: a fast-gate step that passed before on the same inputs is `cached`, not
//! run; any change to what it reads or how it runs makes it run again.

use std::path::Path;

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::Repo;

/// A repository whose steps count their runs in files outside the work tree, and a fake
/// `mytool` on PATH (whose version a test can change).
struct Bench {
    repo: Repo,
    state: tempfile::TempDir,
}

impl Bench {
    fn new(steps: &str) -> Bench {
        let state = tempfile::tempdir().unwrap();
        let bench = Bench {
            repo: Repo::releasable(&steps.replace("STATE", &state.path().display().to_string())),
            state,
        };
        bench.tool_version("1.0.0");
        bench
    }

    /// `mytool --version` says `version`; `mytool` alone succeeds.
    fn tool_version(&self, version: &str) {
        let tool = self.state.path().join("bin/mytool");
        std::fs::create_dir_all(tool.parent().unwrap()).unwrap();
        std::fs::write(
            &tool,
            format!("#!/bin/sh\ntest \"$1\" = --version && echo 'mytool {version}'\nexit 0\n"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// `gate fast` with `extra` arguments: each step's status, by id.
    fn gate(&self, extra: &[&str]) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}",
            self.state.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut args = vec!["gate", "fast", "--format", "json"];
        args.extend(extra);
        let out = self.repo.sdetkit(&args).env("PATH", path).output().unwrap();
        let gate: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        gate["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().into(),
                    s["status"].as_str().unwrap().into(),
                )
            })
            .collect()
    }

    fn runs(&self, step: &str) -> usize {
        std::fs::read_to_string(self.state.path().join(step))
            .unwrap_or_default()
            .lines()
            .count()
    }
}

fn statuses(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const STEPS: &str = "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo x >> STATE/unit\"\n\
    [[gate.fast.steps]]\nid = \"lint\"\nrun = \"mytool && echo x >> STATE/lint\"\n\
    [[gate.fast.steps]]\nid = \"docs\"\nrun = \"echo x >> STATE/docs\"\ninputs = [\"docs/**\"]\n";

#[test]
fn a_pass_on_the_same_inputs_is_reused_and_a_content_change_runs_again() {
    let b = Bench::new(STEPS);
    let all = |status: &str| statuses(&[("unit", status), ("lint", status), ("docs", status)]);
    assert_eq!(b.gate(&[]), all("passed"));
    assert_eq!(b.gate(&[]), all("cached"));
    assert_eq!((b.runs("unit"), b.runs("lint"), b.runs("docs")), (1, 1, 1));
    // A source change: every step that reads it runs; `docs` reads only docs/**.
    b.repo.write("src/lib.txt", "changed\n");
    assert_eq!(
        b.gate(&[]),
        statuses(&[("unit", "passed"), ("lint", "passed"), ("docs", "cached")])
    );
    b.repo.write("docs/guide.md", "new page\n");
    assert_eq!(b.gate(&[]).last().unwrap().1, "passed");
    // The cached step names the run it stands on and is not counted as run.
    let gate = b.repo.json("build/first-proof/gate-fast.json");
    assert_eq!(gate["ok"], true);
}

#[test]
fn a_failure_is_never_cached() {
    let b =
        Bench::new("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo x >> STATE/unit; exit 1\"\n");
    b.gate(&[]);
    assert_eq!(b.gate(&[]), statuses(&[("unit", "failed")]));
    assert_eq!(b.runs("unit"), 2);
}

#[test]
fn a_change_of_env_command_or_tool_version_runs_again() {
    let b = Bench::new(STEPS);
    b.gate(&[]);
    // The step's own env.
    let with_env = STEPS.replace(
        "run = \"echo x >> STATE/unit\"",
        "run = \"echo x >> STATE/unit\"\nenv = { MODE = \"strict\" }",
    );
    b.repo.write(
        "sdetkit.toml",
        &with_env.replace("STATE", &b.state.path().display().to_string()),
    );
    b.repo.commit("env");
    let after_env = b.gate(&[]);
    assert_eq!(after_env[0], ("unit".into(), "passed".into()));
    // A variable of the process that changes what build tools do.
    let path = format!(
        "{}:{}",
        b.state.path().join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let out = b
        .repo
        .sdetkit(&["gate", "fast", "--format", "json"])
        .env("PATH", &path)
        .env("RUSTFLAGS", "-Dwarnings")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"passed\""));
    // The tool's version: only the step that runs the tool runs again.
    assert!(b.gate(&[]).iter().all(|(_, s)| s == "cached"));
    b.tool_version("2.0.0");
    assert_eq!(
        b.gate(&[]),
        statuses(&[("unit", "cached"), ("lint", "passed"), ("docs", "cached")])
    );
}

#[test]
fn no_cache_and_cache_false_always_run() {
    let b = Bench::new(&format!(
        "{STEPS}[[gate.fast.steps]]\nid = \"live\"\nrun = \"echo x >> STATE/live\"\ncache = false\n"
    ));
    b.gate(&[]);
    assert_eq!(
        b.gate(&[]).last().unwrap(),
        &("live".into(), "passed".into())
    );
    assert!(b.gate(&["--no-cache"]).iter().all(|(_, s)| s == "passed"));
    assert_eq!(b.runs("live"), 3);
    assert_eq!(b.runs("unit"), 2);
}

#[test]
fn daily_reuses_passes_and_premerge_runs_everything_unless_told() {
    let b = Bench::new(STEPS);
    let path = format!(
        "{}:{}",
        b.state.path().join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let lane = |args: &[&str]| {
        b.repo.sdetkit(args).env("PATH", &path).assert().success();
    };
    lane(&["ops", "daily", "--fast"]);
    lane(&["ops", "daily", "--fast"]);
    assert_eq!(b.runs("unit"), 1, "the second daily run reused the pass");
    let row = last_row(b.repo.path());
    let unit = row["step_results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "unit")
        .unwrap()
        .clone();
    assert_eq!(unit["status"], "cached");
    lane(&["ops", "premerge", "--fast"]);
    assert_eq!(b.runs("unit"), 2, "the pre-merge lane runs every step");
    let config = std::fs::read_to_string(b.repo.file("sdetkit.toml")).unwrap();
    b.repo.write(
        "sdetkit.toml",
        &format!("{config}\n[premerge]\nreuse_cache = true\n"),
    );
    b.repo.commit("reuse");
    lane(&["ops", "daily", "--fast"]);
    lane(&["ops", "premerge", "--fast"]);
    assert_eq!(
        b.runs("unit"),
        3,
        "with reuse_cache the pre-merge lane reuses a pass"
    );
}

fn last_row(root: &Path) -> Value {
    let log = std::fs::read_to_string(root.join("build/first-proof/first-proof-learning-db.jsonl"))
        .unwrap();
    serde_json::from_str(log.lines().last().unwrap()).unwrap()
}

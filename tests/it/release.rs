//! `gate release` and `doctor`: built-in checks on Cargo, Python and npm repositories, and
//! what a dry run may and may not demote.

use crate::support::{Repo, step};
use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

fn release(repo: &Repo, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["gate", "release"];
    args.extend_from_slice(extra);
    let out = repo.sdetkit(&args).output().unwrap();
    (
        out.status.code().unwrap(),
        repo.json("build/first-proof/release-preflight.json"),
    )
}

fn cargo_repo(version: &str, changelog: &str) -> Repo {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        &format!("[package]\nname = \"x\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
    );
    repo.write("CHANGELOG.md", changelog);
    repo.commit("release");
    repo
}

#[test]
fn content_checks_pass_on_a_prepared_cargo_release() {
    let repo = cargo_repo("1.2.0", "# Changelog\n\n## [1.2.0] - 2026-11-25\n- first\n");
    let (code, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(code, 0, "{gate:#}");
    assert_eq!(step(&gate, "version")["status"], "passed");
    assert!(
        step(&gate, "version")["message"]
            .as_str()
            .unwrap()
            .contains("1.2.0")
    );
    assert_eq!(step(&gate, "changelog")["status"], "passed");
    assert_eq!(step(&gate, "tag")["status"], "passed");
    assert_eq!(step(&gate, "branch")["status"], "passed");
    assert_eq!(step(&gate, "upstream")["status"], "skipped");
    assert_eq!(gate["dry_run"], false);
}

#[test]
fn dirty_tree_blocks_a_real_release_but_only_warns_in_a_dry_run() {
    let repo = cargo_repo("1.2.0", "## [1.2.0]\n");
    repo.write("scratch.txt", "uncommitted");
    let (code, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(code, 1);
    assert_eq!(step(&gate, "clean-tree")["status"], "failed");
    assert_eq!(gate["failed_steps"], serde_json::json!(["clean-tree"]));

    let (code, gate) = release(&repo, &["--dry-run", "--skip", "fast-gate"]);
    assert_eq!(code, 0);
    assert_eq!(gate["dry_run"], true);
    let clean = step(&gate, "clean-tree");
    assert_eq!(
        clean["status"], "warn",
        "a demoted check is never reported as passed"
    );
    assert!(clean["message"].as_str().unwrap().starts_with("dry run:"));
    repo.sdetkit(&["gate", "release", "--dry-run", "--skip", "fast-gate"])
        .assert()
        .stdout(predicates::str::contains("OK (dry run)"));
}

/// Without `--out-dir`, artifacts go to `build/` only when git ignores it and it holds no
/// source; otherwise to `.git/sdetkit`, which neither git nor the repository's own tools see
/// (thiserror tracks `build/probe.rs`; cross-env's `prettier --check .` read sdetkit's JSON).
#[test]
fn the_default_out_dir_never_mixes_with_the_repository() {
    let repo = cargo_repo("1.2.0", "## [1.2.0]\n");
    std::fs::remove_file(repo.file(".gitignore")).unwrap();
    repo.commit("no ignore");
    repo.sdetkit(&["gate", "release", "--skip", "fast-gate"])
        .assert()
        .success();
    assert!(
        !repo.file("build").exists(),
        "build/ is not ignored: not used"
    );
    let gate = repo.json(".git/sdetkit/first-proof/release-preflight.json");
    assert_eq!(step(&gate, "clean-tree")["status"], "passed", "{gate:#}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    repo.write("build/probe.rs", "fn main() {}\n");
    repo.write(".gitignore", "/build/\n");
    repo.git(&["add", "-f", "build/probe.rs"]);
    repo.commit("a tracked build/ folder");
    repo.sdetkit(&["doctor"]).output().unwrap();
    let doctor = repo.json(".git/sdetkit/first-proof/doctor.json");
    let ignored = step(&doctor, "out-dir-ignored");
    assert!(
        !ignored.to_string().contains("add `/build/`"),
        "never advise ignoring a folder that holds sources: {ignored}"
    );
    assert!(repo.file("build/probe.rs").exists());
    assert!(!repo.file("build/first-proof").exists());

    repo.git(&["rm", "-q", "build/probe.rs"]);
    repo.commit("build/ is only ignored output now");
    repo.sdetkit(&["gate", "release", "--skip", "fast-gate"])
        .assert()
        .success();
    assert!(
        repo.file("build/first-proof/release-preflight.json")
            .exists()
    );
}

#[test]
fn dry_run_still_fails_content_checks() {
    let repo = cargo_repo("1.3.0", "## [1.2.0]\n");
    let (code, gate) = release(&repo, &["--dry-run", "--skip", "fast-gate"]);
    assert_eq!(code, 1);
    assert_eq!(step(&gate, "changelog")["status"], "failed");
    assert!(
        step(&gate, "changelog")["message"]
            .as_str()
            .unwrap()
            .contains("no entry for version 1.3.0")
    );
}

#[test]
fn existing_tag_elsewhere_fails_and_tag_on_head_passes() {
    let repo = cargo_repo("1.2.0", "## [1.2.0]\n");
    repo.git(&["tag", "v1.2.0"]);
    let (_, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(step(&gate, "tag")["status"], "passed");
    assert!(
        step(&gate, "tag")["message"]
            .as_str()
            .unwrap()
            .contains("points at HEAD")
    );
    repo.write("more.txt", "x");
    repo.commit("after the tag");
    let (code, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(code, 1);
    assert_eq!(step(&gate, "tag")["status"], "failed");
    assert!(
        step(&gate, "tag")["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
}

#[test]
fn python_and_npm_versions_and_invalid_versions() {
    let py = Repo::new();
    py.write(
        "pyproject.toml",
        "[project]\nname = \"p\"\nversion = \"0.4.0rc1\"\n",
    );
    py.write("CHANGELOG.md", "## 0.4.0rc1\n");
    py.commit("py");
    let (code, gate) = release(&py, &["--skip", "fast-gate"]);
    assert_eq!(code, 0, "{gate:#}");
    assert!(
        step(&gate, "version")["message"]
            .as_str()
            .unwrap()
            .contains("pyproject.toml")
    );

    let npm = Repo::new();
    npm.write("package.json", "{\"name\": \"n\", \"version\": \"2.0\"}");
    npm.commit("npm");
    let (code, gate) = release(&npm, &["--skip", "fast-gate"]);
    assert_eq!(code, 1);
    assert_eq!(step(&gate, "version")["status"], "failed");
    assert!(
        step(&gate, "version")["message"]
            .as_str()
            .unwrap()
            .contains("not a valid release version")
    );
    // No changelog at all: a warning, not a failure (the repository may keep none).
    assert_eq!(step(&gate, "changelog")["status"], "warn");
}

#[test]
fn feature_branch_is_not_a_release_branch() {
    let repo = cargo_repo("1.2.0", "## [1.2.0]\n");
    repo.git(&["checkout", "-q", "-b", "feature/x"]);
    let (code, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(code, 1);
    assert!(
        step(&gate, "branch")["message"]
            .as_str()
            .unwrap()
            .contains("`feature/x` is not a release branch")
    );
    repo.write(
        "sdetkit.toml",
        "[gate.release]\nrelease_branches = [\"feature/*\"]\n",
    );
    repo.commit("allow");
    let (_, gate) = release(&repo, &["--skip", "fast-gate"]);
    assert_eq!(step(&gate, "branch")["status"], "passed");
}

#[test]
fn release_reuses_the_recorded_fast_verdict_and_never_reruns_it() {
    let repo = cargo_repo("1.2.0", "## [1.2.0]\n");
    let marker = repo.file("fast-ran");
    repo.write(
        "sdetkit.toml",
        &format!(
            "[[gate.fast.steps]]\nid = \"t\"\nrun = \"touch {}; exit 1\"\n",
            marker.display()
        ),
    );
    repo.commit("config");
    let (_, gate) = release(&repo, &[]);
    assert_eq!(step(&gate, "fast-gate")["status"], "skipped");
    assert!(
        !marker.exists(),
        "the release gate must not run the fast gate"
    );
    repo.sdetkit(&["gate", "fast"]).assert().code(1);
    std::fs::remove_file(&marker).unwrap();
    // The recorded failure is reported, not counted as a release-gate failure of its own.
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(step(&gate, "fast-gate")["status"], "info");
    assert!(!marker.exists());
}

#[test]
fn doctor_reports_conflict_markers_and_secrets_with_locations() {
    let repo = Repo::new();
    repo.write("README.md", "# x\n");
    repo.write("LICENSE", "MIT\n");
    repo.write(
        "src/a.txt",
        &format!("line one\n{} HEAD\nx\n", "<".repeat(7)),
    );
    repo.write(
        "config/env",
        &format!("\n\nkey = AKIA{}\n", "ABCDEFGHIJKLMNOP"),
    );
    repo.commit("bad");
    let out = repo.sdetkit(&["doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doctor = repo.json("build/first-proof/doctor.json");
    assert_eq!(step(&doctor, "conflict-markers")["status"], "failed");
    assert_eq!(
        step(&doctor, "conflict-markers")["details"][0],
        "src/a.txt:2"
    );
    assert_eq!(step(&doctor, "secrets")["details"][0], "config/env:3");
    let text = std::fs::read_to_string(repo.file("build/first-proof/doctor.json")).unwrap();
    assert!(
        !text.contains("ABCDEFGHIJKLMNOP"),
        "the secret itself is never reported"
    );
    assert_eq!(step(&doctor, "readme")["status"], "passed");
    assert!(doctor["score"].as_u64().unwrap() < 100);
}

#[test]
fn doctor_finds_missing_tools_and_reports_an_invalid_config_as_a_finding() {
    let repo = Repo::new();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"x\"\nrun = \"no-such-tool-sdetkit run\"\n",
    );
    repo.commit("config");
    repo.sdetkit(&["doctor"]).assert().code(1);
    let doctor = repo.json("build/first-proof/doctor.json");
    assert_eq!(step(&doctor, "tools")["status"], "failed");
    assert!(
        step(&doctor, "tools")["message"]
            .as_str()
            .unwrap()
            .contains("no-such-tool-sdetkit")
    );

    repo.write("sdetkit.toml", "[gate.fast]\nwhat = 1\n");
    repo.sdetkit(&["doctor"]).assert().code(1);
    let doctor = repo.json("build/first-proof/doctor.json");
    let config = step(&doctor, "config");
    assert_eq!(config["status"], "failed");
    assert!(
        config["message"]
            .as_str()
            .unwrap()
            .contains("sdetkit.toml:2:")
    );
}

#[test]
fn doctor_release_adds_release_moment_checks() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.commit("readme");
    repo.write("dirty.txt", "x");
    let out = repo.sdetkit(&["doctor", "--release"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doctor = repo.json("build/first-proof/doctor.json");
    assert_eq!(step(&doctor, "clean-tree")["status"], "failed");
    repo.sdetkit(&["doctor"]).assert().code(0);
}

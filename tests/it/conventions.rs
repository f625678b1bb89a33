//! The release preflight follows the repository's own release conventions (issue "Real
//! repositories, first contact" §2): tag prefixes read from its tags, versions from wherever
//! it keeps them, a changelog only where it keeps one, the tree judged as it was before the
//! run, and skips that never silently skip something else. Each case is modelled on a real
//! repository where the first version was wrong.

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::{Repo, step};

fn release(repo: &Repo, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["gate", "release", "--skip", "fast-gate"];
    args.extend_from_slice(extra);
    let out = repo.sdetkit(&args).output().unwrap();
    (
        out.status.code().unwrap(),
        repo.json("build/first-proof/release-preflight.json"),
    )
}

fn message(gate: &Value, id: &str) -> String {
    step(gate, id)["message"].as_str().unwrap_or("").to_string()
}

/// A committed Cargo crate at `version`, without a changelog.
fn crate_at(version: &str) -> Repo {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        &format!("[package]\nname = \"x\"\nversion = \"{version}\"\nedition = \"2021\"\n"),
    );
    repo.commit(&format!("release {version}"));
    repo
}

#[test]
fn the_tag_prefix_comes_from_the_tags_the_repository_has() {
    // thiserror tags `2.0.19`, not `v2.0.19`: a released version must be seen as released.
    let repo = crate_at("1.0.18");
    repo.git(&["tag", "1.0.17", "HEAD"]);
    repo.git(&["tag", "1.0.18"]);
    repo.write("src.txt", "after the release");
    repo.commit("work after 1.0.18");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 1, "{gate:#}");
    let tag = message(&gate, "tag");
    assert!(
        tag.contains("tag 1.0.18 already exists") && !tag.contains("v1.0.18"),
        "{tag}"
    );
    assert_eq!(
        step(&gate, "tag")["first_failure"]["next_command"],
        "git log --oneline 1.0.18..HEAD"
    );
    // In the daily dry run it is a warning, not a NO-SHIP.
    let (code, gate) = release(&repo, &["--dry-run"]);
    assert_eq!(code, 0, "{gate:#}");
    assert_eq!(step(&gate, "tag")["status"], "warn");
    // A pre-release tag with a named prefix is read too.
    repo.git(&["tag", "v2.0.0-canary.1"]);
    repo.sdetkit(&["init"]).assert().success();
    let toml = std::fs::read_to_string(repo.file("sdetkit.toml")).unwrap();
    assert!(toml.contains("tag_prefix = \"\""), "{toml}");
}

#[test]
fn go_and_c_repositories_take_their_version_from_the_latest_tag() {
    let repo = Repo::new();
    repo.write("go.mod", "module example.com/x\n");
    repo.write(
        "CHANGELOG.md",
        "# Changelog\n\n## [1.6.0](https://x) (2024-01-16)\n- y\n",
    );
    repo.commit("v1.6.0");
    repo.git(&["tag", "v1.5.0", "HEAD"]);
    repo.git(&["tag", "v1.6.0"]);
    repo.git(&["tag", "v.1.1.2"]); // an odd tag of google/uuid: not a version
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0, "{gate:#}");
    assert!(message(&gate, "version").contains("version 1.6.0 (from tag v1.6.0 on HEAD)"));
    assert_eq!(step(&gate, "changelog")["status"], "passed");
    assert!(message(&gate, "tag").contains("points at HEAD"));
    repo.write("util.go", "package x\n");
    repo.commit("after the release");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 1);
    assert!(message(&gate, "tag").contains("1 commit(s) after v1.6.0"));
    assert_eq!(
        step(&gate, "tag")["first_failure"]["next_command"],
        "git tag v1.6.1"
    );
    let (code, _) = release(&repo, &["--dry-run"]);
    assert_eq!(code, 0, "a rehearsal only warns about the missing tag");
}

#[test]
fn python_dynamic_versions_and_version_files_with_an_assignment() {
    // cachetools: `version = {attr = "cachetools.__version__"}`.
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"cachetools\"\ndynamic = [\"version\"]\n\n[tool.setuptools.dynamic]\nversion = {attr = \"cachetools.__version__\"}\n",
    );
    repo.write(
        "src/cachetools/__init__.py",
        "\"\"\"Caches.\"\"\"\n\n__version__ = \"7.0.6\"\n",
    );
    repo.write(
        "CHANGELOG.rst",
        "v7.0.6 (2026-04-20)\n===================\n\n- x\n",
    );
    repo.commit("7.0.6");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0, "{gate:#}");
    assert!(message(&gate, "version").contains("7.0.6"));
    assert!(message(&gate, "changelog").contains("CHANGELOG.rst:1 has an entry for 7.0.6"));
    // The advice to point version_file at the module works.
    repo.write(
        "sdetkit.toml",
        "[gate.release]\nversion_file = \"src/cachetools/__init__.py\"\n",
    );
    repo.commit("config");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0, "{gate:#}");
    assert!(message(&gate, "version").contains("7.0.6"));
}

#[test]
fn a_development_version_warns_in_a_rehearsal_and_blocks_a_release() {
    // itsdangerous on main: `2.3.0.dev`, with CHANGES.rst's "Version 2.3.0 / Unreleased".
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"p\"\nversion = \"2.3.0.dev\"\n",
    );
    repo.write(
        "CHANGES.rst",
        "Version 2.3.0\n-------------\n\nUnreleased\n",
    );
    repo.commit("dev");
    let (code, gate) = release(&repo, &["--dry-run"]);
    assert_eq!(code, 0, "{gate:#}");
    assert_eq!(step(&gate, "version")["status"], "warn");
    assert_eq!(step(&gate, "changelog")["status"], "passed");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 1);
    assert!(message(&gate, "version").contains("development version"));
    assert!(
        step(&gate, "version")["hint"]
            .as_str()
            .unwrap()
            .contains("set the version to 2.3.0")
    );
}

#[test]
fn a_changelog_is_required_only_where_the_repository_keeps_one() {
    let repo = crate_at("1.0.0");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0, "no changelog is a warning: {gate:#}");
    assert_eq!(step(&gate, "changelog")["status"], "warn");
    // A stub that points at the releases page is not a changelog kept by hand.
    repo.write(
        "CHANGELOG.md",
        "# Changelog\n\nThis project's releases are described on its GitHub releases page.\n",
    );
    repo.commit("stub");
    let (_, gate) = release(&repo, &[]);
    assert_eq!(step(&gate, "changelog")["status"], "warn");
    assert!(message(&gate, "changelog").contains("no version entries"));
    // `init` writes the choice down; then the check says so.
    std::fs::remove_file(repo.file("CHANGELOG.md")).unwrap();
    repo.commit("no changelog");
    repo.sdetkit(&["init"]).assert().success();
    let toml = std::fs::read_to_string(repo.file("sdetkit.toml")).unwrap();
    assert!(toml.contains("changelog = false"), "{toml}");
    repo.commit("config");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(step(&gate, "changelog")["status"], "skipped");
    // A kept changelog without this version's entry is a failure of the content.
    repo.write(
        "sdetkit.toml",
        "[gate.release]\nchangelog = \"HISTORY.md\"\n",
    );
    repo.write("HISTORY.md", "## 0.9.0\n- older\n");
    repo.commit("history");
    let (code, gate) = release(&repo, &["--dry-run"]);
    assert_eq!(code, 1);
    assert!(message(&gate, "changelog").contains("HISTORY.md has no entry for version 1.0.0"));
    // jwt: the history stopped at 0.9.0 while releases went on (v0.9.5 is tagged without an
    // entry): the file is history, not the record of releases, and only warns.
    repo.git(&["tag", "v0.9.0"]);
    repo.commit("more");
    repo.git(&["tag", "v0.9.5"]);
    repo.commit("more still");
    let (code, gate) = release(&repo, &["--dry-run"]);
    assert_eq!(code, 0, "{gate:#}");
    assert_eq!(step(&gate, "changelog")["status"], "warn");
    assert!(message(&gate, "changelog").contains("nor for 0.9.5, the latest release"));
}

#[test]
fn per_package_tags_mean_no_single_release_version() {
    // anstyle: a virtual workspace whose crates are tagged `<crate>-v<version>`.
    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    repo.commit("workspace");
    for tag in [
        "anstyle-v1.0.1",
        "anstyle-query-v1.1.5",
        "anstyle-svg-v0.1.2",
    ] {
        repo.git(&["tag", tag]);
    }
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 0, "{gate:#}");
    for id in ["version", "tag"] {
        assert_eq!(step(&gate, id)["status"], "skipped", "{id}");
        assert!(message(&gate, id).contains("tagged one by one"), "{id}");
    }
}

#[test]
fn skipping_the_version_check_skips_nothing_else() {
    let repo = crate_at("1.0.0");
    repo.write("CHANGELOG.md", "## 0.9.0\n");
    repo.write("sdetkit.toml", "[gate.release]\nskip = [\"version\"]\n");
    repo.commit("config");
    let (_, gate) = release(&repo, &[]);
    assert!(
        gate["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != "version")
    );
    // The version is still read for the changelog and the tag.
    assert_eq!(step(&gate, "changelog")["status"], "failed");
    assert!(message(&gate, "tag").contains("1.0.0"));
    // When no version can be read, the dependent checks say why, naming the skip.
    let bare = Repo::new();
    bare.write("CHANGELOG.md", "## 1.0.0\n");
    bare.write("sdetkit.toml", "[gate.release]\nskip = [\"version\"]\n");
    bare.commit("bare");
    let (_, gate) = release(&bare, &[]);
    assert!(message(&gate, "changelog").contains("the version check is turned off"));
}

#[test]
fn the_tree_is_judged_as_it_was_before_the_steps_wrote_to_it() {
    // jsmn: `make test` leaves its test binaries in the work tree.
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"build\"\nrun = \"echo binary > test_default\"\n",
    );
    repo.sdetkit(&["ops", "proof", "--release-dry-run=false"])
        .assert()
        .success();
    let gate = repo.json("build/first-proof/release-preflight.json");
    let clean = step(&gate, "clean-tree");
    assert_eq!(clean["status"], "warn", "{gate:#}");
    assert!(
        clean["message"]
            .as_str()
            .unwrap()
            .contains("this run's steps wrote 1 untracked path(s) (test_default)")
    );
    assert_eq!(
        gate["ok"], true,
        "a clean tree is never blocked by what the steps wrote"
    );
    // A tree that was dirty before blocks, with the real fix.
    repo.write("wip.txt", "work in progress");
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        step(&gate, "clean-tree")["first_failure"]["next_command"],
        "git stash --include-untracked"
    );
}

#[test]
fn only_uncommitted_sdetkit_config_asks_to_commit_it() {
    let repo = crate_at("1.0.0");
    repo.sdetkit(&["init"]).assert().success();
    let (code, gate) = release(&repo, &[]);
    assert_eq!(code, 1);
    let next = step(&gate, "clean-tree")["first_failure"]["next_command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(next.starts_with("git add sdetkit"), "{next}");
    assert!(next.contains("git commit"), "{next}");
}

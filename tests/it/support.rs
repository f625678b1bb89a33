//! Shared helpers for the integration tests: temporary git repositories and the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;

/// A temporary git repository on branch `main` with one commit.
pub struct Repo {
    pub dir: TempDir,
}

impl Repo {
    /// An empty repository with `/build/` ignored and a first commit.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sdetkit-test")
            .tempdir()
            .unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write(".gitignore", "/build/\n");
        repo.commit("init");
        repo
    }

    /// A committed, releasable node project (README, LICENSE, version 1.0.0 with its
    /// changelog entry) configured by `sdetkit_toml`.
    pub fn releasable(sdetkit_toml: &str) -> Self {
        let repo = Repo::new();
        repo.write("README.md", "# demo\n");
        repo.write("LICENSE", "MIT\n");
        repo.write(
            "package.json",
            "{\"name\": \"demo\", \"version\": \"1.0.0\"}\n",
        );
        repo.write("CHANGELOG.md", "## [1.0.0]\n- first\n");
        repo.write("sdetkit.toml", sdetkit_toml);
        repo.commit("releasable");
        repo
    }

    /// A fresh clone of `remote` (as a CI job checks out), on `main`.
    pub fn clone_of(remote: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sdetkit-clone")
            .tempdir()
            .unwrap();
        output_of(
            Command::new("git")
                .args(["clone", "-q"])
                .arg(remote)
                .arg(dir.path()),
        );
        Repo { dir }
    }

    /// The repository root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent directories).
    pub fn write(&self, rel: &str, contents: &str) -> &Self {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Runs git in the repository and returns its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        self.run_git(args, None)
    }

    /// Runs git with the author and committer dates pinned to `date`.
    pub fn git_at(&self, date: &str, args: &[&str]) -> String {
        self.run_git(args, Some(date))
    }

    fn run_git(&self, args: &[&str], date: Option<&str>) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(self.path())
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com");
        if let Some(date) = date {
            cmd.env("GIT_AUTHOR_DATE", date)
                .env("GIT_COMMITTER_DATE", date);
        }
        output_of(&mut cmd).trim().to_string()
    }

    /// Stages everything and commits.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// [`sdetkit`] with `--root` set to this repository, quiet, no colour.
    pub fn sdetkit(&self, args: &[&str]) -> Command {
        let mut cmd = sdetkit();
        cmd.arg("--root")
            .arg(self.path())
            .arg("--quiet")
            .arg("--color")
            .arg("never");
        cmd.args(args);
        cmd
    }

    /// Reads a JSON artifact under the repository.
    pub fn json(&self, rel: &str) -> Value {
        let text =
            std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Absolute path of a file in the repository.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }
}

/// The variables by which a CI is recognised, and those its native output reads.
pub const CI_VARS: [&str; 10] = [
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "GITLAB_CI",
    "CI_COMMIT_REF_NAME",
    "BUILDKITE",
    "JENKINS_URL",
    "CIRCLECI",
];

/// Variables of sdetkit's own that a developer's shell may have exported: a pinned clock
/// (which ties every run's time), a forced branch, a dry run, a database, a nextest profile,
/// forced colour.
pub const TOOL_VARS: [&str; 6] = [
    "SDETKIT_NOW",
    "SDETKIT_DATABASE_URL",
    "FIRST_PROOF_BRANCH",
    "FIRST_PROOF_RELEASE_DRY_RUN",
    "NEXTEST_PROFILE",
    "CLICOLOR_FORCE",
];

/// The built `sdetkit`, outside any CI (the suite itself may run in one) and without the
/// caller's sdetkit variables: a test that wants a CI or one of those sets it.
pub fn sdetkit() -> Command {
    let mut cmd = Command::cargo_bin("sdetkit").unwrap();
    for var in CI_VARS.iter().chain(&TOOL_VARS) {
        cmd.env_remove(var);
    }
    cmd
}

/// A committed, releasable repository whose one fast-gate step passes.
pub fn green_repo() -> Repo {
    Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo ok\"\n")
}

/// The step object with `id` in a gate artifact.
pub fn step<'a>(gate: &'a Value, id: &str) -> &'a Value {
    gate["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {gate:#}"))
}

/// Runs `cmd`, which must succeed (else the test fails with its stderr); returns its stdout.
pub fn output_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git` in `dir`, which must succeed; its stdout.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    output_of(Command::new("git").current_dir(dir).args(args))
}

/// The recommendations of a follow-up as `"P1 Title"` lines, in order.
pub fn titles(followup: &Value) -> Vec<String> {
    followup["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["priority"].as_str().unwrap(),
                r["title"].as_str().unwrap()
            )
        })
        .collect()
}

/// This process's PATH without the directories that hold cargo-nextest (this machine has it
/// in /usr/local/bin): how a Rust repository is detected must not depend on the machine, so
/// the tests that expect `cargo test` say so, and the nextest test installs its own.
pub fn path_without_nextest() -> String {
    let kept: Vec<PathBuf> = path_dirs().filter(|dir| !holds_nextest(dir)).collect();
    std::env::join_paths(kept).unwrap().into_string().unwrap()
}

/// Whether the real cargo-nextest is on this process's PATH (the tests that run it are
/// skipped, saying so, where it is not).
pub fn nextest_installed() -> bool {
    path_dirs().any(|dir| holds_nextest(&dir))
}

fn path_dirs() -> impl Iterator<Item = PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).collect::<Vec<_>>().into_iter()
}

fn holds_nextest(dir: &Path) -> bool {
    dir.join("cargo-nextest").exists()
}

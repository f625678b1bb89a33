//! `doctor`: repository and environment health. Every check has a severity and a fix hint;
//! `ok` means no error-severity finding. The score is informational only.

use std::path::{Path, PathBuf};

mod files;
mod tools;

use super::check::{Check, timed};
use super::{Started, run_commands};
use crate::artifacts::proof::{GateKind, GateReport, Severity, StepRecord};
use crate::config::{Config, DoctorCheck};
use crate::error::{Error, Result};
use crate::repo::git::{self, GitFacts};
use crate::repo::scan;
use crate::runner::Status;
use crate::triage::Classification;
use crate::workspace::Workspace;

/// Runs the doctor. `config` is the load result: an invalid config is a finding here, not a
/// reason to stop, so the doctor can say what else is wrong too.
pub fn run(
    ws: &Workspace,
    config: &std::result::Result<Config, Error>,
    git: &GitFacts,
    release: bool,
) -> Result<GateReport> {
    let started = Started::now();
    let fallback;
    let usable = match config {
        Ok(c) => c,
        Err(_) => {
            fallback = crate::config::detect::config(&ws.root);
            &fallback
        }
    };
    let mut steps = builtins(ws, config, usable);
    if release {
        steps.extend(super::release::moment_checks(ws, &usable.release, git));
    }
    if !usable.doctor_steps.is_empty() {
        steps.extend(run_commands(
            ws,
            usable,
            GateKind::Doctor,
            &usable.doctor_steps,
            None,
        )?);
    }
    let mut report = GateReport::new(GateKind::Doctor, ws, steps, false, git.clone(), started);
    report.score = Some(score(&report.steps));
    Ok(report)
}

fn score(steps: &[StepRecord]) -> u8 {
    let executed: Vec<_> = steps.iter().filter(|s| s.status.executed()).collect();
    if executed.is_empty() {
        return 0;
    }
    let passed = executed
        .iter()
        .filter(|s| s.status == Status::Passed)
        .count();
    (100 * passed / executed.len()) as u8
}

fn builtins(
    ws: &Workspace,
    config: &std::result::Result<Config, Error>,
    usable: &Config,
) -> Vec<StepRecord> {
    let root = &ws.root;
    let in_repo = git::is_repo(root);
    let tracked = if in_repo {
        git::tracked_files(root)
    } else {
        Vec::new()
    };
    let wanted = |c: &DoctorCheck| !usable.doctor.skips(*c);
    let scanned = [
        DoctorCheck::LargeFiles,
        DoctorCheck::ConflictMarkers,
        DoctorCheck::Secrets,
    ];
    let findings = (in_repo && scanned.iter().any(wanted))
        .then(|| scan::scan(root, &tracked, &usable.doctor.allow_secrets_in));
    let findings = findings.as_ref();
    let check = |c: DoctorCheck| match c {
        DoctorCheck::GitRepo => git_repo(in_repo),
        DoctorCheck::Config => config_check(ws, config, usable),
        DoctorCheck::Tools => tools::check(root, usable),
        DoctorCheck::OutDirIgnored => out_dir_ignored(ws, in_repo),
        DoctorCheck::Readme => files::readme(root),
        DoctorCheck::License => files::license(root),
        DoctorCheck::Changelog => files::changelog(root, usable),
        DoctorCheck::Lockfile => lockfile(root, &tracked, in_repo),
        DoctorCheck::CiConfig => ci_config(root),
        DoctorCheck::LargeFiles => large_files(findings),
        DoctorCheck::ConflictMarkers => conflict_markers(findings),
        DoctorCheck::Secrets => secrets(findings),
    };
    DoctorCheck::ALL
        .iter()
        .filter(|c| wanted(c))
        .map(|c| timed(ws.epoch, c.as_str(), || check(*c)))
        .collect()
}

fn git_repo(in_repo: bool) -> Check {
    if in_repo {
        Check::pass("git rev-parse", "git repository present")
    } else {
        Check::fail(
            "git rev-parse",
            "not a git repository",
            "run `git init` and commit, or point --root at the repository",
        )
        .classified(Classification::Environment)
    }
}

fn config_check(
    ws: &Workspace,
    config: &std::result::Result<Config, Error>,
    usable: &Config,
) -> Check {
    let looked = ws.rel(&ws.config_path);
    match config {
        Err(e) => Check::fail(
            looked,
            e.to_string(),
            "fix sdetkit.toml (or regenerate it with `sdetkit init --force`)",
        )
        .classified(Classification::Config),
        Ok(c) if c.source.is_some() => {
            Check::pass(looked, format!("valid; {} fast-gate step(s)", c.fast.len()))
        }
        Ok(_) => {
            let found: Vec<String> = usable
                .detected
                .iter()
                .map(|f| format!("{} ({})", f.ecosystem, f.evidence))
                .collect();
            let what = if found.is_empty() {
                "nothing detected".to_string()
            } else {
                found.join(", ")
            };
            let details = usable
                .detected
                .iter()
                .flat_map(|f| &f.steps)
                .map(|p| format!("{}: {} (from {})", p.id, p.run.replace('\n', " "), p.from))
                .collect();
            Check::pass(
                looked,
                format!(
                    "no sdetkit.toml; auto-detected {} step(s): {what}",
                    usable.fast.len()
                ),
            )
            .details(details)
        }
    }
}

fn out_dir_ignored(ws: &Workspace, in_repo: bool) -> Check {
    let Some(rel) = ws.out_dir_in_root() else {
        return Check::skip(".gitignore", "the out-dir is outside the repository");
    };
    let shown = format!("{}/", rel.display());
    if !in_repo {
        return Check::skip(".gitignore", "not a git repository");
    }
    if git::git_dir(&ws.root).is_some_and(|dir| ws.out_dir.starts_with(dir)) {
        return Check::pass(
            ".gitignore",
            format!("artifacts go to {shown}, which git and the repository's tools never see"),
        );
    }
    // An out-dir holding tracked files never gets here: `Workspace::resolve` refuses it.
    if git::is_ignored(&ws.root, Path::new(&shown)) {
        Check::pass(".gitignore", format!("{shown} is git-ignored"))
    } else {
        Check::fail(
            ".gitignore",
            format!("{shown} is not git-ignored; artifacts would show up as changes"),
            format!("add `/{shown}` to .gitignore"),
        )
        .severity(Severity::Warn)
        .next(format!("echo '/{shown}' >> .gitignore"))
    }
}

fn lockfile(root: &Path, tracked: &[PathBuf], in_repo: bool) -> Check {
    let is_tracked = |name: &str| tracked.iter().any(|t| t == Path::new(name));
    let mut expected: Vec<(&str, Vec<&str>)> = Vec::new();
    if root.join("Cargo.toml").is_file() {
        expected.push(("Cargo.toml", vec!["Cargo.lock"]));
    }
    if root.join("package.json").is_file() {
        expected.push((
            "package.json",
            vec![
                "package-lock.json",
                "pnpm-lock.yaml",
                "yarn.lock",
                "bun.lockb",
                "bun.lock",
            ],
        ));
    }
    let go_mod = std::fs::read_to_string(root.join("go.mod")).unwrap_or_default();
    if go_mod.contains("require") {
        expected.push(("go.mod", vec!["go.sum"]));
    }
    let pyproject = std::fs::read_to_string(root.join("pyproject.toml")).unwrap_or_default();
    if pyproject.contains("[tool.poetry") {
        expected.push(("pyproject.toml", vec!["poetry.lock"]));
    } else if pyproject.contains("[tool.uv") || root.join("uv.lock").is_file() {
        expected.push(("pyproject.toml", vec!["uv.lock"]));
    }
    if expected.is_empty() {
        return Check::skip("manifests", "no ecosystem that expects a lockfile");
    }
    if !in_repo {
        return Check::skip("manifests", "not a git repository");
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|(_, locks)| !locks.iter().any(|l| is_tracked(l)))
        .map(|(manifest, locks)| format!("{manifest} without a committed {}", locks.join(" / ")))
        .collect();
    if missing.is_empty() {
        Check::pass("manifests", "lockfiles committed")
    } else {
        Check::fail(
            "manifests",
            missing.join("; "),
            "commit the lockfile so every build resolves the same dependencies",
        )
        .severity(Severity::Warn)
        .classified(Classification::Dependency)
    }
}

fn ci_config(root: &Path) -> Check {
    const CANDIDATES: &[&str] = &[
        ".github/workflows",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "Jenkinsfile",
        "azure-pipelines.yml",
        ".travis.yml",
        "bitbucket-pipelines.yml",
        ".buildkite",
        ".woodpecker.yml",
        ".ci",
    ];
    match CANDIDATES.iter().find(|c| root.join(c).exists()) {
        Some(c) => Check::pass("CI files", format!("{c} present")),
        None => Check::fail("CI files", "no CI configuration found", "run the fast gate in CI on every push (e.g. `.github/workflows/ci.yml` calling `sdetkit gate fast`)")
            .severity(Severity::Info),
    }
}

fn not_scanned() -> Check {
    Check::skip(
        "tracked files",
        "not a git repository: no tracked files to scan",
    )
}

fn large_files(findings: Option<&scan::Findings>) -> Check {
    let Some(f) = findings else {
        return not_scanned();
    };
    if f.large.is_empty() {
        return Check::pass(
            "tracked files",
            format!("no tracked file over 10 MB ({} files)", f.files),
        );
    }
    let details = f
        .large
        .iter()
        .map(|(p, n)| format!("{} ({:.1} MB)", p.display(), *n as f64 / 1e6))
        .collect();
    Check::fail(
        "tracked files",
        format!("{} tracked file(s) over 10 MB", f.large.len()),
        "move large files to Git LFS or release assets",
    )
    .severity(Severity::Warn)
    .details(details)
}

fn conflict_markers(findings: Option<&scan::Findings>) -> Check {
    let Some(f) = findings else {
        return not_scanned();
    };
    if f.conflicts.is_empty() {
        return Check::pass("tracked files", "no merge-conflict markers");
    }
    let details: Vec<String> = f
        .conflicts
        .iter()
        .map(|(p, l)| format!("{}:{l}", p.display()))
        .collect();
    Check::fail(
        "tracked files",
        format!("merge-conflict markers in {}", details[0]),
        "resolve the conflicts and commit",
    )
    .next(format!(
        "git diff --check; sed -n '{}p' {}",
        f.conflicts[0].1,
        f.conflicts[0].0.display()
    ))
    .details(details)
    .at(
        f.conflicts[0].0.display().to_string(),
        f.conflicts[0].1 as u64,
    )
    .classified(Classification::Build)
}

fn secrets(findings: Option<&scan::Findings>) -> Check {
    let Some(f) = findings else {
        return not_scanned();
    };
    if f.secrets.is_empty() {
        return Check::pass("tracked files", "no secret-shaped strings");
    }
    let (fixtures, real): (Vec<_>, Vec<_>) = f.secrets.iter().partition(|(p, _)| is_fixture(p));
    let details: Vec<String> = real
        .iter()
        .chain(&fixtures)
        .map(|(p, l)| format!("{}:{l}", p.display()))
        .collect();
    const ALLOW: &str = "fake test tokens can be allowed with [doctor] allow_secrets_in";
    if real.is_empty() {
        return Check::fail(
            "tracked files",
            format!(
                "secret-shaped string in test fixture {} ({} in test files only)",
                details[0],
                details.len()
            ),
            format!("check that these are test keys and not real ones; {ALLOW}"),
        )
        .severity(Severity::Warn)
        .details(details);
    }
    let (file, line) = real[0];
    Check::fail(
        "tracked files",
        format!("secret-shaped string in {}", details[0]),
        format!("revoke the secret, remove it from the file (and history); {ALLOW}"),
    )
    .details(details)
    .at(file.display().to_string(), *line as u64)
}

/// Test code and test data, where public test keys live (`*_test.go`, `tests/`, `testdata/`,
/// `__tests__/`, `fixtures/`).
fn is_fixture(path: &Path) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "__tests__",
        "fixtures",
        "__fixtures__",
        "spec",
        "testing",
    ];
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or("");
    path.parent()
        .into_iter()
        .flat_map(|p| p.components())
        .any(|c| DIRS.contains(&c.as_os_str().to_string_lossy().as_ref()))
        || stem.ends_with("_test")
        || stem.starts_with("test_")
        || name.contains(".test.")
        || name.contains(".spec.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_test_code_and_data() {
        for p in [
            "ecdsa_test.go",
            "test/sample_key",
            "pkg/testdata/k.pem",
            "src/__tests__/a.ts",
            "tests/fixtures/x",
            "test_keys.py",
            "a.test.js",
        ] {
            assert!(is_fixture(Path::new(p)), "{p}");
        }
        for p in ["config.go", "src/keys.py", "latest.txt", "contest/key"] {
            assert!(!is_fixture(Path::new(p)), "{p}");
        }
    }
}

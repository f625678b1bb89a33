//! `doctor`: repository and environment health. Every check has a severity and a fix hint;
//! `ok` means no error-severity finding. The score is informational only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::check::{Check, timed};
use super::{Started, run_commands};
use crate::artifacts::proof::{GateKind, GateReport, Severity, StepRecord};
use crate::config::{Config, DoctorCheck, StepSpec};
use crate::error::{Error, Result};
use crate::repo::git::{self, GitFacts};
use crate::repo::scan;
use crate::runner::{Redactor, Status};
use crate::triage::Classification;
use crate::workspace::Workspace;

/// Runs the doctor. `config` is the load result: an invalid config is a finding here, not a
/// reason to stop, so the doctor can say what else is wrong too.
pub fn run(
    ws: &Workspace,
    config: &std::result::Result<Config, Error>,
    redactor: &Arc<Redactor>,
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
            redactor,
        ));
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
        DoctorCheck::Tools => tools(usable),
        DoctorCheck::OutDirIgnored => out_dir_ignored(ws, in_repo),
        DoctorCheck::Readme => presence(
            root,
            &["README.md", "README", "README.rst", "README.txt"],
            "add a README.md that says what the project is and how to build it",
        ),
        DoctorCheck::License => presence(
            root,
            &[
                "LICENSE",
                "LICENSE.md",
                "LICENSE.txt",
                "COPYING",
                "LICENSE-MIT",
                "LICENSE-APACHE",
            ],
            "add a LICENSE file",
        ),
        DoctorCheck::Changelog => changelog(root, usable),
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
            Check::pass(
                looked,
                format!(
                    "no sdetkit.toml; auto-detected {} step(s): {what}",
                    usable.fast.len()
                ),
            )
        }
    }
}

/// Every program the configured steps need, with its path and version.
fn tools(config: &Config) -> Check {
    let steps: Vec<&StepSpec> = config
        .fast
        .iter()
        .chain(&config.release_steps)
        .chain(&config.doctor_steps)
        .chain(config.setup.iter())
        .collect();
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for step in steps {
        let declared = step
            .requires
            .iter()
            .map(|t| (t.program.clone(), Some(t.hint.clone())));
        let named = crate::tools::program_of(&step.run).map(|p| (p, None));
        for (program, hint) in declared.chain(named) {
            if !wanted.iter().any(|(p, _)| *p == program) {
                wanted.push((program, hint));
            }
        }
    }
    if wanted.is_empty() {
        return Check::skip("PATH", "no steps configured or detected");
    }
    let found: Vec<(String, Option<String>, Option<PathBuf>)> = std::thread::scope(|s| {
        let handles: Vec<_> = wanted
            .iter()
            .map(|(p, _)| {
                s.spawn(move || {
                    let path = crate::tools::find(p);
                    let version = path.as_ref().and_then(|_| crate::tools::version(p));
                    (p.clone(), version, path)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("version probe does not panic"))
            .collect()
    });
    let details: Vec<String> = found
        .iter()
        .map(|(p, v, path)| match path {
            Some(path) => format!(
                "{p}: {} ({})",
                v.as_deref().unwrap_or("version unknown"),
                path.display()
            ),
            None => format!("{p}: not found on PATH"),
        })
        .collect();
    let missing: Vec<&(String, Option<String>)> = wanted
        .iter()
        .filter(|(p, _)| found.iter().any(|(q, _, path)| q == p && path.is_none()))
        .collect();
    if missing.is_empty() {
        return Check::pass("PATH", format!("{} tool(s) found", wanted.len())).details(details);
    }
    let names: Vec<&str> = missing.iter().map(|(p, _)| p.as_str()).collect();
    let hints: Vec<String> = missing
        .iter()
        .filter_map(|(p, h)| h.as_ref().map(|h| format!("{p}: {h}")))
        .collect();
    let hint = if hints.is_empty() {
        "install them or fix the step commands".to_string()
    } else {
        hints.join("; ")
    };
    Check::fail(
        "PATH",
        format!("missing on PATH: {}", names.join(", ")),
        hint,
    )
    .details(details)
    .classified(Classification::Environment)
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
    if git::tracks_under(&ws.root, &rel) {
        return Check::fail(
            ".gitignore",
            format!("{shown} holds tracked files: sdetkit's artifacts would mix with them"),
            "use another --out-dir (without one, sdetkit uses .git/sdetkit here)",
        )
        .severity(Severity::Warn);
    }
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

fn presence(root: &Path, names: &[&str], hint: &str) -> Check {
    match names.iter().find(|n| root.join(n).is_file()) {
        Some(n) => Check::pass(names[0], format!("{n} present")),
        None => {
            Check::fail(names[0], format!("no {} file", names[0]), hint).severity(Severity::Warn)
        }
    }
}

fn changelog(root: &Path, config: &Config) -> Check {
    let off = config.release.changelog == crate::config::ChangelogSetting::Off;
    if off || config.release.skips(crate::config::ReleaseCheck::Changelog) {
        return Check::skip(
            "CHANGELOG.md",
            "the release gate does not check a changelog",
        );
    }
    match super::release::changelog_path(root, &config.release) {
        Some(p) if root.join(&p).is_file() => {
            Check::pass(p.display().to_string(), format!("{} present", p.display()))
        }
        _ => Check::fail(
            "CHANGELOG.md",
            "no changelog, which the release gate needs",
            "add CHANGELOG.md with a section per version",
        )
        .severity(Severity::Warn),
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
    .classified(Classification::Build)
}

fn secrets(findings: Option<&scan::Findings>) -> Check {
    let Some(f) = findings else {
        return not_scanned();
    };
    if f.secrets.is_empty() {
        return Check::pass("tracked files", "no secret-shaped strings");
    }
    let details: Vec<String> = f
        .secrets
        .iter()
        .map(|(p, l)| format!("{}:{l}", p.display()))
        .collect();
    Check::fail("tracked files",
        format!("secret-shaped string in {}", details[0]),
        "revoke the secret, remove it from the file (and history); fake test tokens can be allowed with [doctor] allow_secrets_in",
    )
    .details(details)
}

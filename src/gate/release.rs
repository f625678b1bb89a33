//! `gate release`: the release preflight. Built-in checks of release facts (tree, version,
//! changelog, tag, branch, upstream, fast-gate verdict) plus custom commands. A dry run
//! demotes only the release-moment checks to warnings; content checks still fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::check::{Check, timed};
use super::{Started, run_commands, select};
use crate::artifacts::proof::{GATE_FAST, GateKind, GateReport, Severity, StepRecord};
use crate::config::{Config, ReleaseCheck, ReleaseOptions};
use crate::error::{Error, Result};
use crate::repo::git::{self, GitFacts};
use crate::repo::manifest::{self, Version, VersionError};
use crate::runner::Redactor;
use crate::triage::Classification;
use crate::workspace::Workspace;

/// Where the fast-gate verdict comes from. The release gate never re-runs the fast gate.
#[derive(Debug, Clone)]
pub enum FastVerdict {
    /// This run's fast gate.
    ThisRun(bool),
    /// The fast gate's artifact on disk, with the commit it was recorded for.
    Recorded {
        /// Its verdict.
        ok: bool,
        /// The commit it was recorded for.
        commit: Option<String>,
    },
    /// No verdict available.
    Missing,
}

impl FastVerdict {
    /// Reads the recorded fast-gate artifact, if any.
    pub fn recorded(ws: &Workspace) -> Result<Self> {
        Ok(match GATE_FAST.read(&ws.out_dir)? {
            Some(gate) => FastVerdict::Recorded {
                ok: gate.ok,
                commit: gate.git.commit,
            },
            None => FastVerdict::Missing,
        })
    }
}

/// Runs the release gate.
#[allow(clippy::too_many_arguments)]
pub fn run(
    ws: &Workspace,
    config: &Config,
    redactor: &Arc<Redactor>,
    git: &GitFacts,
    dry_run: bool,
    fast: &FastVerdict,
    only: &[String],
    skip: &[String],
) -> Result<GateReport> {
    let started = Started::now();
    let custom_ids: Vec<&str> = config.release_steps.iter().map(|s| s.id.as_str()).collect();
    let builtin_only: Vec<String> = only
        .iter()
        .filter(|i| !custom_ids.contains(&i.as_str()))
        .cloned()
        .collect();
    if let Some(bad) = builtin_only
        .iter()
        .chain(skip)
        .find(|i| ReleaseCheck::parse(i).is_none() && !custom_ids.contains(&i.as_str()))
    {
        return Err(Error::Usage(format!(
            "unknown release step id `{bad}` (built-in: {}; custom: {})",
            ReleaseCheck::known(),
            if custom_ids.is_empty() {
                "none".to_string()
            } else {
                custom_ids.join(", ")
            }
        )));
    }
    let wanted = |check: ReleaseCheck| {
        let id = check.as_str();
        (only.is_empty() || only.iter().any(|o| o == id))
            && !skip.iter().any(|s| s == id)
            && !config.release.skips(check)
    };
    let mut steps = builtins(ws, &config.release, git, dry_run, fast, &wanted);
    let custom_only: Vec<String> = only
        .iter()
        .filter(|i| custom_ids.contains(&i.as_str()))
        .cloned()
        .collect();
    let run_custom = only.is_empty() || !custom_only.is_empty();
    if run_custom && !config.release_steps.is_empty() {
        let custom_skip: Vec<String> = skip
            .iter()
            .filter(|i| custom_ids.contains(&i.as_str()))
            .cloned()
            .collect();
        let specs = select(&config.release_steps, &custom_only, &custom_skip)?;
        steps.extend(run_commands(
            ws,
            config,
            GateKind::Release,
            &specs,
            redactor,
        ));
    }
    Ok(GateReport::new(
        GateKind::Release,
        ws,
        steps,
        dry_run,
        git.clone(),
        started,
    ))
}

/// What the built-in checks look at.
struct Facts<'a> {
    ws: &'a Workspace,
    opts: &'a ReleaseOptions,
    git: &'a GitFacts,
    version: Result<Version, VersionError>,
    fast: &'a FastVerdict,
}

impl Facts<'_> {
    fn check(&self, check: ReleaseCheck) -> Check {
        let (root, opts, git) = (&self.ws.root, self.opts, self.git);
        match check {
            ReleaseCheck::CleanTree => clean_tree(self.ws),
            ReleaseCheck::Version => version_check(&self.version),
            ReleaseCheck::Changelog => changelog(root, opts, &self.version),
            ReleaseCheck::Tag => tag(root, opts, &self.version, git),
            ReleaseCheck::Branch => branch(root, opts, git),
            ReleaseCheck::Upstream => upstream(root),
            ReleaseCheck::FastGate => fast_gate(self.fast, git),
        }
    }

    /// The records of `checks`, release-moment ones demoted to warnings in a dry run.
    fn records(
        &self,
        checks: impl Iterator<Item = ReleaseCheck>,
        dry_run: bool,
    ) -> Vec<StepRecord> {
        checks
            .map(|c| {
                timed(self.ws.epoch, c.as_str(), || {
                    let check = self.check(c);
                    if dry_run && c.is_moment() {
                        check.demote()
                    } else {
                        check
                    }
                })
            })
            .collect()
    }
}

fn facts<'a>(
    ws: &'a Workspace,
    opts: &'a ReleaseOptions,
    git: &'a GitFacts,
    fast: &'a FastVerdict,
) -> Facts<'a> {
    Facts {
        ws,
        opts,
        git,
        version: manifest::version(&ws.root, opts.version_file.as_deref()),
        fast,
    }
}

fn builtins(
    ws: &Workspace,
    opts: &ReleaseOptions,
    git: &GitFacts,
    dry_run: bool,
    fast: &FastVerdict,
    wanted: &dyn Fn(ReleaseCheck) -> bool,
) -> Vec<StepRecord> {
    let checks = ReleaseCheck::ALL.iter().copied().filter(|c| wanted(*c));
    facts(ws, opts, git, fast).records(checks, dry_run)
}

/// The release-moment checks, for `doctor --release`.
pub fn moment_checks(ws: &Workspace, opts: &ReleaseOptions, git: &GitFacts) -> Vec<StepRecord> {
    const MOMENT: [ReleaseCheck; 4] = [
        ReleaseCheck::CleanTree,
        ReleaseCheck::Branch,
        ReleaseCheck::Upstream,
        ReleaseCheck::Tag,
    ];
    facts(ws, opts, git, &FastVerdict::Missing).records(MOMENT.into_iter(), false)
}

fn not_a_repo(looked_at: &str) -> Check {
    Check::fail(
        looked_at,
        "not a git repository",
        "run `git init` and commit, or point --root at the repository",
    )
}

fn clean_tree(ws: &Workspace) -> Check {
    const LOOKED: &str = "git status --porcelain";
    let ignore = ws.out_dir_in_root();
    let Some(changed) = git::changed_paths(&ws.root, ignore.as_deref()) else {
        return not_a_repo(LOOKED);
    };
    if changed.is_empty() {
        return Check::pass(LOOKED, "work tree is clean");
    }
    let shown: Vec<String> = changed.iter().take(20).cloned().collect();
    Check::fail(
        LOOKED,
        format!(
            "{} uncommitted path(s): {}",
            changed.len(),
            shown.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ),
        "commit or stash your changes (`git stash -u`), then rerun",
    )
    .details(shown)
    .next("git status --short")
}

fn version_check(version: &Result<Version, VersionError>) -> Check {
    match version {
        Ok(v) if manifest::is_valid(&v.value, &v.source) => Check::pass(
            v.source.display().to_string(),
            format!("version {} (from {})", v.value, v.source.display()),
        ),
        Ok(v) => Check::fail(
            v.source.display().to_string(),
            format!(
                "`{}` in {} is not a valid release version",
                v.value,
                v.source.display()
            ),
            if v.source.ends_with("pyproject.toml") {
                "use a PEP 440 version such as 1.2.0"
            } else {
                "use a SemVer version such as 1.2.0"
            },
        ),
        Err(VersionError::NotFound) => Check::fail(
            "Cargo.toml, pyproject.toml, package.json",
            "no version found in Cargo.toml, pyproject.toml or package.json",
            "declare a version in the manifest, or set [gate.release] version_file in sdetkit.toml",
        ),
        Err(VersionError::Unreadable(path, message)) => Check::fail(
            path.display().to_string(),
            format!("cannot read the version from {}: {message}", path.display()),
            "fix the manifest, or set [gate.release] version_file in sdetkit.toml",
        )
        .classified(Classification::Config),
    }
}

/// The changelog file: the configured one, else the first usual name that exists.
pub fn changelog_path(root: &Path, opts: &ReleaseOptions) -> Option<PathBuf> {
    if let Some(p) = &opts.changelog {
        return Some(p.clone());
    }
    [
        "CHANGELOG.md",
        "CHANGELOG",
        "CHANGELOG.rst",
        "CHANGES.md",
        "HISTORY.md",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| root.join(p).is_file())
}

fn changelog(root: &Path, opts: &ReleaseOptions, version: &Result<Version, VersionError>) -> Check {
    let Ok(version) = version else {
        return Check::skip(
            "CHANGELOG.md",
            "no version to look for (see the version check)",
        );
    };
    let Some(path) = changelog_path(root, opts) else {
        return Check::fail(
            "CHANGELOG.md",
            "no changelog file (CHANGELOG.md, CHANGES.md, HISTORY.md)",
            format!(
                "add CHANGELOG.md with a `## [{}]` section, or set [gate.release] changelog",
                version.value
            ),
        );
    };
    let looked = path.display().to_string();
    let text = match std::fs::read(root.join(&path)) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            return Check::fail(
                looked.clone(),
                format!("cannot read {looked}: {e}"),
                "check the file",
            );
        }
    };
    match entry_line(&text, &version.value) {
        Some(line) => Check::pass(
            looked.clone(),
            format!("{looked}:{line} has an entry for {}", version.value),
        ),
        None => Check::fail(
            looked.clone(),
            format!("{looked} has no entry for version {}", version.value),
            format!(
                "add a `## [{}]` section describing this release to {looked}",
                version.value
            ),
        ),
    }
}

/// The 1-based line of a heading naming `version` (`## [1.2.0] - date`, `# v1.2.0`, or an
/// underlined reStructuredText title).
pub fn entry_line(text: &str, version: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let names_version = |line: &str| {
        line.split(|c: char| !(c.is_ascii_alphanumeric() || ".+-".contains(c)))
            .any(|token| token.strip_prefix('v').unwrap_or(token) == version)
    };
    lines.iter().enumerate().find_map(|(i, line)| {
        let underlined = lines
            .get(i + 1)
            .is_some_and(|next| next.len() >= 3 && next.chars().all(|c| "=-~^".contains(c)));
        ((line.starts_with('#') || underlined) && names_version(line)).then_some(i + 1)
    })
}

fn tag(
    root: &Path,
    opts: &ReleaseOptions,
    version: &Result<Version, VersionError>,
    git: &GitFacts,
) -> Check {
    let Ok(version) = version else {
        return Check::skip("git tags", "no version to tag (see the version check)");
    };
    let name = format!("{}{}", opts.tag_prefix, version.value);
    let looked = format!("git tag {name}");
    if !git::is_repo(root) {
        return not_a_repo(&looked);
    }
    match git::tag_commit(root, &name) {
        None => Check::pass(looked, format!("tag {name} does not exist yet")),
        Some(commit) if Some(&commit) == git.commit.as_ref() => {
            Check::pass(looked, format!("tag {name} points at HEAD"))
        }
        Some(commit) => Check::fail(
            looked,
            format!(
                "tag {name} already exists on {} (not HEAD)",
                &commit[..commit.len().min(12)]
            ),
            "bump the version: this one was already released",
        )
        .next(format!("git show --stat {name}")),
    }
}

fn branch(root: &Path, opts: &ReleaseOptions, git: &GitFacts) -> Check {
    const LOOKED: &str = "git symbolic-ref HEAD";
    if !git::is_repo(root) {
        return not_a_repo(LOOKED);
    }
    let allowed = opts.release_branches.patterns().join(", ");
    match &git.branch {
        None => Check::fail(
            LOOKED,
            "HEAD is detached",
            format!("check out a release branch ({allowed})"),
        ),
        Some(b) if opts.release_branches.is_match(b) => {
            Check::pass(LOOKED, format!("`{b}` is a release branch"))
        }
        Some(b) => Check::fail(
            LOOKED,
            format!("`{b}` is not a release branch ({allowed})"),
            "merge into a release branch, or add it to [gate.release] release_branches",
        ),
    }
}

fn upstream(root: &Path) -> Check {
    const LOOKED: &str = "git rev-list --left-right --count HEAD...@{upstream}";
    if !git::is_repo(root) {
        return not_a_repo(LOOKED);
    }
    let Some((ahead, behind)) = git::upstream_counts(root) else {
        return Check::skip(LOOKED, "no upstream branch configured");
    };
    let name = git::upstream_name(root).unwrap_or_else(|| "upstream".into());
    match (ahead, behind) {
        (0, 0) => Check::pass(LOOKED, format!("in sync with {name}")),
        (a, 0) => Check::fail(
            LOOKED,
            format!("{a} commit(s) not pushed to {name}"),
            "push first: `git push`",
        ),
        (_, b) => Check::fail(
            LOOKED,
            format!("{b} commit(s) behind {name}"),
            "integrate upstream first: `git pull --rebase`",
        ),
    }
}

fn fast_gate(verdict: &FastVerdict, git: &GitFacts) -> Check {
    const LOOKED: &str = "gate-fast verdict";
    let fix = format!("fix the fast gate first (see {})", GATE_FAST.name());
    match verdict {
        FastVerdict::ThisRun(true) => Check::pass(LOOKED, "fast gate passed in this run"),
        FastVerdict::ThisRun(false) => {
            Check::fail(LOOKED, "fast gate failed in this run", fix).next("sdetkit gate fast")
        }
        FastVerdict::Recorded { ok, commit } if commit.is_some() && commit == &git.commit => {
            let short = commit.as_deref().map_or("", |c| &c[..c.len().min(12)]);
            if *ok {
                Check::pass(LOOKED, format!("recorded fast gate passed on {short}"))
            } else {
                Check::fail(LOOKED, format!("recorded fast gate failed on {short}"), fix)
                    .next("sdetkit gate fast")
            }
        }
        FastVerdict::Recorded { .. } => Check::skip(
            LOOKED,
            format!(
                "the recorded {} is for another commit; run `sdetkit gate fast` (or `sdetkit ops proof`) to include it",
                GATE_FAST.name()
            ),
        ),
        FastVerdict::Missing => Check::skip(
            LOOKED,
            "no fast-gate verdict yet; run `sdetkit gate fast` (or `sdetkit ops proof`) to include it",
        ),
    }
    .severity(Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::entry_line;

    #[test]
    fn changelog_entries() {
        let text = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2024-01-01\n- x\n";
        assert_eq!(entry_line(text, "1.2.0"), Some(5));
        assert_eq!(entry_line(text, "1.2"), None);
        assert_eq!(entry_line("## v2.0.0\n", "2.0.0"), Some(1));
        assert_eq!(entry_line("## 1.2.0-rc1\n", "1.2.0"), None);
        assert_eq!(entry_line("1.0.0\n=====\n", "1.0.0"), Some(1));
        assert_eq!(entry_line("- fixed 1.2.0 bug\n", "1.2.0"), None);
    }
}

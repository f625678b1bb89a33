//! `gate release`: the release preflight. Built-in checks of release facts (tree, version,
//! changelog, tag, branch, upstream, fast-gate verdict) plus custom commands. A dry run
//! demotes only the release-moment checks to warnings; content checks still fail.

use std::path::{Path, PathBuf};

use super::check::{Check, timed};
use super::{Started, run_commands, select};
use crate::artifacts::proof::{GATE_FAST, GateKind, GateReport, Severity, StepRecord};
use crate::config::{ChangelogSetting, Config, ReleaseCheck, ReleaseOptions};
use crate::error::{Error, Result};
use crate::repo::changelog;
use crate::repo::git::{self, GitFacts};
use crate::repo::tags::{self, Convention};
use crate::repo::version::{self, Lookup, Source, Version, VersionError};
use crate::repo::worktree::{Upstream, Worktree};
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

/// What a release gate run is judged with besides the config.
pub struct Context<'a> {
    /// HEAD's commit and branch.
    pub git: &'a GitFacts,
    /// The work tree before the run's steps (`None` outside a git repository).
    pub tree: Option<&'a Worktree>,
    /// A rehearsal: release-moment checks only warn.
    pub dry_run: bool,
    /// The fast gate's verdict.
    pub fast: &'a FastVerdict,
}

/// Runs the release gate.
pub fn run(
    ws: &Workspace,
    config: &Config,
    cx: &Context,
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
    let checks = ReleaseCheck::ALL.iter().copied().filter(|c| wanted(*c));
    let mut steps = facts(ws, &config.release, cx).records(checks, cx.dry_run);
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
        steps.extend(run_commands(ws, config, GateKind::Release, &specs, None)?);
    }
    Ok(GateReport::new(
        GateKind::Release,
        ws,
        steps,
        cx.dry_run,
        cx.git.clone(),
        started,
    ))
}

/// What the built-in checks look at.
struct Facts<'a> {
    ws: &'a Workspace,
    opts: &'a ReleaseOptions,
    cx: &'a Context<'a>,
    convention: Convention,
    version: Result<Version, VersionError>,
    /// Why the version check will not say, when it is turned off.
    version_skipped: bool,
}

impl Facts<'_> {
    fn check(&self, check: ReleaseCheck) -> Check {
        let (root, opts, git) = (&self.ws.root, self.opts, self.cx.git);
        match check {
            ReleaseCheck::CleanTree => clean_tree(self.ws, self.cx.tree),
            ReleaseCheck::Version => version_check(&self.version),
            ReleaseCheck::Changelog => changelog(self),
            ReleaseCheck::Tag => tag(self),
            ReleaseCheck::Branch => branch(root, opts, git),
            ReleaseCheck::Upstream => upstream(self.cx.tree),
            ReleaseCheck::FastGate => fast_gate(self.cx.fast, git),
        }
    }

    /// The records of `checks`, release-moment failures demoted to warnings in a dry run.
    fn records(
        &self,
        checks: impl Iterator<Item = ReleaseCheck>,
        dry_run: bool,
    ) -> Vec<StepRecord> {
        checks
            .map(|c| {
                timed(self.ws.epoch, c.as_str(), || {
                    let check = self.check(c);
                    if dry_run && (c.is_moment() || check.moment) {
                        check.demote()
                    } else {
                        check
                    }
                })
            })
            .collect()
    }

    /// Why a check that needs the version cannot run.
    fn no_version(&self, what: &str) -> String {
        match (&self.version, self.version_skipped) {
            (Err(VersionError::PerPackage { example }), _) => format!(
                "packages are versioned and tagged one by one (e.g. {example}): no single release {what}"
            ),
            (_, true) => format!(
                "no version to look for: the version check is turned off ([gate.release] skip) and no version could be read, so the {what} cannot be checked"
            ),
            _ => format!("no version to look for, so no {what} (see the version check)"),
        }
    }
}

fn facts<'a>(ws: &'a Workspace, opts: &'a ReleaseOptions, cx: &'a Context) -> Facts<'a> {
    let convention = match &opts.tag_prefix {
        Some(prefix) => Convention::Prefix(prefix.clone()),
        None => tags::convention(&ws.root),
    };
    // The convention is passed on, so the version is not looked for by listing the tags again.
    let lookup = Lookup {
        version_file: opts.version_file.as_deref(),
        convention: Some(&convention),
    };
    Facts {
        ws,
        opts,
        cx,
        version: version::resolve(&ws.root, &lookup),
        version_skipped: opts.skips(ReleaseCheck::Version),
        convention,
    }
}

/// The release-moment checks, for `doctor --release`.
pub fn moment_checks(ws: &Workspace, opts: &ReleaseOptions, git: &GitFacts) -> Vec<StepRecord> {
    const MOMENT: [ReleaseCheck; 4] = [
        ReleaseCheck::CleanTree,
        ReleaseCheck::Branch,
        ReleaseCheck::Upstream,
        ReleaseCheck::Tag,
    ];
    let tree = ws.worktree();
    let cx = Context {
        git,
        tree: tree.as_ref(),
        dry_run: false,
        fast: &FastVerdict::Missing,
    };
    facts(ws, opts, &cx).records(MOMENT.into_iter(), false)
}

fn not_a_repo(looked_at: &str) -> Check {
    Check::fail(
        looked_at,
        "not a git repository",
        "run `git init` and commit, or point --root at the repository",
    )
}

/// sdetkit's own configuration files, which `init` writes and the user commits.
const OWN_FILES: [&str; 2] = ["sdetkit.toml", "sdetkit.mk"];

/// The tree as it was before the run's steps decides; what the steps wrote since is reported
/// apart, so a gate that builds into the tree never blocks a release of a clean one.
fn clean_tree(ws: &Workspace, before: Option<&Worktree>) -> Check {
    const LOOKED: &str = "git status --porcelain";
    let Some(changed) = before.map(|t| &t.changed) else {
        return not_a_repo(LOOKED);
    };
    let now = ws.worktree().map(|t| t.changed).unwrap_or_default();
    let written: Vec<String> = now.into_iter().filter(|p| !changed.contains(p)).collect();
    if changed.is_empty() {
        if written.is_empty() {
            return Check::pass(LOOKED, "work tree is clean");
        }
        return Check::fail(
            LOOKED,
            format!(
                "work tree was clean; this run's steps wrote {} untracked path(s) ({}), not counted",
                written.len(),
                shown(&written)
            ),
            "git-ignore what the steps write, so that a real release sees a clean tree",
        )
        .severity(Severity::Warn)
        .details(written.into_iter().take(20).collect());
    }
    let ours = changed.iter().all(|p| OWN_FILES.contains(&p.as_str()));
    let (hint, next) = if ours {
        (
            "commit sdetkit's configuration".to_string(),
            format!(
                "git add {} && git commit -m 'Add sdetkit configuration'",
                changed.join(" ")
            ),
        )
    } else {
        (
            "commit or stash your changes, then rerun".to_string(),
            "git stash --include-untracked".to_string(),
        )
    };
    let mut details: Vec<String> = changed.iter().take(20).cloned().collect();
    details.extend(
        written
            .iter()
            .take(10)
            .map(|p| format!("{p} (written by this run, not counted)")),
    );
    Check::fail(
        LOOKED,
        format!("{} uncommitted path(s): {}", changed.len(), shown(changed)),
        hint,
    )
    .details(details)
    .next(next)
}

/// The first three paths, for a message.
fn shown(paths: &[String]) -> String {
    paths.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
}

fn version_check(version: &Result<Version, VersionError>) -> Check {
    match version {
        Ok(v) if !version::is_valid(v) => Check::fail(
            v.source.describe(),
            format!(
                "`{}` in {} is not a valid release version",
                v.value,
                v.source.describe()
            ),
            match v.source {
                Source::File(ref p)
                    if p.extension().is_some_and(|e| e == "py" || e == "cfg")
                        || p.ends_with("pyproject.toml") =>
                {
                    "use a PEP 440 version such as 1.2.0"
                }
                _ => "use a SemVer version such as 1.2.0",
            },
        ),
        Ok(v) if version::is_development(&v.value) => Check::fail(
            v.source.describe(),
            format!(
                "`{}` is a development version: a release carries {}",
                v.value,
                version::release_of(&v.value)
            ),
            format!(
                "set the version to {} in {} when you release",
                version::release_of(&v.value),
                v.source.describe()
            ),
        )
        .at_release_moment(),
        Ok(v) => Check::pass(
            v.source.describe(),
            format!("version {} (from {})", v.value, v.source.describe()),
        ),
        Err(VersionError::NotFound) => Check::fail(
            "manifests and tags",
            "no version found: no manifest declares one and no release tag is reachable",
            "declare a version in the manifest, tag a release (`git tag v0.1.0`), or set [gate.release] version_file in sdetkit.toml",
        ),
        Err(VersionError::Unreadable(path, message)) => Check::fail(
            path.display().to_string(),
            format!("cannot read the version from {}: {message}", path.display()),
            "fix the manifest, or set [gate.release] version_file in sdetkit.toml",
        )
        .classified(Classification::Config),
        Err(VersionError::PerPackage { example }) => Check::skip(
            "tags",
            format!(
                "packages are versioned and tagged one by one (e.g. {example}): no single release version to check"
            ),
        ),
    }
}

/// The changelog file the release gate reads: the configured one, else the usual names.
pub fn changelog_path(root: &Path, opts: &ReleaseOptions) -> Option<PathBuf> {
    match &opts.changelog {
        ChangelogSetting::File(p) => Some(p.clone()),
        ChangelogSetting::Auto => changelog::find(root),
        ChangelogSetting::Off => None,
    }
}

fn changelog(f: &Facts) -> Check {
    const USUAL: &str = "CHANGELOG.md, CHANGES.rst, HISTORY.md, NEWS…";
    let root = &f.ws.root;
    if f.opts.changelog == ChangelogSetting::Off {
        return Check::skip(
            "changelog = false",
            "the repository keeps no changelog ([gate.release] changelog = false)",
        );
    }
    let Some(path) = changelog_path(root, f.opts) else {
        return Check::fail(
            USUAL,
            "no changelog file: releases are described elsewhere (GitHub releases?)",
            "keep one, or say the repository keeps none: `changelog = false` in [gate.release]",
        )
        .severity(Severity::Warn);
    };
    let looked = path.display().to_string();
    let read = crate::files::read_text(
        &root.join(&path),
        crate::config::CHANGELOG_CAP,
        crate::files::Links::Follow,
    );
    let text = match read {
        Ok(Some(text)) => text,
        problem => {
            let why = problem.map_or_else(|e| e.problem(), |_| "no such file".to_string());
            return Check::fail(
                looked.clone(),
                format!("cannot read {looked}: {why}"),
                "check the file",
            );
        }
    };
    if !changelog::has_entries(&text) {
        return Check::fail(
            looked.clone(),
            format!("{looked} has no version entries: it points elsewhere, it is not kept by hand"),
            "keep entries in it, or say the repository keeps none: `changelog = false` in [gate.release]",
        )
        .severity(Severity::Warn);
    }
    let Ok(version) = &f.version else {
        return Check::skip(looked, f.no_version("changelog entry"));
    };
    let release = version::release_of(&version.value);
    match changelog::entry_line(&text, release) {
        Some(line) => Check::pass(
            looked.clone(),
            format!("{looked}:{line} has an entry for {release}"),
        ),
        None => match stale_since(f, &text) {
            // Releases went out without entries: the changelog is history, not the record.
            Some(released) => Check::fail(
                looked.clone(),
                match released == release {
                    true => format!("{looked} has no entry for {release}, which is already released: it stopped being kept; releases are described elsewhere"),
                    false => format!("{looked} has no entry for {release}, nor for {released}, the latest release: it stopped being kept; releases are described elsewhere"),
                },
                "keep entries in it, or say the repository keeps none: `changelog = false` in [gate.release]",
            )
            .severity(Severity::Warn),
            None => Check::fail(
                looked.clone(),
                format!("{looked} has no entry for version {release}"),
                format!("add a section describing release {release} to {looked}"),
            ),
        },
    }
}

/// The latest released version (the highest release tag HEAD contains), when the changelog
/// has no entry for it either.
fn stale_since(f: &Facts, text: &str) -> Option<String> {
    let prefix = f.convention.prefix()?;
    let latest = crate::repo::tags::latest_reachable(&f.ws.root, prefix)?;
    changelog::entry_line(text, &latest.version)
        .is_none()
        .then_some(latest.version)
}

fn tag(f: &Facts) -> Check {
    let (root, git) = (&f.ws.root, f.cx.git);
    let prefix = match &f.convention {
        Convention::PerPackage { .. } => {
            return Check::skip("git tags", f.no_version("tag"));
        }
        c => c.prefix().unwrap_or("v").to_string(),
    };
    let Ok(version) = &f.version else {
        return Check::skip("git tags", f.no_version("tag"));
    };
    if let Source::Tag {
        name,
        commits_since,
    } = &version.source
    {
        return tag_of_tagged_version(&prefix, name, *commits_since, &version.value);
    }
    let name = format!("{prefix}{}", version::release_of(&version.value));
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
                "tag {name} already exists on {} (not HEAD): this version was already released",
                &commit[..commit.len().min(12)]
            ),
            format!(
                "bump the version in {} before releasing",
                version.source.describe()
            ),
        )
        .next(format!("git log --oneline {name}..HEAD")),
    }
}

/// The tag check of a version read from the latest tag: HEAD is that release, or the next
/// release still needs its tag.
fn tag_of_tagged_version(prefix: &str, name: &str, commits_since: u64, version: &str) -> Check {
    let looked = format!("git describe --tags --match '{prefix}*'");
    if commits_since == 0 {
        return Check::pass(looked, format!("tag {name} points at HEAD"));
    }
    let next = format!("{prefix}{}", bump_patch(version));
    Check::fail(
        looked,
        format!("HEAD is {commits_since} commit(s) after {name} and carries no release tag"),
        format!("tag the release (`git tag {next}`, or the version you release) when you cut it"),
    )
    .next(format!("git tag {next}"))
}

/// `1.6.0` → `1.6.1` (the last numeric part plus one; pre-release suffixes dropped).
fn bump_patch(version: &str) -> String {
    let core: Vec<&str> = version
        .split(['-', '+'])
        .next()
        .unwrap_or(version)
        .split('.')
        .collect();
    let mut parts: Vec<String> = core.iter().map(|p| p.to_string()).collect();
    if let Some(last) = parts.last_mut()
        && let Ok(n) = last.parse::<u64>()
    {
        *last = (n + 1).to_string();
    }
    parts.join(".")
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
        Some(b) => {
            let check = Check::fail(
                LOOKED,
                format!("`{b}` is not a release branch ({allowed})"),
                "merge into a release branch, or add it to [gate.release] release_branches",
            );
            match opts
                .release_branches
                .patterns()
                .iter()
                .find(|p| !p.contains('*'))
            {
                Some(target) => check.next(format!("git switch {target}")),
                None => check,
            }
        }
    }
}

fn upstream(tree: Option<&Worktree>) -> Check {
    const LOOKED: &str = "git status --branch";
    let Some(tree) = tree else {
        return not_a_repo(LOOKED);
    };
    let Some(Upstream {
        name,
        ahead,
        behind,
    }) = &tree.upstream
    else {
        return Check::skip(LOOKED, "no upstream branch configured");
    };
    match (*ahead, *behind) {
        (0, 0) => Check::pass(LOOKED, format!("in sync with {name}")),
        (a, 0) => Check::fail(
            LOOKED,
            format!("{a} commit(s) not pushed to {name}"),
            "push first: `git push`",
        )
        .next("git push"),
        (_, b) => Check::fail(
            LOOKED,
            format!("{b} commit(s) behind {name}"),
            "integrate upstream first: `git pull --rebase`",
        )
        .next("git pull --rebase"),
    }
}

/// The fast gate's verdict, for the reader of the release artifact. It never counts as a
/// release-gate failure of its own: the decision already requires the fast gate, and the
/// release failure rate must measure the release gate (one cause counted once).
fn fast_gate(verdict: &FastVerdict, git: &GitFacts) -> Check {
    const LOOKED: &str = "gate-fast verdict";
    let failed = |message: String| {
        Check::fail(
            LOOKED,
            format!("{message} (counted in gate-fast, not here)"),
            format!("fix the fast gate first (see {})", GATE_FAST.name()),
        )
        .severity(Severity::Info)
        .next("sdetkit gate fast")
    };
    match verdict {
        FastVerdict::ThisRun(true) => Check::pass(LOOKED, "fast gate passed in this run"),
        FastVerdict::ThisRun(false) => failed("fast gate failed in this run".into()),
        FastVerdict::Recorded { ok, commit } if commit.is_some() && commit == &git.commit => {
            let short = commit.as_deref().map_or("", |c| &c[..c.len().min(12)]);
            if *ok {
                Check::pass(LOOKED, format!("recorded fast gate passed on {short}"))
            } else {
                failed(format!("recorded fast gate failed on {short}"))
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
}

#[cfg(test)]
mod tests {
    use super::bump_patch;

    #[test]
    fn next_patch_versions() {
        assert_eq!(bump_patch("1.6.0"), "1.6.1");
        assert_eq!(bump_patch("1.0"), "1.1");
        assert_eq!(bump_patch("5.0.0-rc.2"), "5.0.1");
    }
}

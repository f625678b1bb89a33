//! Git facts, by shelling out to `git` (no git library: the user's git, config and hooks
//! are the truth).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// Commit, branch and dirtiness, as recorded in every artifact.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct GitFacts {
    /// HEAD commit, when there is one.
    pub commit: Option<String>,
    /// Current branch; `None` when detached or not a repository.
    pub branch: Option<String>,
    /// Whether the work tree has changes outside the out-dir.
    pub dirty: bool,
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = crate::tools::git(root)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// `git` for a fact of the repository's layout, which nothing sdetkit does changes while it
/// runs (where the work tree and the git directory are, whether the out-dir is ignored): asked
/// once per process. The workspace, the release gate and the doctor each need them; a lane
/// asked the same questions up to three times, 2 ms a question.
fn git_layout(root: &Path, args: &[&str]) -> Option<String> {
    asked_once(root, &args.join("\0"), || git(root, args))
}

/// An answer asked once, that other threads wait for while it is being asked.
type Once = Arc<OnceLock<Option<String>>>;

/// The answer to `question` about `root`, asked with `ask` the first time in this process; a
/// thread asking while another does waits for that answer instead of asking again.
fn asked_once(root: &Path, question: &str, ask: impl FnOnce() -> Option<String>) -> Option<String> {
    static CELLS: OnceLock<Mutex<HashMap<(PathBuf, String), Once>>> = OnceLock::new();
    let cell = {
        let cells = CELLS.get_or_init(Mutex::default);
        let mut cells = cells.lock().unwrap_or_else(|e| e.into_inner());
        let key = (root.to_path_buf(), question.to_string());
        Arc::clone(cells.entry(key).or_default())
    };
    cell.get_or_init(ask).clone()
}

/// Where `dir`'s git directory and work tree are: one question for both, as every lane
/// needs both. `None` for a part outside a work tree (a bare repository, inside `.git`, no
/// repository): git then refuses `--show-toplevel`.
fn layout(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let answer = git_layout(dir, &["rev-parse", "--absolute-git-dir", "--show-toplevel"])?;
    let (git_dir, top) = answer.split_once('\n')?;
    Some((PathBuf::from(git_dir), PathBuf::from(top)))
}

/// The top-level directory of the work tree containing `dir`.
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    layout(dir).map(|(_, top)| top)
}

/// Whether `root` is inside a git work tree.
pub fn is_repo(root: &Path) -> bool {
    layout(root).is_some()
}

/// The HEAD commit.
pub fn head(root: &Path) -> Option<String> {
    git(root, &["rev-parse", "--verify", "-q", "HEAD"])
}

/// The commit a tag points at, if the tag exists.
pub fn tag_commit(root: &Path, tag: &str) -> Option<String> {
    git(
        root,
        &[
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/tags/{tag}^{{commit}}"),
        ],
    )
}

/// The repository's identity across machines: its `origin` remote's URL, normalised
/// (`git@github.com:O/R.git` and `https://github.com/O/R` are both `github.com/O/R`), else
/// `root:<first commit>`. Asked once per process; [`prefetch_identity`] asks it ahead.
pub fn identity(root: &Path) -> Option<String> {
    asked_once(root, "identity", || ask_identity(root))
}

/// Starts asking [`identity`] on a thread of its own, so that a lane that records it at the
/// end (two git calls) has the answer by then; a later [`identity`] waits for it.
pub fn prefetch_identity(root: &Path) {
    let root = root.to_path_buf();
    std::thread::spawn(move || identity(&root));
}

fn ask_identity(root: &Path) -> Option<String> {
    if let Some(url) = git(root, &["remote", "get-url", "origin"]) {
        return Some(normalise_remote(&url));
    }
    let roots = git(root, &["rev-list", "--max-parents=0", "HEAD"])?;
    roots.lines().last().map(|c| format!("root:{c}"))
}

/// `git@host:o/r.git`, `https://user@host/o/r.git/`, `ssh://git@host:22/o/r` → `host/o/r`.
pub fn normalise_remote(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.to_string(),
        // scp-like `git@host:owner/repo`
        None => url.replacen(':', "/", 1),
    };
    let rest = rest.rsplit_once('@').map_or(rest.as_str(), |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    if path.is_empty() {
        host
    } else {
        format!("{host}/{path}")
    }
}

/// Every tag name.
pub fn tag_names(root: &Path) -> Vec<String> {
    lines(git(root, &["tag", "--list"]))
}

/// The tags named `<prefix>*` that HEAD contains.
pub fn tags_merged_into_head(root: &Path, prefix: &str) -> Vec<String> {
    let pattern = format!("{prefix}*");
    lines(git(root, &["tag", "--merged", "HEAD", "--list", &pattern]))
}

/// Commits on HEAD after `rev`.
pub fn commits_since(root: &Path, rev: &str) -> Option<u64> {
    git(root, &["rev-list", "--count", &format!("{rev}..HEAD")])?
        .trim()
        .parse()
        .ok()
}

/// The repository's git directory (per work tree), absolute: from the one layout question
/// inside a work tree, else asked alone (a bare repository has a git directory and no tree).
pub fn git_dir(root: &Path) -> Option<PathBuf> {
    match layout(root) {
        Some((git_dir, _)) => Some(git_dir),
        None => git_layout(root, &["rev-parse", "--absolute-git-dir"]).map(PathBuf::from),
    }
}

/// Where git looks for hook `name` (`pre-push`): under the git directory's `hooks/`, or
/// `core.hooksPath` when set; absolute.
pub fn hook_path(root: &Path, name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(git(
        root,
        &["rev-parse", "--git-path", &format!("hooks/{name}")],
    )?);
    Some(if path.is_absolute() {
        path
    } else {
        root.join(path)
    })
}

/// One entry of git's index: a tracked path (relative to the root) and its blob id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The path, `/`-separated, relative to the root.
    pub path: String,
    /// The blob id of its staged content.
    pub blob: String,
}

/// Git's index as the run found it, read once per process: the step-input digest, the
/// doctor's scans and the out-dir check each need the tracked files, and one `git ls-files`
/// answers all three (a lane asked three times).
pub fn index(root: &Path) -> Arc<Vec<Tracked>> {
    static INDEXES: OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<Tracked>>>>> = OnceLock::new();
    let indexes = INDEXES.get_or_init(Mutex::default);
    if let Some(known) = indexes.lock().ok().and_then(|i| i.get(root).cloned()) {
        return known;
    }
    let entries = git(root, &["ls-files", "--stage", "-z"]).unwrap_or_default();
    let listed: Vec<Tracked> = entries
        .split('\0')
        .filter_map(|entry| {
            // `<mode> <blob> <stage>\t<path>`
            let (meta, path) = entry.split_once('\t')?;
            let blob = meta.split(' ').nth(1)?;
            Some(Tracked {
                path: path.to_string(),
                blob: blob.to_string(),
            })
        })
        .collect();
    let listed = Arc::new(listed);
    if let Ok(mut i) = indexes.lock() {
        i.insert(root.to_path_buf(), listed.clone());
    }
    listed
}

/// Whether any file under `dir` (relative to `root`; empty: the root itself) is tracked.
pub fn tracks_under(root: &Path, dir: &Path) -> bool {
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    index(root).iter().any(|t| {
        dir.is_empty()
            || t.path == dir
            || t.path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

fn lines(out: Option<String>) -> Vec<String> {
    out.map(|o| o.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Tracked files, relative to `root`.
pub fn tracked_files(root: &Path) -> Vec<PathBuf> {
    index(root).iter().map(|t| PathBuf::from(&t.path)).collect()
}

/// Whether git ignores `path` (relative to `root`).
pub fn is_ignored(root: &Path, path: &Path) -> bool {
    let path = path.to_string_lossy();
    git_layout(root, &["check-ignore", "-q", "--no-index", &path]).is_some()
}

/// A tag, the commit it points at, and that commit's committer date (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// The tag.
    pub name: String,
    /// The commit it points at.
    pub commit: String,
    /// That commit's committer date (RFC 3339).
    pub date: String,
}

/// The tags named `<prefix>*`, annotated or not, with their commits.
pub fn tags(root: &Path, prefix: &str) -> Vec<TagInfo> {
    // An annotated tag's own object is not the commit: peel it (`*`) when there is one.
    let format = "--format=%(refname:strip=2)%09\
        %(if)%(*objectname)%(then)%(*objectname)%(else)%(objectname)%(end)%09\
        %(if)%(*objectname)%(then)%(*committerdate:iso-strict)%(else)%(committerdate:iso-strict)%(end)";
    let pattern = format!("refs/tags/{prefix}*");
    let out = git(root, &["for-each-ref", format, &pattern]).unwrap_or_default();
    out.lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            Some(TagInfo {
                name: f.next()?.to_string(),
                commit: f.next()?.to_string(),
                date: f.next().filter(|d| !d.is_empty())?.to_string(),
            })
        })
        .collect()
}

/// A commit a release shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Committer date (RFC 3339).
    pub date: String,
    /// The subject line.
    pub subject: String,
}

/// The commits reachable from `to` and not from `from` (what a release at `to` shipped after
/// the release at `from`), newest first; empty when either is unknown to git.
pub fn changes(root: &Path, from: &str, to: &str) -> Vec<Change> {
    let range = format!("{from}..{to}");
    let out = git(root, &["log", "--format=%cI%x09%s", &range, "--"]).unwrap_or_default();
    out.lines()
        .filter_map(|line| {
            let (date, subject) = line.split_once('\t')?;
            Some(Change {
                date: date.to_string(),
                subject: subject.to_string(),
            })
        })
        .collect()
}

/// A `git revert` commit on HEAD's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// The revert commit.
    pub commit: String,
    /// Committer date (RFC 3339).
    pub date: String,
    /// The commit it reverts (`This reverts commit <sha>`).
    pub reverted: String,
}

/// The revert commits reachable from HEAD, newest first.
pub fn reverts(root: &Path) -> Vec<Revert> {
    let out = git(
        root,
        &[
            "log",
            "--fixed-strings",
            "--grep=This reverts commit ",
            "--format=%H%x1f%cI%x1f%B%x1e",
        ],
    )
    .unwrap_or_default();
    out.split('\x1e').filter_map(parse_revert).collect()
}

fn parse_revert(record: &str) -> Option<Revert> {
    let mut f = record.trim_start().splitn(3, '\x1f');
    let (commit, date, body) = (f.next()?, f.next()?, f.next()?);
    let (_, after) = body.split_once("This reverts commit ")?;
    let reverted: String = after.chars().take_while(char::is_ascii_hexdigit).collect();
    (reverted.len() >= 7).then(|| Revert {
        commit: commit.to_string(),
        date: date.to_string(),
        reverted,
    })
}

/// The tags named `<prefix>*` whose history contains `commit`.
pub fn tags_containing(root: &Path, prefix: &str, commit: &str) -> Vec<String> {
    let pattern = format!("{prefix}*");
    git(root, &["tag", "--list", &pattern, "--contains", commit])
        .map(|out| out.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{index, normalise_remote, tracked_files, tracks_under};
    use std::path::Path;

    #[test]
    fn tracked_files_and_directories_come_from_one_index_listing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .arg("-C")
                .arg(root)
                .args(args)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        for file in ["buildx/a.txt", "build/b.txt", "src/c d.rs"] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), file).unwrap();
        }
        git(&["add", "buildx/a.txt", "src/c d.rs"]);
        assert!(tracks_under(root, Path::new("buildx")));
        assert!(
            !tracks_under(root, Path::new("build")),
            "a prefix of a name is not its directory"
        );
        assert!(tracks_under(root, Path::new("src/c d.rs")));
        assert!(tracks_under(root, Path::new("")));
        assert_eq!(tracked_files(root).len(), 2);
        assert_eq!(index(root)[1].path, "src/c d.rs");
        assert_eq!(index(root)[1].blob.len(), 40);
    }

    #[test]
    fn remotes_name_the_same_repository_the_same_way() {
        for url in [
            "git@github.com:O/R.git",
            "https://github.com/O/R",
            "https://user:token@GitHub.com/O/R.git/",
            "ssh://git@github.com:22/O/R",
        ] {
            assert_eq!(normalise_remote(url), "github.com/O/R", "{url}");
        }
    }
}

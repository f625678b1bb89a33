//! The work tree in one `git status --porcelain=v2 --branch -z` call: HEAD, the branch, its
//! upstream and how far apart they are, and every changed or untracked file. Everything a
//! run needs to know about the tree, read once, before any step can write to it.

use std::path::Path;
use std::process::Stdio;

use super::git::GitFacts;

/// The branch's upstream and how far HEAD is from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `origin/main`.
    pub name: String,
    /// Commits on HEAD not on the upstream.
    pub ahead: u64,
    /// Commits on the upstream not on HEAD.
    pub behind: u64,
}

/// A snapshot of the work tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Worktree {
    /// HEAD's commit; `None` before the first commit.
    pub head: Option<String>,
    /// The checked-out branch; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// The upstream, when the branch has one.
    pub upstream: Option<Upstream>,
    /// Changed, deleted, conflicted and untracked files (untracked ones under the out-dir
    /// left out: they are sdetkit's own), sorted.
    pub changed: Vec<String>,
}

impl Worktree {
    /// Reads the work tree of `root`; `out_dir` is the out-dir relative to it, when inside.
    /// `None` outside a git repository.
    pub fn read(root: &Path, out_dir: Option<&Path>) -> Option<Worktree> {
        let out = crate::tools::git(root)
            .args([
                "status",
                "--porcelain=v2",
                "--branch",
                "-z",
                "--untracked-files=all",
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let ignore = out_dir.map(|p| p.to_string_lossy().trim_end_matches('/').to_string());
        Some(parse(
            &String::from_utf8_lossy(&out.stdout),
            ignore.as_deref(),
        ))
    }

    /// Commit, branch and dirtiness, as every artifact records them.
    pub fn facts(&self) -> GitFacts {
        GitFacts {
            commit: self.head.clone(),
            branch: self.branch.clone(),
            dirty: !self.changed.is_empty(),
        }
    }
}

fn parse(text: &str, ignore: Option<&str>) -> Worktree {
    let mut tree = Worktree::default();
    let mut records = text.split('\0');
    while let Some(record) = records.next() {
        let (kind, rest) = record.split_once(' ').unwrap_or((record, ""));
        match kind {
            "#" => header(&mut tree, rest),
            "1" => tree.changed.push(nth_field(rest, 7).to_string()),
            "2" => {
                tree.changed.push(nth_field(rest, 8).to_string());
                records.next(); // the original path of the rename or copy
            }
            "u" => tree.changed.push(nth_field(rest, 9).to_string()),
            "?" => {
                let under_out = ignore.is_some_and(|prefix| {
                    rest == prefix || rest.starts_with(&format!("{prefix}/"))
                });
                if !under_out {
                    tree.changed.push(rest.to_string());
                }
            }
            _ => {}
        }
    }
    tree.changed.sort();
    tree.changed.dedup();
    tree
}

/// The text after `n` space-separated fields (the path, which may hold spaces).
fn nth_field(rest: &str, n: usize) -> &str {
    rest.splitn(n + 1, ' ').nth(n).unwrap_or("")
}

fn header(tree: &mut Worktree, line: &str) {
    let (key, value) = line.split_once(' ').unwrap_or((line, ""));
    match key {
        "branch.oid" if value != "(initial)" => tree.head = Some(value.to_string()),
        "branch.head" if value != "(detached)" => tree.branch = Some(value.to_string()),
        "branch.upstream" => {
            tree.upstream = Some(Upstream {
                name: value.to_string(),
                ahead: 0,
                behind: 0,
            })
        }
        "branch.ab" => {
            if let Some(up) = &mut tree.upstream {
                let mut counts = value
                    .split(' ')
                    .map(|c| c.trim_start_matches(['+', '-']).parse().unwrap_or(0));
                up.ahead = counts.next().unwrap_or(0);
                up.behind = counts.next().unwrap_or(0);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_status_call_gives_everything() {
        let text = "# branch.oid 81fc\0# branch.head main\0# branch.upstream origin/main\0# branch.ab +2 -1\0\
                    1 .M N... 100644 100644 100644 291a 291a Cargo.toml\0\
                    2 R. N... 100644 100644 100644 aaaa bbbb R100 new name.rs\0old.rs\0\
                    ? d/e/f.txt\0? build/first-proof/x.json\0";
        let tree = parse(text, Some("build"));
        assert_eq!(tree.head.as_deref(), Some("81fc"));
        assert_eq!(tree.branch.as_deref(), Some("main"));
        assert_eq!(
            tree.upstream,
            Some(Upstream {
                name: "origin/main".into(),
                ahead: 2,
                behind: 1
            })
        );
        assert_eq!(tree.changed, ["Cargo.toml", "d/e/f.txt", "new name.rs"]);
        let detached = parse("# branch.oid (initial)\0# branch.head (detached)\0", None);
        assert_eq!((detached.head, detached.branch), (None, None));
    }
}

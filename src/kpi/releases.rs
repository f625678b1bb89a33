//! Releases and rollbacks, from two sources. Recorded: `sdetkit ops record release|rollback`
//! rows in the release ledger. Git: every tag `<tag_prefix><version>` is a
//! release dated by its commit; a tag whose version is ≤ an earlier tag's is also a
//! rollback; so is a `git revert` of a commit that shipped in a release without its revert.
//! A recorded event for a version git already knows (same kind) is the same event: git wins.

use std::path::Path;

use jiff::Timestamp;

use crate::artifacts::releases::{Kind, LEDGER, Recorded};
use crate::error::{Error, Result};
use crate::repo::git;

impl Recorded {
    /// A new event captured at `at`; its id is stable for the same kind, version and time.
    pub fn new(
        kind: Kind,
        version: &str,
        commit: Option<String>,
        reason: Option<String>,
        at: Timestamp,
    ) -> Recorded {
        let kind_name = kind.as_str();
        Recorded {
            kind,
            version: version.to_string(),
            commit,
            reason,
            recorded_at: crate::clock::iso(at),
            id: format!("{kind_name}-{version}-{}", at.strftime("%Y%m%dT%H%M%SZ")),
        }
    }

    /// Appends the row to the ledger of `out` under its lock.
    pub fn append(&self, out: &Path) -> Result<()> {
        if self.version.trim().is_empty() {
            return Err(Error::Usage("--version must not be empty".into()));
        }
        LEDGER.append(out, self)
    }
}

/// A release or rollback the KPIs count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `tag:<name>`, `revert:<sha>` or `event:<ledger id>`.
    pub id: String,
    /// The version released or rolled back.
    pub version: String,
    /// When.
    pub at: Timestamp,
    /// The commit released, when known (a tag's, or the one recorded with the release).
    pub commit: Option<String>,
}

/// Every release and rollback known, each list in time order.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Releases, in time order.
    pub releases: Vec<Event>,
    /// Rollbacks, in time order.
    pub rollbacks: Vec<Event>,
    /// Ledger rows that could not be read (skipped).
    pub corrupt_rows: u64,
}

impl Ledger {
    /// Reads the events recorded under `out_dir` and the git history of `root`.
    pub fn read(out_dir: &Path, root: &Path, tag_prefix: &str) -> Result<Ledger> {
        let mut out = from_git(root, tag_prefix);
        let mut recorded = Vec::new();
        out.corrupt_rows = LEDGER.scan(out_dir, |row| {
            let at = crate::clock::parse(&row.recorded_at).ok_or("unreadable recorded_at")?;
            let mut e = event(format!("event:{}", row.id), &row.version, at);
            e.commit.clone_from(&row.commit);
            recorded.push((row.kind, e));
            Ok(())
        })?;
        for (kind, e) in recorded {
            let list = match kind {
                Kind::Release => &mut out.releases,
                Kind::Rollback => &mut out.rollbacks,
            };
            if !list.iter().any(|known| known.version == e.version) {
                list.push(e);
            }
        }
        out.releases
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.rollbacks
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(out)
    }
}

fn event(id: String, version: &str, at: Timestamp) -> Event {
    Event {
        id,
        version: version.to_string(),
        at,
        commit: None,
    }
}

/// Releases and rollbacks git shows.
fn from_git(root: &Path, prefix: &str) -> Ledger {
    let mut tags: Vec<(Timestamp, git::TagInfo)> = git::tags(root, prefix)
        .into_iter()
        .filter_map(|t| Some((crate::clock::parse(&t.date)?, t)))
        .collect();
    tags.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    let mut ledger = Ledger::default();
    let mut highest: Option<Vec<u64>> = None;
    for (at, tag) in &tags {
        let version = tag.name.strip_prefix(prefix).unwrap_or(&tag.name);
        let mut e = event(format!("tag:{}", tag.name), version, *at);
        e.commit = Some(tag.commit.clone());
        let key = version_key(version);
        if key.is_some() && highest.is_some() && key <= highest {
            ledger.rollbacks.push(e.clone());
        }
        highest = highest.max(key);
        ledger.releases.push(e);
    }
    ledger.rollbacks.extend(reverts(root, prefix, &tags));
    ledger
}

/// Reverts of a commit that shipped in a release without its revert: dated by the revert,
/// named after the earliest such release.
fn reverts(root: &Path, prefix: &str, tags: &[(Timestamp, git::TagInfo)]) -> Vec<Event> {
    if tags.is_empty() {
        return Vec::new();
    }
    git::reverts(root)
        .into_iter()
        .filter_map(|r| {
            let at = crate::clock::parse(&r.date)?;
            let with_fix = git::tags_containing(root, prefix, &r.commit);
            let shipped = git::tags_containing(root, prefix, &r.reverted);
            let (_, tag) = tags
                .iter()
                .find(|(_, t)| shipped.contains(&t.name) && !with_fix.contains(&t.name))?;
            let version = tag.name.strip_prefix(prefix).unwrap_or(&tag.name);
            let short = r.commit.get(..12).unwrap_or(&r.commit);
            Some(event(format!("revert:{short}"), version, at))
        })
        .collect()
}

/// The numeric core of a version (`1.10.0-rc1` → `[1, 10, 0]`); `None` when it has none.
fn version_key(version: &str) -> Option<Vec<u64>> {
    let core = version.split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(version_key("1.10.0") > version_key("1.9.3"));
        assert_eq!(version_key("2.0.0-rc1"), Some(vec![2, 0, 0]));
        assert_eq!(version_key("nightly"), None);
    }
}

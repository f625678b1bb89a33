//! Release tags: how a repository names them (`1.0.18`, `v1.2.3`, `name-v1.2.3`, pre-releases
//! such as `3.0.0-canary.1`), read from the tags it has, and the latest one HEAD contains.

use std::collections::BTreeMap;
use std::path::Path;

use super::git;

/// How a repository names its release tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Convention {
    /// One prefix before every version (`v`, or none).
    Prefix(String),
    /// Each package is tagged on its own (`anstyle-query-v1.1.5`): no single release tag.
    PerPackage {
        /// An example tag, for messages.
        example: String,
        /// How many prefixes were seen.
        packages: usize,
    },
    /// No release tag yet.
    Unknown,
}

impl Convention {
    /// The prefix of a single-prefix convention.
    pub fn prefix(&self) -> Option<&str> {
        match self {
            Convention::Prefix(p) => Some(p),
            _ => None,
        }
    }
}

/// `tag` split into its prefix and version, when it ends with a release version.
///
/// ```
/// use sdetkit::repo::tags::split;
///
/// assert_eq!(split("v1.2.3"), Some(("v", "1.2.3")));
/// assert_eq!(split("1.0.18"), Some(("", "1.0.18")));
/// assert_eq!(split("anstyle-query-v1.1.5"), Some(("anstyle-query-v", "1.1.5")));
/// assert_eq!(split("3.0.0-canary.1"), Some(("", "3.0.0-canary.1")));
/// assert_eq!(split("2.1.x"), None);
/// assert_eq!(split("v.1.1.2"), None);
/// ```
pub fn split(tag: &str) -> Option<(&str, &str)> {
    let starts = tag.char_indices().filter(|(i, c)| {
        c.is_ascii_digit() && (*i == 0 || !tag.as_bytes()[i - 1].is_ascii_digit())
    });
    for (at, _) in starts {
        let (prefix, version) = tag.split_at(at);
        // A version never follows a dot or a digit-dot run inside the prefix (`v.1.1.2`).
        if prefix.ends_with('.') {
            continue;
        }
        if is_version(version) {
            return Some((prefix, version));
        }
    }
    None
}

/// Whether `text` is a release version: 2–4 numeric parts, then an optional SemVer
/// pre-release/build or a PEP 440 suffix.
fn is_version(text: &str) -> bool {
    let core_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let core = text[..core_len].trim_end_matches('.');
    let parts: Vec<&str> = core.split('.').collect();
    if !(2..=4).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let rest = &text[core.len()..];
    rest.is_empty()
        || ((rest.starts_with(['-', '+'])
            || ["a", "b", "rc", ".dev", ".post", "dev", "post"]
                .iter()
                .any(|s| rest.starts_with(s)))
            && rest[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c)))
}

/// The repository's tag convention, from the prefixes of its version tags.
pub fn convention(root: &Path) -> Convention {
    let mut prefixes: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for tag in git::tag_names(root) {
        if let Some((prefix, _)) = split(&tag) {
            let entry = prefixes
                .entry(prefix.to_string())
                .or_insert((0, tag.clone()));
            entry.0 += 1;
        }
    }
    let total: usize = prefixes.values().map(|(n, _)| n).sum();
    let Some((best, (count, _))) = prefixes.iter().max_by_key(|(_, (n, _))| *n) else {
        return Convention::Unknown;
    };
    let named = prefixes
        .keys()
        .filter(|p| p.len() > 1 && (p.ends_with("-v") || p.ends_with('-') || p.ends_with('@')))
        .count();
    if *count * 2 < total && named >= 2 {
        let example = prefixes
            .iter()
            .max_by_key(|(_, (n, _))| *n)
            .map(|(_, (_, t))| t.clone())
            .unwrap_or_default();
        return Convention::PerPackage {
            example,
            packages: named,
        };
    }
    Convention::Prefix(best.clone())
}

/// The release tag prefix: the configured one, else the repository's convention, else `v`.
pub fn prefix_for(root: &Path, configured: Option<&str>) -> String {
    match configured {
        Some(prefix) => prefix.to_string(),
        None => convention(root).prefix().unwrap_or("v").to_string(),
    }
}

/// A release tag HEAD contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The tag.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Commits on HEAD after it.
    pub commits_since: u64,
}

/// The highest-versioned tag `<prefix><version>` that HEAD contains.
pub fn latest_reachable(root: &Path, prefix: &str) -> Option<Reached> {
    let best = git::tags_merged_into_head(root, prefix)
        .into_iter()
        .filter_map(|tag| {
            let (p, version) = split(&tag)?;
            (p == prefix).then(|| (order_key(version), version.to_string(), tag.clone()))
        })
        .max()?;
    let (_, version, name) = best;
    Some(Reached {
        commits_since: git::commits_since(root, &name)?,
        name,
        version,
    })
}

/// Orders versions: numeric core first, then a release above its pre-releases.
fn order_key(version: &str) -> (Vec<u64>, bool, String) {
    let core_len = version
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(version.len());
    let core: Vec<u64> = version[..core_len]
        .trim_end_matches('.')
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    let rest = &version[core_len..];
    (core, rest.is_empty(), rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_prefixes() {
        assert_eq!(split("v5.0.0-rc.1"), Some(("v", "5.0.0-rc.1")));
        assert_eq!(split("v1.0"), Some(("v", "1.0")));
        assert_eq!(split("2.3.0.dev"), Some(("", "2.3.0.dev")));
        assert_eq!(
            split("tree-sitter-v0.24.8"),
            Some(("tree-sitter-v", "0.24.8"))
        );
        assert_eq!(split("v0"), None);
        assert_eq!(split("release"), None);
        assert!(order_key("1.10.0") > order_key("1.9.3"));
        assert!(order_key("2.0.0") > order_key("2.0.0-rc.1"));
    }
}

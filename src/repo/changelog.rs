//! The repository's changelog, when it keeps one: found by the usual names in any case and
//! extension (`CHANGELOG.md`, `CHANGES.rst`, `HISTORY.md`, `NEWS`, `VERSION_HISTORY.md`…),
//! and the entries it has.

use std::path::{Path, PathBuf};

/// The usual stems of a changelog's name, most specific first.
const STEMS: &[&str] = &[
    "changelog",
    "changes",
    "history",
    "news",
    "releases",
    "release-notes",
    "release_notes",
    "version_history",
];

/// The usual extensions (none included).
const EXTENSIONS: &[&str] = &["", "md", "markdown", "rst", "txt", "adoc"];

/// The changelog at the root, by the usual names in any case (`CHANGELOG.md`, `Changes.rst`).
pub fn find(root: &Path) -> Option<PathBuf> {
    let names: Vec<String> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let rank = |name: &str| -> Option<(usize, usize)> {
        let lower = name.to_ascii_lowercase();
        let (stem, ext) = lower.split_once('.').unwrap_or((&lower, ""));
        let stem_rank = STEMS.iter().position(|s| *s == stem)?;
        let ext_rank = EXTENSIONS.iter().position(|e| *e == ext)?;
        Some((stem_rank, ext_rank))
    };
    names
        .iter()
        .filter_map(|n| Some((rank(n)?, n)))
        .min()
        .map(|(_, n)| PathBuf::from(n))
}

/// The 1-based line of a heading naming `version` (`## [1.2.0] - date`, `# v1.2.0`,
/// `Version 1.2.0` underlined in reStructuredText).
pub fn entry_line(text: &str, version: &str) -> Option<usize> {
    headings(text).find_map(|(line, heading)| {
        tokens(heading)
            .any(|token| token.strip_prefix('v').unwrap_or(token) == version)
            .then_some(line)
    })
}

/// Whether the changelog has an entry for any version at all: one without (a pointer to the
/// releases page, a template) is not a changelog kept by hand.
pub fn has_entries(text: &str) -> bool {
    headings(text).any(|(_, heading)| {
        tokens(heading).any(|token| {
            let token = token.strip_prefix('v').unwrap_or(token);
            super::tags::split(token).is_some_and(|(prefix, _)| prefix.is_empty())
        })
    })
}

/// Headings with their 1-based lines: Markdown `#` lines and underlined reST titles.
fn headings(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let underlined = |i: usize| {
        lines
            .get(i + 1)
            .is_some_and(|next| next.len() >= 3 && next.chars().all(|c| "=-~^".contains(c)))
    };
    let found: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(i, line)| line.starts_with('#') || underlined(*i))
        .map(|(i, line)| (i + 1, *line))
        .collect();
    found.into_iter()
}

fn tokens(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || ".+-".contains(c)))
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let text = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2024-01-01\n- x\n";
        assert_eq!(entry_line(text, "1.2.0"), Some(5));
        assert_eq!(entry_line(text, "1.2"), None);
        assert_eq!(entry_line("## v2.0.0\n", "2.0.0"), Some(1));
        assert_eq!(entry_line("## 1.2.0-rc1\n", "1.2.0"), None);
        assert_eq!(entry_line("1.0.0\n=====\n", "1.0.0"), Some(1));
        assert_eq!(
            entry_line("Version 2.3.0\n-------------\n", "2.3.0"),
            Some(1)
        );
        assert_eq!(entry_line("- fixed 1.2.0 bug\n", "1.2.0"), None);
        assert!(has_entries(text));
        assert!(!has_entries(
            "# Changelog\n\nThis file is updated by semantic-release; see the releases page.\n"
        ));
    }

    #[test]
    fn found_in_any_case_and_extension() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find(dir.path()), None);
        std::fs::write(dir.path().join("NEWS"), "x").unwrap();
        std::fs::write(dir.path().join("Changes.rst"), "x").unwrap();
        assert_eq!(find(dir.path()), Some(PathBuf::from("Changes.rst")));
        std::fs::write(dir.path().join("changelog.md"), "x").unwrap();
        assert_eq!(find(dir.path()), Some(PathBuf::from("changelog.md")));
    }
}

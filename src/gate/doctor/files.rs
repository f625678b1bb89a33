//! README, LICENSE and changelog, found as people name them: any case (`readme.md`,
//! `Readme.md`) and the usual variants (`README.rst`, `LICENSE-MIT`, `LICENSE.txt`, `COPYING`,
//! `CHANGES.rst`, `HISTORY.md`, `NEWS`, `VERSION_HISTORY.md`…). The check's `cmd` names the file
//! found.

use std::path::Path;

use crate::artifacts::proof::Severity;
use crate::config::{ChangelogSetting, Config, ReleaseCheck};
use crate::gate::check::Check;
use crate::gate::release::changelog_path;

const README: &[&str] = &["readme"];
const LICENSE: &[&str] = &["license", "licence", "copying", "unlicense"];

/// The first file in `root` whose name, ignoring case, is one of `stems` alone or followed by
/// `.ext`, `-…` or `_…` (`LICENSE-MIT`).
pub fn find(root: &Path, stems: &[&str]) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    stems.iter().find_map(|stem| {
        names
            .iter()
            .find(|name| {
                let lower = name.to_ascii_lowercase();
                lower == *stem
                    || lower
                        .strip_prefix(stem)
                        .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
            })
            .cloned()
    })
}

fn presence(root: &Path, stems: &[&str], what: &str, hint: &str) -> Check {
    match find(root, stems) {
        Some(name) => Check::pass(name.clone(), format!("{name} present")),
        None => Check::fail(format!("{what}*"), format!("no {what} file"), hint)
            .severity(Severity::Warn),
    }
}

/// The `readme` check.
pub fn readme(root: &Path) -> Check {
    presence(
        root,
        README,
        "README",
        "add a README.md that says what the project is and how to build it",
    )
}

/// The `license` check.
pub fn license(root: &Path) -> Check {
    presence(root, LICENSE, "LICENSE", "add a LICENSE file")
}

/// The `changelog` check: the changelog the release gate reads (the configured file, else
/// the usual names, found by [`crate::repo::changelog::find`]); skipped when the repository
/// keeps none (`changelog = false`) or the release gate does not check it.
pub fn changelog(root: &Path, config: &Config) -> Check {
    let off = config.release.changelog == ChangelogSetting::Off;
    if off || config.release.skips(ReleaseCheck::Changelog) {
        return Check::skip("CHANGELOG", "the release gate does not check a changelog");
    }
    match (
        &config.release.changelog,
        changelog_path(root, &config.release),
    ) {
        (_, Some(path)) if root.join(&path).is_file() => {
            let shown = path.display().to_string();
            Check::pass(shown.clone(), format!("{shown} present"))
        }
        (ChangelogSetting::File(path), _) => {
            let shown = path.display().to_string();
            Check::fail(
                shown.clone(),
                format!("{shown}, the configured changelog, does not exist"),
                "create it, or point [gate.release] changelog at the file you keep",
            )
            .severity(Severity::Warn)
        }
        _ => Check::fail(
            "CHANGELOG*",
            "no changelog (CHANGELOG, CHANGES, HISTORY, NEWS…), which the release gate needs",
            "add CHANGELOG.md with a section per version, or set [gate.release] changelog = false",
        )
        .severity(Severity::Warn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_and_case() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "readme.md",
            "LICENSE-MIT",
            "VERSION_HISTORY.md",
            "licensed.txt",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        assert_eq!(find(d, README).as_deref(), Some("readme.md"));
        assert_eq!(find(d, LICENSE).as_deref(), Some("LICENSE-MIT"));
        let changelog = crate::repo::changelog::find;
        assert_eq!(changelog(d).unwrap(), Path::new("VERSION_HISTORY.md"));
        std::fs::write(d.join("CHANGES.rst"), "x").unwrap();
        assert_eq!(changelog(d).unwrap(), Path::new("CHANGES.rst"));
        assert_eq!(readme(d).looked_at, "readme.md");
    }
}

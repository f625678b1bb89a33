//! `first-proof/nextest/<gate>/`: what sdetkit hands a `cargo nextest run` step so that its
//! tests reach the per-test history (see `gate::nextest`). `<step>.toml` is a nextest tool
//! configuration, read below the repository's own `.config/nextest.toml` (which keeps
//! priority), whose profile [`PROFILE`] writes the JUnit report `<step>.xml`. The directory
//! is emptied before a gate's steps run, so a report in it was written by this run or is
//! absent: an earlier run's results are never read as this run's.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The nextest profile the tool configuration defines.
pub const PROFILE: &str = "sdetkit";

/// Where the tool configurations and reports are, under the out-dir.
const DIR: &str = "first-proof/nextest/";

/// One step's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// The tool configuration (absolute: nextest takes no other).
    pub config: PathBuf,
    /// The JUnit report nextest writes when the step runs with [`PROFILE`].
    pub report: PathBuf,
}

/// Makes the directory of `gate`'s steps (`fast`, `release`, `doctor`) ready for a run:
/// created, and emptied of an earlier run's configurations and reports. Returns it.
pub fn fresh_dir(out: &Path, gate: &str) -> Result<PathBuf> {
    let dir = out.join(DIR).join(gate);
    super::fresh_dir(out, &dir, &["toml", "xml"])?;
    Ok(dir)
}

/// Writes the tool configuration of `step` into `dir` (from [`fresh_dir`]) and returns its
/// files. [`PROFILE`] inherits `profile`, the profile the step would have run with (`None`:
/// nextest's default).
pub fn write(out: &Path, dir: &Path, step: &str, profile: Option<&str>) -> Result<Files> {
    let files = Files {
        config: dir.join(format!("{step}.toml")),
        report: dir.join(format!("{step}.xml")),
    };
    let text = config(&files.report, profile)?;
    super::write_under(out, &files.config, text.as_bytes())?;
    Ok(files)
}

/// What the tool configuration says, and why.
const HEADER: &str = "\
# Written by sdetkit for its run of `cargo nextest run`: a tool configuration, read below the
# repository's .config/nextest.toml, whose settings keep priority. Profile `sdetkit` is the
# profile the step would have run with (nextest's default unless it names one), plus the
# JUnit report sdetkit reads as the step's tests. fail-fast is off unless the repository
# sets it, so that the per-test history holds every test, not those that happened to finish
# before the first failure.

";

/// The tool configuration asking for a report at `report` from a profile inheriting
/// `profile`.
fn config(report: &Path, profile: Option<&str>) -> Result<String> {
    let path = report
        .to_str()
        .ok_or_else(|| Error::input(report, "is not UTF-8, which nextest requires"))?;
    let table = |pairs: Vec<(&str, toml::Value)>| -> toml::Value {
        toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let mut ours = vec![("junit", table(vec![("path", path.into())]))];
    let mut profiles = vec![("default", table(vec![("fail-fast", false.into())]))];
    // Every profile but the default one inherits the default; `sdetkit` itself is the one
    // an outer run of sdetkit chose (its tests see NEXTEST_PROFILE=sdetkit).
    if let Some(parent) = profile.filter(|p| *p != "default" && *p != PROFILE) {
        ours.push(("inherits", parent.into()));
        // nextest resolves `inherits` within this file: the parent is named here too,
        // empty, and its settings still come from the repository's configuration.
        profiles.push((parent, table(Vec::new())));
    }
    profiles.push((PROFILE, table(ours)));
    let text = toml::to_string(&table(vec![("profile", table(profiles))]))
        .map_err(|e| Error::input(report, format!("cannot write its configuration: {e}")))?;
    Ok(format!("{HEADER}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_directory_holds_no_earlier_report_and_each_step_has_its_files() {
        let out = tempfile::tempdir().unwrap();
        let dir = fresh_dir(out.path(), "fast").unwrap();
        let files = write(out.path(), &dir, "cargo-nextest", None).unwrap();
        assert_eq!(files.report, dir.join("cargo-nextest.xml"));
        let text = std::fs::read_to_string(&files.config).unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(
            parsed["profile"]["sdetkit"]["junit"]["path"].as_str(),
            files.report.to_str()
        );
        assert_eq!(
            parsed["profile"]["default"]["fail-fast"].as_bool(),
            Some(false)
        );
        assert!(parsed["profile"]["sdetkit"].get("inherits").is_none());
        std::fs::write(&files.report, "<testsuites/>").unwrap();
        std::fs::write(dir.join("notes.txt"), "kept").unwrap();
        fresh_dir(out.path(), "fast").unwrap();
        assert!(!files.report.exists() && !files.config.exists());
        assert!(
            dir.join("notes.txt").exists(),
            "only its own kinds of file go"
        );
    }

    #[test]
    fn a_path_with_quotes_and_backslashes_stays_one_toml_string() {
        let text = config(Path::new("/tmp/a \"b\\c/fast/x.xml"), None).unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(
            parsed["profile"]["sdetkit"]["junit"]["path"].as_str(),
            Some("/tmp/a \"b\\c/fast/x.xml")
        );
    }

    #[test]
    fn the_profile_inherits_the_one_the_step_would_have_run_with() {
        let report = Path::new("/r/x.xml");
        let parsed: toml::Table = config(report, Some("ci")).unwrap().parse().unwrap();
        assert_eq!(
            parsed["profile"]["sdetkit"]["inherits"].as_str(),
            Some("ci")
        );
        assert!(parsed["profile"]["ci"].as_table().unwrap().is_empty());
        for implied in ["default", PROFILE] {
            let parsed: toml::Table = config(report, Some(implied)).unwrap().parse().unwrap();
            assert!(
                parsed["profile"]["sdetkit"].get("inherits").is_none(),
                "{implied}"
            );
        }
    }
}

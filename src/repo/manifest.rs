//! The project version, read from the first manifest that declares one.

use std::path::{Path, PathBuf};

use regex::Regex;

/// A version and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The version text, e.g. `1.2.3`.
    pub value: String,
    /// The manifest it came from, relative to the root.
    pub source: PathBuf,
}

/// Why no version could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// No known manifest declares one.
    NotFound,
    /// A manifest exists but does not yield a version (message says why).
    Unreadable(PathBuf, String),
}

/// Reads the version from `version_file` when configured, else Cargo.toml, pyproject.toml,
/// package.json, in that order.
pub fn version(root: &Path, version_file: Option<&Path>) -> Result<Version, VersionError> {
    if let Some(file) = version_file {
        return from_plain_file(root, file);
    }
    type Reader = fn(&str) -> Result<Option<String>, String>;
    let readers: [(&str, Reader); 3] = [
        ("Cargo.toml", cargo),
        ("pyproject.toml", pyproject),
        ("package.json", package_json),
    ];
    for (name, read) in readers {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else {
            continue;
        };
        match read(&text) {
            Ok(Some(value)) => {
                return Ok(Version {
                    value,
                    source: PathBuf::from(name),
                });
            }
            Ok(None) => continue,
            Err(message) => return Err(VersionError::Unreadable(PathBuf::from(name), message)),
        }
    }
    Err(VersionError::NotFound)
}

fn from_plain_file(root: &Path, file: &Path) -> Result<Version, VersionError> {
    let text = std::fs::read_to_string(root.join(file))
        .map_err(|e| VersionError::Unreadable(file.to_path_buf(), e.to_string()))?;
    let value = text.trim().trim_start_matches('v').to_string();
    if value.is_empty() || value.contains('\n') {
        return Err(VersionError::Unreadable(
            file.to_path_buf(),
            "expected a single line holding the version".into(),
        ));
    }
    Ok(Version {
        value,
        source: file.to_path_buf(),
    })
}

fn cargo(text: &str) -> Result<Option<String>, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let version = |table: Option<&toml::Value>| table.and_then(|t| t.get("version")).cloned();
    let package = doc.get("package");
    match version(package) {
        Some(toml::Value::String(v)) => Ok(Some(v)),
        // `version.workspace = true` inherits from [workspace.package].
        Some(toml::Value::Table(_)) | None => Ok(doc
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .filter(|_| package.is_some() || doc.contains_key("workspace"))),
        Some(other) => Err(format!("[package].version is not a string: {other}")),
    }
}

fn pyproject(text: &str) -> Result<Option<String>, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let project = doc.get("project");
    if let Some(v) = project
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
    {
        return Ok(Some(v.to_string()));
    }
    let dynamic = project
        .and_then(|p| p.get("dynamic"))
        .and_then(|d| d.as_array())
        .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("version")));
    if dynamic {
        return Err(
            "[project].version is dynamic; set [gate.release] version_file in sdetkit.toml".into(),
        );
    }
    Ok(doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string))
}

fn package_json(text: &str) -> Result<Option<String>, String> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(doc
        .get("version")
        .and_then(|v| v.as_str())
        .map(str::to_string))
}

/// Whether `value` is a valid release version: SemVer 2.0 (Cargo, npm) or PEP 440 (Python).
pub fn is_valid(value: &str, source: &Path) -> bool {
    let semver = Regex::new(
        r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
    )
    .expect("static pattern");
    let pep440 = Regex::new(
        r"^([1-9]\d*!)?(0|[1-9]\d*)(\.(0|[1-9]\d*))*((a|b|rc)(0|[1-9]\d*))?(\.post(0|[1-9]\d*))?(\.dev(0|[1-9]\d*))?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$",
    )
    .expect("static pattern");
    if source.ends_with("pyproject.toml") {
        pep440.is_match(value)
    } else {
        semver.is_match(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_manifest() {
        assert_eq!(
            cargo("[package]\nname='a'\nversion='1.2.3'\n")
                .unwrap()
                .unwrap(),
            "1.2.3"
        );
        assert_eq!(
            cargo("[package]\nversion.workspace=true\n[workspace.package]\nversion='2.0.0'\n")
                .unwrap()
                .unwrap(),
            "2.0.0"
        );
        assert_eq!(
            pyproject("[project]\nversion='0.4.0rc1'\n")
                .unwrap()
                .unwrap(),
            "0.4.0rc1"
        );
        assert!(
            pyproject("[project]\ndynamic=['version']\n")
                .unwrap_err()
                .contains("version_file")
        );
        assert_eq!(
            package_json("{\"version\":\"3.1.0\"}").unwrap().unwrap(),
            "3.1.0"
        );
    }

    #[test]
    fn validates_versions_per_ecosystem() {
        assert!(is_valid("1.2.3-rc.1", Path::new("Cargo.toml")));
        assert!(!is_valid("1.2", Path::new("package.json")));
        assert!(is_valid("1.2", Path::new("pyproject.toml")));
        assert!(!is_valid("01.2.3", Path::new("Cargo.toml")));
    }
}

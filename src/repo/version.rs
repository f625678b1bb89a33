//! The version a release would carry, from wherever the repository keeps it: a configured
//! file, a manifest (Cargo, Python with its dynamic forms, npm, PlatformIO/Arduino), or the
//! latest release tag HEAD contains (Go, make/C, setuptools-scm, semantic-release).

use std::path::{Path, PathBuf};

use regex::Regex;

use super::tags::{self, Convention};

/// A version and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The version text, e.g. `1.2.3`.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// Where a version was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file (a manifest, the module a dynamic version points at, `version_file`), relative
    /// to the root.
    File(PathBuf),
    /// The latest release tag HEAD contains.
    Tag {
        /// The tag.
        name: String,
        /// Commits on HEAD after it.
        commits_since: u64,
    },
}

impl Source {
    /// For people: `Cargo.toml`, `tag v1.6.0 (7 commits since)`.
    pub fn describe(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Tag {
                name,
                commits_since,
            } => match commits_since {
                0 => format!("tag {name} on HEAD"),
                n => format!("tag {name}, {n} commit(s) since"),
            },
        }
    }

    /// Whether the version is a Python one (PEP 440 rules).
    fn is_python(&self) -> bool {
        matches!(self, Source::File(p) if p.extension().is_some_and(|e| e == "py" || e == "cfg")
            || p.ends_with("pyproject.toml"))
    }
}

/// Why no version could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// Nothing declares one and there is no release tag.
    NotFound,
    /// A source exists but does not yield a version (message says why).
    Unreadable(PathBuf, String),
    /// The repository versions and tags its packages one by one: there is no single release
    /// version to check.
    PerPackage {
        /// An example tag, for the message.
        example: String,
    },
}

/// What the resolution looks at besides the files.
pub struct Lookup<'a> {
    /// A configured file holding the version.
    pub version_file: Option<&'a Path>,
    /// The repository's tag convention, when the caller already knows it (`None`: read from
    /// the tags).
    pub convention: Option<&'a Convention>,
}

/// The version a release would carry.
pub fn resolve(root: &Path, lookup: &Lookup) -> Result<Version, VersionError> {
    if let Some(file) = lookup.version_file {
        return from_version_file(root, file);
    }
    let readers: [(&str, Reader); 5] = [
        ("Cargo.toml", cargo),
        ("pyproject.toml", pyproject),
        ("setup.cfg", setup_cfg),
        ("package.json", package_json),
        ("library.json", package_json),
    ];
    for (name, read) in readers {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else {
            continue;
        };
        match read(root, &text) {
            Found::Version(value, source) => return Ok(Version { value, source }),
            Found::FromTags | Found::Nothing => {}
            Found::Error(message) => {
                return Err(VersionError::Unreadable(PathBuf::from(name), message));
            }
        }
    }
    if let Some(version) = library_properties(root) {
        return Ok(version);
    }
    let convention = match lookup.convention {
        Some(known) => known.clone(),
        None => tags::convention(root),
    };
    match convention {
        Convention::Prefix(prefix) => match tags::latest_reachable(root, &prefix) {
            Some(reached) => Ok(Version {
                value: reached.version,
                source: Source::Tag {
                    name: reached.name,
                    commits_since: reached.commits_since,
                },
            }),
            None => Err(VersionError::NotFound),
        },
        Convention::PerPackage { example, .. } => Err(VersionError::PerPackage { example }),
        Convention::Unknown => Err(VersionError::NotFound),
    }
}

type Reader = fn(&Path, &str) -> Found;

/// What one source says.
enum Found {
    Version(String, Source),
    /// The source defers to the release tags (a placeholder, setuptools-scm, hatch-vcs).
    FromTags,
    Nothing,
    Error(String),
}

fn file(path: &str) -> Source {
    Source::File(PathBuf::from(path))
}

fn cargo(_root: &Path, text: &str) -> Found {
    let doc: toml::Table = match toml::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Found::Error(e.message().to_string()),
    };
    let package = doc.get("package");
    let workspace_version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str());
    match package.and_then(|p| p.get("version")) {
        Some(toml::Value::String(v)) => Found::Version(v.clone(), file("Cargo.toml")),
        // `version.workspace = true` inherits from [workspace.package].
        Some(toml::Value::Table(_)) | None => match workspace_version {
            Some(v) => Found::Version(v.to_string(), file("Cargo.toml")),
            None => Found::Nothing,
        },
        Some(other) => Found::Error(format!("[package].version is not a string: {other}")),
    }
}

fn pyproject(root: &Path, text: &str) -> Found {
    let doc: toml::Table = match toml::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Found::Error(e.message().to_string()),
    };
    let at = |path: &[&str]| get(&doc, path);
    if let Some(v) = at(&["project", "version"]).and_then(|v| v.as_str()) {
        return Found::Version(v.to_string(), file("pyproject.toml"));
    }
    if let Some(v) = at(&["tool", "poetry", "version"]).and_then(|v| v.as_str()) {
        return Found::Version(v.to_string(), file("pyproject.toml"));
    }
    let dynamic = at(&["project", "dynamic"])
        .and_then(|d| d.as_array())
        .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("version")));
    if !dynamic {
        return Found::Nothing;
    }
    // setuptools: `version = {attr = "pkg.__version__"}` or `{file = "VERSION"}`.
    if let Some(attr) =
        at(&["tool", "setuptools", "dynamic", "version", "attr"]).and_then(|v| v.as_str())
    {
        return from_attr(root, attr);
    }
    if let Some(path) =
        at(&["tool", "setuptools", "dynamic", "version", "file"]).and_then(|v| v.as_str())
    {
        return match from_version_file(root, Path::new(path)) {
            Ok(v) => Found::Version(v.value, v.source),
            Err(VersionError::Unreadable(_, m)) => Found::Error(m),
            Err(_) => Found::Nothing,
        };
    }
    // hatch: `[tool.hatch.version] path = "src/pkg/__about__.py"` or `source = "vcs"`.
    if let Some(path) = at(&["tool", "hatch", "version", "path"]).and_then(|v| v.as_str()) {
        return match python_assignment(root, Path::new(path)) {
            Some(v) => Found::Version(v, file(path)),
            None => Found::Error(format!("{path} has no `__version__ = \"…\"` line")),
        };
    }
    let vcs = at(&["tool", "setuptools_scm"]).is_some()
        || at(&["tool", "hatch", "version", "source"]).and_then(|v| v.as_str()) == Some("vcs")
        || at(&["tool", "pdm", "version", "source"]).and_then(|v| v.as_str()) == Some("scm");
    if vcs {
        return Found::FromTags;
    }
    Found::Error(
        "[project].version is dynamic and its source is not one sdetkit reads; set [gate.release] version_file in sdetkit.toml".into(),
    )
}

/// The value at `path` in a TOML document.
fn get<'a>(doc: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(doc.get(*first)?, |value, key| value.get(*key))
}

/// `setup.cfg` `[metadata] version = 1.2.3` or `version = attr: pkg.__version__`.
fn setup_cfg(root: &Path, text: &str) -> Found {
    let mut in_metadata = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_metadata = line == "[metadata]";
            continue;
        }
        let Some(value) = line
            .strip_prefix("version")
            .and_then(|rest| rest.trim_start().strip_prefix(['=', ':']))
            .map(str::trim)
        else {
            continue;
        };
        if !in_metadata {
            continue;
        }
        return match value.strip_prefix("attr:") {
            Some(attr) => from_attr(root, attr.trim()),
            None => Found::Version(value.to_string(), file("setup.cfg")),
        };
    }
    Found::Nothing
}

/// `pkg.__version__` → the `__version__ = "…"` line of `pkg/__init__.py` (or `src/pkg/…`,
/// or `pkg.py`).
fn from_attr(root: &Path, attr: &str) -> Found {
    let Some((module, name)) = attr.rsplit_once('.') else {
        return Found::Error(format!("dynamic version attr `{attr}` names no module"));
    };
    let module_path = module.replace('.', "/");
    let candidates = [
        format!("{module_path}/__init__.py"),
        format!("src/{module_path}/__init__.py"),
        format!("{module_path}.py"),
        format!("src/{module_path}.py"),
    ];
    for candidate in candidates {
        let path = Path::new(&candidate);
        if root.join(path).is_file() {
            return match assignment(&read(root, path).unwrap_or_default(), name) {
                Some(v) => Found::Version(v, Source::File(path.to_path_buf())),
                None => Found::Error(format!("{candidate} has no `{name} = \"…\"` line")),
            };
        }
    }
    Found::Error(format!(
        "dynamic version attr `{attr}`: no module file for `{module}`"
    ))
}

fn package_json(_root: &Path, text: &str) -> Found {
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Found::Error(e.to_string()),
    };
    match doc.get("version").and_then(|v| v.as_str()) {
        // semantic-release and friends keep a placeholder; the real version is the tag.
        Some(v) if v.starts_with("0.0.0-") || v == "0.0.0" => Found::FromTags,
        Some(v) => Found::Version(v.to_string(), file("package.json")),
        None => Found::Nothing,
    }
}

/// Arduino's `library.properties` `version=1.2.3`.
fn library_properties(root: &Path) -> Option<Version> {
    let text = read(root, Path::new("library.properties"))?;
    let value = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("version="))?
        .trim()
        .to_string();
    Some(Version {
        value,
        source: file("library.properties"),
    })
}

fn read(root: &Path, path: &Path) -> Option<String> {
    std::fs::read_to_string(root.join(path)).ok()
}

/// A configured `version_file`: a single line holding the version, or a file with a
/// `__version__ = "…"` / `VERSION = "…"` / `version = "…"` assignment.
fn from_version_file(root: &Path, path: &Path) -> Result<Version, VersionError> {
    let unreadable = |why: String| VersionError::Unreadable(path.to_path_buf(), why);
    let text = crate::files::read_text(
        &root.join(path),
        crate::config::VERSION_FILE_CAP,
        crate::files::Links::Follow,
    )
    .map_err(|e| unreadable(e.problem()))?
    .ok_or_else(|| unreadable("no such file".to_string()))?;
    let single = text.trim();
    let value = if !single.is_empty() && !single.contains(['\n', '=', ' ', '"', '\'']) {
        Some(single.trim_start_matches('v').to_string())
    } else {
        ["__version__", "VERSION", "version"]
            .iter()
            .find_map(|name| assignment(&text, name))
    };
    match value {
        Some(value) => Ok(Version {
            value,
            source: Source::File(path.to_path_buf()),
        }),
        None => Err(VersionError::Unreadable(
            path.to_path_buf(),
            "expected a single line holding the version, or a `__version__ = \"…\"` line".into(),
        )),
    }
}

fn python_assignment(root: &Path, path: &Path) -> Option<String> {
    assignment(&read(root, path)?, "__version__")
}

/// The quoted value of `name = "…"` (or `name: str = '…'`, `NAME := …` in a Makefile) in
/// `text`.
fn assignment(text: &str, name: &str) -> Option<String> {
    let pattern = format!(
        r#"(?m)^\s*{}\s*(?::\s*\w+\s*)?[:?]?=\s*["']?([0-9][0-9A-Za-z.+-]*)["']?\s*$"#,
        regex::escape(name)
    );
    Regex::new(&pattern)
        .ok()?
        .captures(text)
        .map(|c| c[1].to_string())
}

/// Whether `version` is a valid release version for where it came from: PEP 440 for Python
/// sources, SemVer otherwise; a version from a tag may be either (`v1.0` is a Go tag).
pub fn is_valid(version: &Version) -> bool {
    let value = version.value.as_str();
    match &version.source {
        Source::Tag { .. } => {
            semver().is_match(value) || pep440().is_match(value) || two_part(value)
        }
        source if source.is_python() => pep440().is_match(value),
        _ => semver().is_match(value),
    }
}

/// Whether `version` is a development version that a release must not carry
/// (`2.3.0.dev`, `1.0.0.dev3`, `2.0.0-dev`, `1.2.0-SNAPSHOT`).
pub fn is_development(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains(".dev") || lower.contains("-dev") || lower.ends_with("-snapshot")
}

/// The release a development version leads to (`2.3.0.dev` → `2.3.0`).
pub fn release_of(value: &str) -> &str {
    let lower = value.to_ascii_lowercase();
    [".dev", "-dev", "-snapshot"]
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .map_or(value, |at| &value[..at])
}

fn semver() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
        )
        .expect("static pattern")
    })
}

fn pep440() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^([1-9]\d*!)?(0|[1-9]\d*)(\.(0|[1-9]\d*))*([-_.]?(a|b|rc|alpha|beta|c|pre|preview)[-_.]?\d*)?([-_.]?(post|rev|r)[-_.]?\d*)?([-_.]?dev[-_.]?\d*)?(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$",
        )
        .expect("static pattern")
    })
}

fn two_part(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(f: Found) -> Option<String> {
        match f {
            Found::Version(v, _) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn reads_each_manifest() {
        let root = Path::new("/nonexistent");
        assert_eq!(
            found(cargo(root, "[package]\nname='a'\nversion='1.2.3'\n")).as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            found(cargo(
                root,
                "[package]\nversion.workspace=true\n[workspace.package]\nversion='2.0.0'\n"
            ))
            .as_deref(),
            Some("2.0.0")
        );
        assert!(matches!(
            cargo(root, "[workspace]\nmembers=['crates/*']\n"),
            Found::Nothing
        ));
        assert_eq!(
            found(pyproject(root, "[project]\nversion='0.4.0rc1'\n")).as_deref(),
            Some("0.4.0rc1")
        );
        assert!(matches!(
            pyproject(
                root,
                "[project]\ndynamic=['version']\n[tool.setuptools_scm]\n"
            ),
            Found::FromTags
        ));
        assert!(matches!(
            package_json(root, "{\"version\":\"0.0.0-semantically-released\"}"),
            Found::FromTags
        ));
        assert_eq!(
            found(package_json(root, "{\"version\":\"3.1.0\"}")).as_deref(),
            Some("3.1.0")
        );
    }

    #[test]
    fn dynamic_python_versions_are_read_from_the_module() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/cachetools")).unwrap();
        std::fs::write(
            root.join("src/cachetools/__init__.py"),
            "\"\"\"Doc.\"\"\"\n\n__version__ = \"7.0.6\"\n",
        )
        .unwrap();
        let text = "[project]\ndynamic=['version']\n[tool.setuptools.dynamic]\nversion = {attr = \"cachetools.__version__\"}\n";
        assert_eq!(found(pyproject(root, text)).as_deref(), Some("7.0.6"));
        let lookup = Lookup {
            version_file: Some(Path::new("src/cachetools/__init__.py")),
            convention: None,
        };
        assert_eq!(resolve(root, &lookup).unwrap().value, "7.0.6");
        assert_eq!(
            found(setup_cfg(
                root,
                "[metadata]\nname = x\nversion = attr: cachetools.__version__\n"
            ))
            .as_deref(),
            Some("7.0.6")
        );
    }

    #[test]
    fn validity_per_ecosystem_and_development_versions() {
        let v = |value: &str, source: &str| Version {
            value: value.into(),
            source: Source::File(PathBuf::from(source)),
        };
        assert!(is_valid(&v("1.2.3-rc.1", "Cargo.toml")));
        assert!(!is_valid(&v("1.2", "package.json")));
        assert!(is_valid(&v("1.2", "pyproject.toml")));
        assert!(is_valid(&v("2.3.0.dev", "pyproject.toml")));
        assert!(!is_valid(&v("01.2.3", "Cargo.toml")));
        assert!(is_development("2.3.0.dev") && is_development("1.0.0-dev.1"));
        assert!(!is_development("3.0.0-canary.1"));
        assert_eq!(release_of("2.3.0.dev"), "2.3.0");
        assert_eq!(release_of("1.0.0"), "1.0.0");
    }
}

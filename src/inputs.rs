//! What a run checked, summed up as digests: the content of the work tree (tracked files and
//! untracked ones git does not ignore), the configuration, the versions of the tools the
//! steps run, and sdetkit's own version. Two runs with the same input digest checked the same
//! thing: different outcomes between them mean flakiness, and an earlier pass can stand in
//! for a run (the step cache).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::artifacts::cache::{KnownVersion, TOOL_VERSIONS};
use crate::config::{Config, Globs};
use crate::digest::{hex, sha256_hex};
use crate::repo::worktree::Worktree;

/// The inputs of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Every file the run could read, with the id of its content: git's blob id for a file
    /// as committed, a sha256 of the bytes for one changed in the work tree; sorted by path.
    pub files: Vec<(String, String)>,
    /// A digest of the configuration (the file, or the detected steps).
    pub config: String,
    /// `program` → its `--version` line (`unknown` when it has none).
    pub tools: BTreeMap<String, String>,
}

impl Inputs {
    /// The inputs of `root` as the snapshot `tree` saw it, for `config`; the tools come with
    /// [`Inputs::with_tools`] (their probe runs while the steps do).
    pub fn read(root: &Path, tree: &Worktree, config: &Config) -> Inputs {
        let mut files: BTreeMap<String, String> = crate::repo::git::index(root)
            .iter()
            .map(|t| (t.path.clone(), t.blob.clone()))
            .collect();
        for path in &tree.changed {
            let id = match std::fs::read(root.join(path)) {
                Ok(bytes) => format!("w:{}", sha256_hex(&bytes)),
                Err(_) => "deleted".to_string(),
            };
            files.insert(path.clone(), id);
        }
        Inputs {
            files: files.into_iter().collect(),
            config: config_digest(config),
            tools: BTreeMap::new(),
        }
    }

    /// The same inputs with the tool versions probed for this run.
    pub fn with_tools(mut self, tools: BTreeMap<String, String>) -> Inputs {
        self.tools = tools;
        self
    }

    /// The digest of everything: `sha256:…`.
    pub fn digest(&self) -> String {
        self.digest_of(None, "")
    }

    /// The digest of the files `only` matches (all when `None`), the configuration, the
    /// tools, sdetkit's version and `extra`.
    pub fn digest_of(&self, only: Option<&Globs>, extra: &str) -> String {
        let mut whole = format!("config {}\n", self.config);
        for (tool, version) in &self.tools {
            whole.push_str(&format!("tool {tool} {version}\n"));
        }
        whole.push_str(extra);
        self.files_digest(only, &whole)
    }

    /// The digest of the files `only` matches (all when `None`), sdetkit's version and `extra`
    /// (a step's command, environment and tools: its cache key).
    pub fn files_digest(&self, only: Option<&Globs>, extra: &str) -> String {
        let mut h = Sha256::new();
        h.update(format!("sdetkit {}\n", env!("CARGO_PKG_VERSION")));
        for (path, id) in &self.files {
            if only.is_none_or(|g| g.is_match(path)) {
                h.update(format!("file {path} {id}\n"));
            }
        }
        h.update(extra);
        format!("sha256:{}", hex(&h.finalize()))
    }
}

/// A digest of the configuration: the file's bytes, or the detected steps.
pub fn config_digest(config: &Config) -> String {
    let text = match config.source.as_ref().and_then(|p| std::fs::read(p).ok()) {
        Some(bytes) => bytes,
        None => config
            .fast
            .iter()
            .map(|s| format!("{}\t{}\n", s.id, s.run))
            .collect::<String>()
            .into_bytes(),
    };
    sha256_hex(&text)
}

/// The programs the configured steps run (through their Makefile recipes and `package.json`
/// scripts, as the doctor reads them) and their versions. A version is asked (all at once, in
/// parallel) only when the program file is new or changed since the last run: the answers are
/// kept in `cache/tool-versions.json` under `out`, by path, size and modification time.
pub fn tool_versions(config: &Config, root: &Path, out: &Path) -> BTreeMap<String, String> {
    let mut programs: Vec<(String, PathBuf)> = config
        .fast
        .iter()
        .chain(&config.release_steps)
        .chain(&config.doctor_steps)
        .chain(config.setup.iter())
        .flat_map(|s| located_tools(s, root))
        .collect();
    programs.sort();
    programs.dedup();
    let known = TOOL_VERSIONS.read(out).ok().flatten().unwrap_or_default();
    let stamp = |path: &Path| {
        let meta = std::fs::metadata(path).ok()?;
        let mtime = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some((meta.len(), mtime.as_nanos() as i128))
    };
    let answers: Vec<(String, String, Option<KnownVersion>)> = std::thread::scope(|s| {
        let probes: Vec<_> = programs
            .iter()
            .map(|(name, path)| {
                let known = &known;
                s.spawn(move || {
                    let key = path.display().to_string();
                    let (size, mtime_ns) = stamp(path).unwrap_or_default();
                    let cached = known
                        .get(&key)
                        .filter(|k| k.size == size && k.mtime_ns == mtime_ns)
                        .map(|k| k.version.clone());
                    match cached {
                        Some(version) => (name.clone(), version, None),
                        None => {
                            let version = crate::tools::version(path)
                                .unwrap_or_else(|| "unknown".to_string());
                            let fresh = KnownVersion {
                                size,
                                mtime_ns,
                                version: version.clone(),
                            };
                            (name.clone(), version, Some(fresh))
                        }
                    }
                })
            })
            .collect();
        probes
            .into_iter()
            .map(|h| h.join().expect("a version probe does not panic"))
            .collect()
    });
    let fresh: Vec<(String, KnownVersion)> = programs
        .iter()
        .zip(&answers)
        .filter_map(|((_, path), (_, _, f))| Some((path.display().to_string(), f.clone()?)))
        .collect();
    if !fresh.is_empty() {
        let mut all = known;
        all.extend(fresh);
        // Best effort: without the file, versions are simply asked again next time.
        let _ = TOOL_VERSIONS.write(out, &all, false);
    }
    answers
        .into_iter()
        .map(|(name, version, _)| (name, version))
        .collect()
}

/// The programs `step` runs, with where each is (keyed by name alone: a digest must not hold
/// this machine's paths).
pub fn located_tools(step: &crate::config::StepSpec, root: &Path) -> Vec<(String, PathBuf)> {
    let dir = root.join(step.cwd.as_deref().unwrap_or(Path::new("")));
    let needed = crate::tools::needs::of_command(&step.run, &dir);
    needed
        .iter()
        .chain(&step.requires)
        .filter_map(|t| {
            let local = t.local.as_ref().map(|l| dir.join(l).join(&t.program));
            let path = local
                .filter(|p| p.is_file())
                .or_else(|| crate::tools::find(&t.program))?;
            Some((t.program.clone(), path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_changes_with_content_config_tools_and_extra() {
        let base = Inputs {
            files: vec![
                ("a.rs".into(), "blob1".into()),
                ("b.md".into(), "blob2".into()),
            ],
            config: "c".into(),
            tools: BTreeMap::from([("cargo".into(), "1".into())]),
        };
        let d = base.digest();
        assert!(d.starts_with("sha256:") && d.len() == 71);
        assert_eq!(d, base.clone().digest(), "deterministic");
        let mut other = base.clone();
        other.files[1].1 = "w:x".into();
        assert_ne!(other.digest(), d);
        let rs = Globs::new(&["*.rs".to_string()]).unwrap();
        assert_eq!(
            other.digest_of(Some(&rs), ""),
            base.digest_of(Some(&rs), "")
        );
        let mut tools = base.clone();
        tools.tools.insert("cargo".into(), "2".into());
        assert_ne!(tools.digest(), d);
        assert_ne!(base.digest_of(None, "cmd"), d);
    }
}

//! Where a command works: the repository root, the out-dir, the config file, and the shared
//! per-invocation settings (parallelism, output style, the run's time origin, who hears about
//! running steps, and the request to stop).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::runner::{Events, Silent, Stop};

/// The resolved locations and settings of one invocation.
pub struct Workspace {
    /// Repository root (absolute).
    pub root: PathBuf,
    /// Output directory (absolute), `<root>/build` by default.
    pub out_dir: PathBuf,
    /// Config file path (absolute), whether or not it exists.
    pub config_path: PathBuf,
    /// Whether `--config` was given (a missing file is then an error).
    pub config_explicit: bool,
    /// Parallel step limit from `--jobs`.
    pub jobs: Option<usize>,
    /// Colour in text output.
    pub color: bool,
    /// The CI whose native output to write (`--ci`), if any.
    pub ci: Option<crate::ci::Native>,
    /// The run's time origin.
    pub epoch: Instant,
    /// Who hears about steps starting and settling (the progress display, or nobody).
    pub events: Arc<dyn Events>,
    /// The request to stop (Ctrl-C in the CLI).
    pub stop: Stop,
}

impl Workspace {
    /// Resolves `--root` (default: the git top-level of the current directory, else the
    /// current directory), `--out-dir` (refused when it holds tracked files; the temporary
    /// files of killed runs in it are swept) and `--config`.
    pub fn resolve(
        root: Option<&Path>,
        out_dir: Option<&Path>,
        config: Option<&Path>,
    ) -> Result<Workspace> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::io(".", "cannot read the current directory", e))?;
        let root = match root {
            Some(r) => {
                let r = cwd.join(r);
                if !r.is_dir() {
                    return Err(Error::Usage(format!(
                        "--root {}: no such directory",
                        r.display()
                    )));
                }
                r.canonicalize()
                    .map_err(|e| Error::io(&r, "cannot resolve", e))?
            }
            None => crate::repo::git::toplevel(&cwd).unwrap_or(cwd.clone()),
        };
        let out_dir = match out_dir {
            Some(given) => {
                let out = normal(&cwd.join(given));
                refuse_tracked(&root, &out, given)?;
                out
            }
            None => default_out_dir(&root),
        };
        crate::artifacts::sweep(&out_dir);
        let config_path = config.map_or_else(|| root.join("sdetkit.toml"), |c| cwd.join(c));
        Ok(Workspace {
            root,
            out_dir,
            config_path,
            config_explicit: config.is_some(),
            jobs: None,
            color: false,
            ci: None,
            epoch: Instant::now(),
            events: Arc::new(Silent),
            stop: Stop::new(),
        })
    }

    /// The configuration: the file when present, else auto-detection.
    pub fn config(&self) -> Result<Config> {
        config::resolve(&self.root, &self.config_path, self.config_explicit)
    }

    /// The out-dir relative to the root, when it is inside it (for clean-tree filtering).
    pub fn out_dir_in_root(&self) -> Option<PathBuf> {
        self.out_dir
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
    }

    /// The work tree now (`None` outside a git repository): one `git status` call.
    pub fn worktree(&self) -> Option<crate::repo::worktree::Worktree> {
        crate::repo::worktree::Worktree::read(&self.root, self.out_dir_in_root().as_deref())
    }

    /// `path` relative to the root when inside it, for artifacts that must not embed
    /// machine-specific absolute paths.
    pub fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    /// How artifacts and lanes are named for people in this workspace.
    pub fn places(&self) -> crate::artifacts::Places<'_> {
        crate::artifacts::Places {
            root: &self.root,
            out: &self.out_dir,
            lanes: crate::repo::lanes::Lanes::of(&self.root),
        }
    }

    /// The runner context for one gate (`fast`, `release`, `doctor`, `setup`), its logs
    /// directory made ready ([`crate::artifacts::proof::fresh_logs_dir`]).
    pub fn runner(&self, gate: &str, config: &Config) -> Result<crate::runner::Context> {
        Ok(crate::runner::Context {
            root: self.root.clone(),
            logs_dir: crate::artifacts::proof::fresh_logs_dir(&self.out_dir, gate)?,
            jobs: self
                .jobs
                .or(config.jobs)
                .unwrap_or_else(crate::runner::default_jobs),
            kill_grace: config.kill_grace,
            epoch: self.epoch,
            events: self.events.clone(),
            stop: self.stop.clone(),
            gate: gate.to_string(),
        })
    }
}

/// `path` with its `.` and `..` components resolved as written (without following links).
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Refuses an `--out-dir` that holds tracked files of the repository at `root` (or the
/// repository itself): sdetkit's artifacts would overwrite them or mix with them. The default
/// out-dir ([`default_out_dir`]) never does.
fn refuse_tracked(root: &Path, out: &Path, given: &Path) -> Result<()> {
    if !crate::repo::git::is_repo(root) {
        return Ok(());
    }
    let problem = if root.starts_with(out) {
        "holds the repository itself"
    } else {
        match out.strip_prefix(root) {
            Ok(rel) if crate::repo::git::tracks_under(root, rel) => "holds tracked files",
            _ => return Ok(()),
        }
    };
    Err(Error::Usage(format!(
        "--out-dir {}: {problem}, which sdetkit's artifacts would overwrite or mix with; choose a directory git ignores or one outside the repository",
        given.display()
    )))
}

/// Where artifacts go without `--out-dir`: `<root>/build` (the seed's place) when git
/// ignores it and it holds no tracked file; otherwise `<git-dir>/sdetkit`, which neither git
/// nor the repository's own tools (formatters, linters scanning `.`) ever see. Writing into
/// a `build/` that holds sources, or that `prettier --check .` reads, would make sdetkit's own
/// artifacts fail the checks it runs.
pub fn default_out_dir(root: &Path) -> PathBuf {
    let build = root.join("build");
    let Some(git_dir) = crate::repo::git::git_dir(root) else {
        return build;
    };
    // Both questions at once: git's index (read once per process, and needed again by the
    // input digest and the doctor) comes in while git answers the ignore question.
    let (ignored, tracked) = std::thread::scope(|s| {
        let tracked = s.spawn(|| crate::repo::git::tracks_under(root, Path::new("build")));
        let ignored = crate::repo::git::is_ignored(root, Path::new("build/"));
        (
            ignored,
            tracked.join().expect("the index thread does not panic"),
        )
    });
    if ignored && !tracked {
        build
    } else {
        git_dir.join("sdetkit")
    }
}

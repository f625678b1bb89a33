//! Whole-file reads and atomic writes.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::files::Links;

/// The most of a JSON artifact read back: far more than any the tool writes.
const ARTIFACT_CAP: u64 = 256 << 20;

/// Writes `contents` to `path`, a file the user names (`--out`, `init`'s config), atomically:
/// a temporary file in the same directory, fsync, then rename. A killed run leaves either the
/// old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_mode(path, contents, None)
}

/// Writes an executable file (a git hook) atomically, as [`write_atomic`] does: it is
/// executable (mode 0755) from the moment it appears at `path`.
pub fn write_executable(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_mode(path, contents, Some(0o755))
}

/// Appends `text` to the file at `path` (a CI's job summary file) by writing the old contents
/// and the new atomically: a reader sees the file before or after, never a torn append.
pub fn append_atomic(path: &Path, text: &str) -> Result<()> {
    let mut contents = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(path, "cannot read", e)),
    };
    contents.extend_from_slice(text.as_bytes());
    write_atomic(path, &contents)
}

fn write_atomic_mode(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create directory", e))?;
    replace(path, contents, mode)
}

/// Writes `contents` to `path` under the out-dir `out` as [`write_atomic`] does, creating its
/// directory with [`make_dir`]: the rename replaces a link at `path` itself, never writes
/// through it, and a link among the directories below `out` is refused.
pub fn write_under(out: &Path, path: &Path, contents: &[u8]) -> Result<()> {
    make_dir(out, path.parent().unwrap_or(out))?;
    replace(path, contents, None)
}

/// Makes `dir`, under the out-dir `out`, ready for a run: created as [`make_dir`] does and
/// emptied of the files with one of `extensions` an earlier run left there, so such a file
/// always belongs to this run. A link among them goes, not what it points at.
pub fn fresh_dir(out: &Path, dir: &Path, extensions: &[&str]) -> Result<()> {
    make_dir(out, dir)?;
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read", e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(())
}

/// Removes the temporary files writers that died left under the out-dir `out` (a killed
/// run's `.<name>.<pid>.tmp`, see [`replace`]): only those whose pid is no live process, and
/// never through a link. Best effort: what cannot be removed stays.
pub fn sweep(out: &Path) {
    sweep_dir(out, 0);
}

/// Directory levels below the out-dir that hold artifacts (`first-proof/logs/<gate>/`).
const SWEEP_DEPTH: usize = 3;

fn sweep_dir(dir: &Path, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && depth < SWEEP_DEPTH {
            sweep_dir(&path, depth + 1);
        } else if kind.is_file()
            && let Some(pid) = orphan_pid(&entry.file_name().to_string_lossy())
            && !alive(pid)
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The writer's pid in a temporary file's name `.<name>.<pid>.tmp`.
fn orphan_pid(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, pid) = stem.rsplit_once('.')?;
    pid.parse().ok()
}

/// Whether process `pid` exists (one we may not signal exists too).
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Temporary file (never through a link; with `mode` from the start when given), fsync,
/// rename, in `path`'s existing directory.
fn replace(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("artifact");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_NOFOLLOW);
        if let Some(mode) = mode {
            options.mode(mode);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, "cannot write", e)
    })
}

/// Creates `dir`, under the out-dir `out`, one level at a time, refusing a symbolic link (or
/// a file) at any level below `out`: a link there would send the tool's writes and deletions
/// outside its out-dir. `out` itself may be a link: where it points is the user's choice.
pub fn make_dir(out: &Path, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, "cannot create directory", e))?;
    let rel = dir
        .strip_prefix(out)
        .map_err(|_| Error::input(dir, format!("is outside the out-dir {}", out.display())))?;
    let mut at = out.to_path_buf();
    for part in rel.components() {
        at.push(part);
        let meta = match std::fs::symlink_metadata(&at) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::create_dir(&at) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                        return Err(Error::io(&at, "cannot create directory", e));
                    }
                    // Created here, or by a concurrent lane: look at what is there now.
                    _ => std::fs::symlink_metadata(&at),
                }
            }
            found => found,
        }
        .map_err(|e| Error::io(&at, "cannot read", e))?;
        if meta.file_type().is_symlink() {
            return Err(crate::files::link_refused(&at));
        }
        if !meta.is_dir() {
            return Err(Error::input(&at, "is not a directory"));
        }
    }
    Ok(())
}

/// A file for [`write_all`]: where it goes under the out-dir and its bytes, secrets redacted
/// (made by [`super::Doc::entry`], [`super::Page::entry`] or [`Entry::text`], so nothing
/// else can be written this way).
pub struct Entry {
    out: PathBuf,
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Entry {
    /// A text file at `path` under the out-dir `out`, secrets redacted.
    pub fn text(out: &Path, path: PathBuf, text: String) -> Entry {
        Entry {
            out: out.to_path_buf(),
            path,
            bytes: crate::secrets::redactor().string(text).into_bytes(),
        }
    }

    /// JSON made by [`crate::json`], which redacts it.
    pub(super) fn json(out: &Path, path: PathBuf, json: String) -> Entry {
        Entry {
            out: out.to_path_buf(),
            path,
            bytes: json.into_bytes(),
        }
    }

    /// Where it goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a write put on disk: where, and the sha256 of the bytes (what a later rewrite of
/// the file is told apart by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// The sha256 of what was written.
    pub sha256: String,
}

impl Written {
    /// Writes `contents` to `path` under `out` ([`write_under`]).
    pub(super) fn under(out: &Path, path: PathBuf, contents: &[u8]) -> Result<Written> {
        write_under(out, &path, contents)?;
        Ok(Written {
            path,
            sha256: crate::digest::sha256_hex(contents),
        })
    }
}

/// Writes several files, each as [`write_under`] does, at the same time: their
/// fsyncs overlap (and share journal commits) instead of queueing one after another, which
/// on a busy disk was most of a lane's own time. Returns what was written, in order.
pub fn write_all(files: &[Entry]) -> Result<Vec<Written>> {
    std::thread::scope(|s| {
        let writers: Vec<_> = files
            .iter()
            .map(|f| s.spawn(move || Written::under(&f.out, f.path.clone(), &f.bytes)))
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("a writer thread does not panic"))
            .collect()
    })
}

/// The artifact's text; `Ok(None)` when it does not exist. A link is refused, not followed.
fn read_text(path: &Path) -> Result<Option<String>> {
    match crate::files::read(path, ARTIFACT_CAP, Links::Refuse)? {
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| super::corrupt(path, None, "not UTF-8")),
        None => Ok(None),
    }
}

/// Reads a JSON artifact into `T`; `Ok(None)` when it does not exist, an error naming the
/// file and line when it is not valid JSON or not the expected shape.
pub fn read_typed<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| super::corrupt(path, Some(e.line() as u64), e.to_string()))
}

/// Reads a JSON artifact as an untyped value (for schema validation).
pub fn read_json(path: &Path) -> Result<Option<Value>> {
    read_typed(path)
}

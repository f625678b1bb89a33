//! Whole-file reads and atomic writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically: a temporary file in the same directory, fsync,
/// then rename. A killed run leaves either the old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create directory", e))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("artifact");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, "cannot write", e)
    })
}

/// A file for [`write_all`]: its path and its bytes, secrets redacted (made by
/// [`super::Doc::entry`], [`super::Page::entry`] or [`Entry::text`], so nothing else can
/// be written this way).
pub struct Entry {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Entry {
    /// A text file at `path`, secrets redacted.
    pub fn text(path: PathBuf, text: String) -> Entry {
        Entry {
            path,
            bytes: crate::secrets::redactor().string(text).into_bytes(),
        }
    }

    /// JSON made by [`crate::json`], which redacts it.
    pub(super) fn json(path: PathBuf, json: String) -> Entry {
        Entry {
            path,
            bytes: json.into_bytes(),
        }
    }

    /// Where it goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes several files, each atomically as [`write_atomic`] does, at the same time: their
/// fsyncs overlap (and share journal commits) instead of queueing one after another, which
/// on a busy disk was most of a lane's own time.
pub fn write_all(files: &[Entry]) -> Result<()> {
    std::thread::scope(|s| {
        let writers: Vec<_> = files
            .iter()
            .map(|f| s.spawn(move || write_atomic(&f.path, &f.bytes)))
            .collect();
        writers
            .into_iter()
            .try_for_each(|w| w.join().expect("a writer thread does not panic"))
    })
}

/// The file's text; `Ok(None)` when it does not exist.
fn read_text(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| super::corrupt(path, None, "not UTF-8")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, "cannot read", e)),
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

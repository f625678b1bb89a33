//! JSON artifacts: sorted keys, atomic writes, and the `--stable-json` normalisation.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Keys whose values change from run to run for the same tree and outcomes.
const VOLATILE_KEYS: &[&str] = &[
    "duration_ms",
    "started_ms",
    "started_at",
    "generated_at",
    "run_id",
    "root",
];

/// Converts to a `Value`; `serde_json::Map` is a `BTreeMap`, so keys come out sorted.
pub fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("artifact types always serialise")
}

/// Drops the keys that differ between two runs of the same tree (durations, timestamps,
/// run ids, absolute roots), recursively.
pub fn stabilize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !VOLATILE_KEYS.contains(&key.as_str()));
            map.values_mut().for_each(stabilize);
        }
        Value::Array(items) => items.iter_mut().for_each(stabilize),
        _ => {}
    }
}

/// Pretty JSON (2-space indent, sorted keys) with a trailing newline, as the reference wrote it.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("values always serialise");
    text.push('\n');
    text
}

/// One JSONL row: compact, sorted keys, newline-terminated.
pub fn line(value: &Value) -> String {
    let mut text = serde_json::to_string(value).expect("values always serialise");
    text.push('\n');
    text
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, fsync, then
/// rename. A killed run leaves either the old file or the new one, never a torn one.
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

/// Writes several files, each atomically as [`write_atomic`] does, at the same time: their
/// fsyncs overlap (and share journal commits) instead of queueing one after another, which
/// on a busy disk was most of a lane's own time.
pub fn write_atomic_all(files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    std::thread::scope(|s| {
        let writers: Vec<_> = files
            .iter()
            .map(|(path, contents)| s.spawn(move || write_atomic(path, contents)))
            .collect();
        writers
            .into_iter()
            .try_for_each(|w| w.join().expect("a writer thread does not panic"))
    })
}

/// Writes a JSON artifact atomically in the pretty form.
pub fn write_value(path: &Path, value: &Value) -> Result<()> {
    write_atomic(path, pretty(value).as_bytes())
}

/// Reads a JSON file into `T`; `Ok(None)` when it does not exist, an error naming the file
/// and line when it is not valid JSON or not the expected shape.
pub fn read_typed<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, "cannot read", e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: e.line(),
            message: format!("invalid JSON: {e}"),
        })
}

/// Reads a JSON file; `Ok(None)` when it does not exist, an error naming the file (and line)
/// when it is not valid JSON.
pub fn read_optional(path: &Path) -> Result<Option<Value>> {
    read_typed(path)
}

//! JSONL histories: whole-line appends under an exclusive lock, and a streaming reader that
//! survives corrupt lines (skipped, counted, reported) instead of dying on them.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// Corrupt lines reported one by one before the reader only counts them.
const WARN_LIMIT: u64 = 3;

/// Appends `row` as one line. The exclusive lock plus a single `write` means concurrent
/// lanes never interleave or lose rows; a torn last line (a writer killed mid-row) gets a
/// newline first, so the new row is never glued onto it.
pub fn append(path: &Path, row: &Value) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create directory", e))?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| Error::io(path, "cannot open", e))?;
    file.lock().map_err(|e| Error::io(path, "cannot lock", e))?;
    let mut text = crate::json::line(row);
    if ends_torn(&mut file).map_err(|e| Error::io(path, "cannot read", e))? {
        text.insert(0, '\n');
    }
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(path, "cannot append to", e))
}

/// Whether the file is non-empty and does not end with a newline.
fn ends_torn(file: &mut File) -> std::io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Streams the non-blank lines of `path` (1-based line numbers) to `visit` under a shared
/// lock, so a concurrent append is never seen half-written. `visit` returns `Err(why)` for a
/// line that is not a usable row: it is skipped, counted, and reported on stderr as
/// `path:line: …`. Returns the number of skipped lines; a missing file has no lines.
pub fn scan(path: &Path, mut visit: impl FnMut(&str) -> Result<(), String>) -> Result<u64> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(path, "cannot open", e)),
    };
    file.lock_shared()
        .map_err(|e| Error::io(path, "cannot lock", e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(1024);
    let (mut line_no, mut corrupt) = (0u64, 0u64);
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, "cannot read", e))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        let verdict = match std::str::from_utf8(&buf) {
            Ok(text) if text.trim().is_empty() => Ok(()),
            Ok(text) => visit(text),
            Err(_) => Err("not UTF-8".to_string()),
        };
        if let Err(why) = verdict {
            corrupt += 1;
            if corrupt <= WARN_LIMIT {
                eprintln!(
                    "sdetkit: warning: {}:{line_no}: skipped corrupt row: {why}",
                    path.display()
                );
            }
        }
    }
    if corrupt > WARN_LIMIT {
        eprintln!(
            "sdetkit: warning: {}: {corrupt} corrupt rows skipped in all",
            path.display()
        );
    }
    Ok(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn append_repairs_a_torn_last_line_and_scan_skips_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        std::fs::write(&path, "{\"a\": 1}\n\n{\"torn\": ").unwrap();
        append(&path, &json!({"b": 2})).unwrap();
        let mut rows = Vec::new();
        let corrupt = scan(&path, |line| {
            let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            rows.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(corrupt, 1);
        assert_eq!(rows, vec![json!({"a": 1}), json!({"b": 2})]);
    }

    #[test]
    fn a_missing_history_has_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let corrupt = scan(
            &dir.path().join("none.jsonl"),
            |_| Err("unreachable".into()),
        );
        assert_eq!(corrupt.unwrap(), 0);
    }
}

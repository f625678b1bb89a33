//! JSONL histories: whole-line appends under an exclusive lock, and a streaming reader that
//! survives corrupt lines (skipped, counted, reported) instead of dying on them.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
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
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(path, "cannot open", e)),
    };
    file.lock_shared()
        .map_err(|e| Error::io(path, "cannot lock", e))?;
    let mut lines = LineCount::default();
    let mut on_line = |bytes: &[u8]| lines.check(path, bytes, &mut visit);
    chunks(&mut file, &mut on_line).map_err(|e| Error::io(path, "cannot read", e))?;
    if lines.corrupt > WARN_LIMIT {
        eprintln!(
            "sdetkit: warning: {}: {} corrupt rows skipped in all",
            path.display(),
            lines.corrupt
        );
    }
    Ok(lines.corrupt)
}

/// Reads `file` in large chunks and hands out each line (without its newline) straight from
/// the chunk: one copy from the page cache, where a line-by-line `BufRead` makes two. Memory
/// is one chunk (grown only for a line longer than it).
fn chunks(file: &mut File, on_line: &mut impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let read = file.read(&mut buf[filled..])?;
        filled += read;
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &buf[start..filled]) {
            on_line(&buf[start..start + end]);
            start += end + 1;
        }
        if read == 0 {
            if start < filled {
                on_line(&buf[start..filled]);
            }
            return Ok(());
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
}

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 18;

/// Line numbers and corrupt lines of one scan.
#[derive(Default)]
struct LineCount {
    line_no: u64,
    corrupt: u64,
}

impl LineCount {
    /// Visits one line unless blank; counts and reports it when it is not a usable row.
    fn check(
        &mut self,
        path: &Path,
        bytes: &[u8],
        visit: &mut impl FnMut(&str) -> Result<(), String>,
    ) {
        self.line_no += 1;
        let verdict = match std::str::from_utf8(bytes) {
            Ok(text) if text.trim().is_empty() => Ok(()),
            Ok(text) => visit(text),
            Err(_) => Err("not UTF-8".to_string()),
        };
        if let Err(why) = verdict {
            self.corrupt += 1;
            if self.corrupt <= WARN_LIMIT {
                eprintln!(
                    "sdetkit: warning: {}:{}: skipped corrupt row: {why}",
                    path.display(),
                    self.line_no
                );
            }
        }
    }
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

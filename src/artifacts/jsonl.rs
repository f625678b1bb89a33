//! JSONL histories: whole-line appends under an exclusive lock, and a streaming reader that
//! survives corrupt lines (skipped, counted, reported) instead of dying on them.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::files::Links;

/// Corrupt lines reported one by one before the reader only counts them.
const WARN_LIMIT: usize = 3;

/// Appends `row` as one line. The exclusive lock plus a single `write` means concurrent
/// lanes never interleave or lose rows; a torn last line (a writer killed mid-row) gets a
/// newline first, so the new row is never glued onto it.
pub fn append(out: &Path, path: &Path, row: &Value) -> Result<()> {
    let mut file = open_exclusive(out, path)?;
    let mut text = crate::json::line(row);
    if ends_torn(&mut file).map_err(|e| Error::io(path, "cannot read", e))? {
        text.insert(0, '\n');
    }
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(path, "cannot append to", e))
}

/// Opens `path`, under the out-dir `out`, for appending and reading (creating it and its
/// directory) under its exclusive lock. A link there is refused: appending through it would
/// write outside the out-dir.
fn open_exclusive(out: &Path, path: &Path) -> Result<File> {
    super::file::make_dir(out, path.parent().unwrap_or(out))?;
    lock_current(path, || {
        OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
    })
}

/// Opens `path` with `open` and takes its exclusive lock, making sure the file locked is
/// still the one at `path`: [`rewrite`] replaces the file by renaming over it, and a writer
/// that opened the old one and waited for its lock must not write into a file nobody reads.
fn lock_current(path: &Path, open: impl Fn() -> std::io::Result<File>) -> Result<File> {
    loop {
        let file = open().map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => crate::files::link_refused(path),
            _ => Error::io(path, "cannot open", e),
        })?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Err(Error::input(path, "is not a regular file"));
        }
        file.lock().map_err(|e| Error::io(path, "cannot lock", e))?;
        if is_current(&file, path) {
            return Ok(file);
        }
    }
}

/// Whether `file` is the file now at `path`.
#[cfg(unix)]
fn is_current(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(now)) => held.dev() == now.dev() && held.ino() == now.ino(),
        // Gone (renamed away or removed): open again.
        _ => false,
    }
}

/// Whether `file` is the file now at `path` (elsewhere, files are not renamed over while open).
#[cfg(not(unix))]
fn is_current(_file: &File, _path: &Path) -> bool {
    true
}

/// Rewrites `path` under its exclusive lock: `change` gets the current text (empty when the
/// file does not exist) and returns the new text, or `None` to leave the file alone. The new
/// text replaces the old atomically (temporary file, fsync, rename) while appenders wait, so
/// neither a killed rewrite nor a concurrent append loses a row.
pub fn rewrite(
    out: &Path,
    path: &Path,
    change: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
) -> Result<bool> {
    let mut file = open_exclusive(out, path)?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)
        .map_err(|e| Error::io(path, "cannot read", e))?;
    let Some(new) = change(&text) else {
        return Ok(false);
    };
    super::file::write_under(out, path, &new)?;
    // The lock on the old file is released when `file` drops, after the rename.
    drop(file);
    Ok(true)
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

/// A row accumulator that can be filled in parts of a file read at the same time, then
/// merged in file order.
pub trait Fold: Send + Sized {
    /// Adds one non-blank line; `Err(why)` when it is not a usable row.
    fn add(&mut self, line: &str) -> Result<(), String>;
    /// Appends `later`, the fold of the part of the file that follows this one.
    fn merge(&mut self, later: Self);
}

/// Where a read of a history stopped, so that a later read can start there: the offset, the
/// lines before it, a seal (a hash of the bytes just before it) that no longer matches once
/// the file was truncated or rewritten there, and the file's identity, which changes when the
/// file is replaced (a merge of pulled rows, an editor saving it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Byte offset where the read stopped.
    pub offset: u64,
    /// Lines before it.
    pub lines: u64,
    /// A hash of the bytes just before it.
    pub seal: u64,
    /// The file's device and inode (0 where there are none).
    #[serde(default)]
    pub file: (u64, u64),
}

impl Mark {
    /// The mark of a file that does not exist.
    fn none() -> Mark {
        Mark {
            offset: 0,
            lines: 0,
            seal: seal_of(&[]),
            file: (0, 0),
        }
    }

    /// The mark at byte `offset` of `file` (whose identity is `identity`), `lines` lines in.
    fn at(file: &File, identity: (u64, u64), offset: u64, lines: u64) -> std::io::Result<Mark> {
        Ok(Mark {
            offset,
            lines,
            seal: seal(file, offset)?,
            file: identity,
        })
    }
}

/// A history opened for a read that may start at a mark: under its shared lock, with its
/// length and identity as of then, and the mark when it still fits the file (the offset is
/// inside it, the file is the same one, and the bytes before the offset are the sealed ones).
struct Opened {
    file: File,
    len: u64,
    identity: (u64, u64),
    start: Option<Mark>,
}

impl Opened {
    /// `path` opened for a read from `from`; `None` when it does not exist.
    fn at(path: &Path, from: Option<Mark>) -> Result<Option<Opened>> {
        let read = |e| Error::io(path, "cannot read", e);
        let Some(file) = open_shared(path)? else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(read)?;
        let (len, identity) = (meta.len(), file_id(&meta));
        let start = match from {
            Some(m) if m.offset <= len && m.file == identity => {
                let sealed = seal(&file, m.offset).map_err(read)? == m.seal;
                sealed.then_some(m)
            }
            _ => None,
        };
        Ok(Some(Opened {
            file,
            len,
            identity,
            start,
        }))
    }

    /// Where the read starts: the byte offset and the lines before it.
    fn offset(&self) -> (u64, u64) {
        self.start.map_or((0, 0), |m| (m.offset, m.lines))
    }

    /// The mark at the end of the file, `lines` lines in.
    fn end(&self, lines: u64) -> std::io::Result<Mark> {
        Mark::at(&self.file, self.identity, self.len, lines)
    }
}

/// A resume point of a summed history: where the last read stopped, and the sum `T` of the
/// rows before it (a cache: a missing or stale one only means a full read).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint<T> {
    /// Where the read stopped.
    pub mark: Mark,
    /// The sum of the rows before it.
    pub tally: T,
}

/// What a fold read.
pub struct Folded<F> {
    /// The fold of the lines read.
    pub fold: F,
    /// Corrupt lines among them.
    pub corrupt: u64,
    /// Where the read stopped (the end of the file).
    pub mark: Mark,
    /// Whether the read started at the given mark; `false` when it started at the top
    /// because there was no mark or it no longer fit the file.
    pub resumed: bool,
}

/// Files (or unread tails) at least this large are read in two halves on two threads.
const PARALLEL_MIN: u64 = 4 << 20;

/// Bytes before a mark that its seal covers.
const SEAL_BYTES: u64 = 256;

/// Streams the non-blank lines of `path`, in order and on this thread, to `visit`, with the
/// locking and corrupt-line handling of [`fold_from`]. Returns the number of corrupt lines.
pub fn scan(path: &Path, mut visit: impl FnMut(&str) -> Result<(), String>) -> Result<u64> {
    Ok(scan_marked(path, None, |_| {}, |_, line| visit(line))?.corrupt)
}

/// A line of [`scan_marked`]: where it starts, for a caller that wants to resume there later.
pub struct Here<'a> {
    file: &'a File,
    identity: (u64, u64),
    /// Byte offset where the line starts.
    pub offset: u64,
    /// Lines before it.
    pub lines: u64,
    /// Corrupt lines before it, among those this read went through.
    pub corrupt: u64,
}

impl Here<'_> {
    /// A mark at the start of this line (its seal is read now, from the file being read).
    pub fn mark(&self) -> std::io::Result<Mark> {
        Mark::at(self.file, self.identity, self.offset, self.lines)
    }
}

/// What [`scan_marked`] read.
pub struct Scanned {
    /// Corrupt lines among those read.
    pub corrupt: u64,
    /// Where the read stopped: the end of the file.
    pub end: Mark,
}

/// Streams the non-blank lines of `path` to `visit`, in order and on this thread, each with
/// where it starts ([`Here`]), from `from` when it still fits the file (as [`fold_from`]
/// checks it), else from the top. `resumed` is told which, before the first line. Corrupt
/// lines are skipped, counted and reported as [`scan`] does.
pub fn scan_marked(
    path: &Path,
    from: Option<Mark>,
    resumed: impl FnOnce(bool),
    mut visit: impl FnMut(&Here, &str) -> Result<(), String>,
) -> Result<Scanned> {
    let read = |e| Error::io(path, "cannot read", e);
    let Some(opened) = Opened::at(path, from)? else {
        resumed(false);
        return Ok(Scanned {
            corrupt: 0,
            end: Mark::none(),
        });
    };
    resumed(opened.start.is_some());
    let (offset, lines) = opened.offset();
    let mut file = &opened.file;
    file.seek(SeekFrom::Start(offset)).map_err(read)?;
    let mut part = Part {
        fold: (),
        lines,
        corrupt: 0,
        warnings: Vec::new(),
    };
    let mut at = offset;
    chunks(&mut file.take(opened.len - offset), &mut |bytes| {
        let here = Here {
            file,
            identity: opened.identity,
            offset: at,
            lines: part.lines,
            corrupt: part.corrupt,
        };
        at += bytes.len() as u64 + 1;
        part.line(bytes, &mut |_, text| visit(&here, text));
        ControlFlow::Continue(())
    })
    .map_err(read)?;
    part.report(path, part.corrupt);
    Ok(Scanned {
        corrupt: part.corrupt,
        end: opened.end(part.lines).map_err(read)?,
    })
}

/// Opens `path` for reading under a shared lock; `None` when it does not exist.
/// Like [`lock_current`], the file locked is the one at `path` once the lock is held, so a
/// read never mixes the file a [`rewrite`] replaced with its replacement.
fn open_shared(path: &Path) -> Result<Option<File>> {
    loop {
        let Some(file) = crate::files::open(path, Links::Refuse)? else {
            return Ok(None);
        };
        file.lock_shared()
            .map_err(|e| Error::io(path, "cannot lock", e))?;
        if is_current(&file, path) {
            return Ok(Some(file));
        }
    }
}

/// The whole content of `path` under a shared lock; empty when it does not exist.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    let Some(mut file) = open_shared(path)? else {
        return Ok(Vec::new());
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "cannot read", e))?;
    Ok(bytes)
}

/// Folds the non-blank lines of `path`; see [`fold_from`].
pub fn fold<F: Fold>(path: &Path, empty: impl Fn() -> F + Sync) -> Result<(F, u64)> {
    let folded = fold_from(path, None, empty)?;
    Ok((folded.fold, folded.corrupt))
}

/// Folds the non-blank lines of `path` from `from` (when it still fits the file, else from the
/// top) under a shared lock, so a concurrent append is never seen half-written. A line that
/// is not a usable row is skipped, counted, and reported on stderr as `path:line: …` (the
/// first few, then a total). Large reads are split in two halves read at once. A missing file
/// has no lines.
pub fn fold_from<F: Fold>(
    path: &Path,
    from: Option<Mark>,
    empty: impl Fn() -> F + Sync,
) -> Result<Folded<F>> {
    let read = |e| Error::io(path, "cannot read", e);
    let Some(opened) = Opened::at(path, from)? else {
        return Ok(Folded {
            fold: empty(),
            corrupt: 0,
            mark: Mark::none(),
            resumed: false,
        });
    };
    let (len, (offset, lines)) = (opened.len, opened.offset());
    let mut file = &opened.file;
    let split = if len - offset >= PARALLEL_MIN {
        line_start_after(file, offset + (len - offset) / 2).map_err(read)?
    } else {
        len
    };
    // The shared lock is held on `file` while both halves are read; appenders wait for it.
    let (first, second) = std::thread::scope(|s| {
        let second = s.spawn(|| {
            let mut other = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)?;
            other.seek(SeekFrom::Start(split))?;
            Part::read(&mut other.take(len - split), empty(), 0, &mut F::add)
        });
        file.seek(SeekFrom::Start(offset))?;
        let first = Part::read(&mut file.take(split - offset), empty(), lines, &mut F::add);
        let second = second.join().expect("a reader thread does not panic");
        first.and_then(|f| second.map(|s| (f, s)))
    })
    .map_err(read)?;
    let mark = opened.end(first.lines + second.lines).map_err(read)?;
    let (fold, corrupt) = first.merge(second, path);
    Ok(Folded {
        fold,
        corrupt,
        mark,
        resumed: opened.start.is_some(),
    })
}

/// A file's device and inode.
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// A file's identity where there are no inodes: none (the seal alone decides).
#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The seal of the bytes just before `at` (read in place: the file's position is left alone).
fn seal(file: &File, at: u64) -> std::io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let from = at.saturating_sub(SEAL_BYTES);
    let mut bytes = vec![0u8; (at - from) as usize];
    file.read_exact_at(&mut bytes, from)?;
    Ok(seal_of(&bytes))
}

/// FNV-1a: a stable hash (unlike `std`'s, which may change between releases) for a cache key.
fn seal_of(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The offset just past the first newline at or after `at` (the file's length if none).
fn line_start_after(mut file: &File, at: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = [0u8; 4096];
    let mut pos = at;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(pos);
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// One part of a file, folded, with its lines counted and its first corrupt lines kept.
struct Part<F> {
    fold: F,
    lines: u64,
    corrupt: u64,
    warnings: Vec<(u64, String)>,
}

impl<F> Part<F> {
    /// Reads the lines of `reader` into `state` with `add`, numbering them after the `lines`
    /// before it.
    fn read(
        reader: &mut impl Read,
        state: F,
        lines: u64,
        add: &mut impl FnMut(&mut F, &str) -> Result<(), String>,
    ) -> std::io::Result<Part<F>> {
        let mut part = Part {
            fold: state,
            lines,
            corrupt: 0,
            warnings: Vec::new(),
        };
        chunks(reader, &mut |bytes| {
            part.line(bytes, add);
            ControlFlow::Continue(())
        })?;
        Ok(part)
    }

    fn line(&mut self, bytes: &[u8], add: &mut impl FnMut(&mut F, &str) -> Result<(), String>) {
        self.lines += 1;
        let verdict = match std::str::from_utf8(bytes) {
            Ok(text) if text.trim().is_empty() => Ok(()),
            Ok(text) => add(&mut self.fold, text),
            Err(_) => Err("not UTF-8".to_string()),
        };
        if let Err(why) = verdict {
            self.corrupt += 1;
            if self.warnings.len() < WARN_LIMIT {
                self.warnings.push((self.lines, why));
            }
        }
    }

    /// Reports the first corrupt lines, then the total when there were more.
    fn report(&self, path: &Path, corrupt: u64) {
        for (line, why) in self.warnings.iter().take(WARN_LIMIT) {
            eprintln!(
                "sdetkit: warning: {}:{line}: skipped corrupt row: {why}",
                path.display()
            );
        }
        if corrupt > WARN_LIMIT as u64 {
            eprintln!(
                "sdetkit: warning: {}: {corrupt} corrupt rows skipped in all",
                path.display()
            );
        }
    }
}

impl<F: Fold> Part<F> {
    /// Merges the following part, reports the corrupt lines (numbered in the whole file),
    /// and returns the fold and the number of corrupt lines.
    fn merge(mut self, later: Part<F>, path: &Path) -> (F, u64) {
        let offset = self.lines;
        let shifted = later.warnings.into_iter().map(|(n, why)| (n + offset, why));
        self.warnings.extend(shifted);
        let corrupt = self.corrupt + later.corrupt;
        self.report(path, corrupt);
        self.fold.merge(later.fold);
        (self.fold, corrupt)
    }
}

/// Reads in large chunks and hands out each line (without its newline) straight from the
/// chunk: one copy from the page cache, where a line-by-line `BufRead` makes two. Memory is
/// one chunk (grown only for a line longer than it). Stops where `on_line` says so.
fn chunks(
    reader: &mut impl Read,
    on_line: &mut impl FnMut(&[u8]) -> ControlFlow<()>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let read = reader.read(&mut buf[filled..])?;
        filled += read;
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &buf[start..filled]) {
            if on_line(&buf[start..start + end]).is_break() {
                return Ok(());
            }
            start += end + 1;
        }
        if read == 0 {
            if start < filled {
                let _ = on_line(&buf[start..filled]);
            }
            return Ok(());
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
}

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 18;

/// Bytes read at a time when reading a history backwards.
const TAIL_BLOCK: u64 = 64 * 1024;

/// The non-blank lines of `path` from the end backwards, each with its distance from the end
/// (1 = the last line) and the byte offset where it starts, until `visit` says stop: the cost
/// is the lines looked at, not the size of the history. Read under a shared lock, so an
/// append is never seen half-written. A missing file has no lines.
pub fn rev_scan(
    path: &Path,
    mut visit: impl FnMut(u64, u64, &str) -> ControlFlow<()>,
) -> Result<()> {
    let read = |e| Error::io(path, "cannot read", e);
    let Some(mut file) = open_shared(path)? else {
        return Ok(());
    };
    let mut end = file.metadata().map_err(read)?.len();
    // `carry` holds the start of the line that crosses the block boundary.
    let mut carry: Vec<u8> = Vec::new();
    let mut from_end = 0u64;
    while end > 0 {
        let start = end.saturating_sub(TAIL_BLOCK);
        let mut block = vec![0u8; (end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(read)?;
        file.read_exact(&mut block).map_err(read)?;
        block.extend_from_slice(&carry);
        let mut stop = block.len();
        while let Some(nl) = memchr::memrchr(b'\n', &block[..stop]) {
            let line = &block[nl + 1..stop];
            stop = nl;
            let offset = start + nl as u64 + 1;
            if rev_line(line, offset, &mut from_end, &mut visit).is_break() {
                return Ok(());
            }
        }
        carry = block[..stop].to_vec();
        end = start;
    }
    let _ = rev_line(&carry, 0, &mut from_end, &mut visit);
    Ok(())
}

fn rev_line(
    line: &[u8],
    offset: u64,
    from_end: &mut u64,
    visit: &mut impl FnMut(u64, u64, &str) -> ControlFlow<()>,
) -> ControlFlow<()> {
    *from_end += 1;
    let text = String::from_utf8_lossy(line);
    if text.trim().is_empty() {
        return ControlFlow::Continue(());
    }
    visit(*from_end, offset, &text)
}

/// The non-blank lines of `path` from byte `offset` (the start of a line) forwards, until
/// `visit` says stop, under a shared lock: the cost is the lines looked at. A missing file
/// has no lines.
pub fn scan_from(
    path: &Path,
    offset: u64,
    mut visit: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<()> {
    let read = |e| Error::io(path, "cannot read", e);
    let Some(mut file) = open_shared(path)? else {
        return Ok(());
    };
    file.seek(SeekFrom::Start(offset)).map_err(read)?;
    chunks(&mut file, &mut |bytes| {
        let line = String::from_utf8_lossy(bytes);
        match line.trim().is_empty() {
            true => ControlFlow::Continue(()),
            false => visit(&line),
        }
    })
    .map_err(read)
}

/// The number of lines of `path` (newlines + 1, as [`rev_scan`] counts them).
pub fn count_lines(path: &Path) -> Result<u64> {
    let read = |e| Error::io(path, "cannot read", e);
    let Some(mut file) = open_shared(path)? else {
        return Ok(0);
    };
    let mut buf = vec![0u8; CHUNK];
    let mut newlines = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(read)?;
        if n == 0 {
            return Ok(newlines + 1);
        }
        newlines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}

/// The non-blank lines among the last `n` lines of `path`, oldest first, each with its
/// distance from the end (1 = the last line).
pub fn tail(path: &Path, n: u64) -> Result<Vec<(u64, String)>> {
    let mut lines = Vec::new();
    rev_scan(path, |from_end, _, line| {
        if from_end > n {
            return ControlFlow::Break(());
        }
        lines.push((from_end, line.to_string()));
        ControlFlow::Continue(())
    })?;
    lines.reverse();
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The lines `scan_marked` visits from `from`, whether it resumed, and its corrupt count;
    /// `keep` names the line whose mark is returned.
    fn marked(
        path: &Path,
        from: Option<Mark>,
        keep: &str,
    ) -> (Vec<String>, bool, u64, Option<Mark>) {
        let (mut seen, mut resumed, mut kept) = (Vec::new(), None, None);
        let scanned = scan_marked(
            path,
            from,
            |r| resumed = Some(r),
            |here, line| {
                if line.contains(keep) {
                    kept = Some(here.mark().unwrap());
                }
                seen.push(line.to_string());
                if line.starts_with('{') {
                    Ok(())
                } else {
                    Err("not a row".into())
                }
            },
        )
        .unwrap();
        (seen, resumed.unwrap(), scanned.corrupt, kept)
    }

    #[test]
    fn a_scan_resumes_at_a_line_it_marked_and_from_the_top_once_the_mark_no_longer_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        std::fs::write(&path, "{\"a\":1}\nbroken\n{\"b\":2}\n{\"c\":3}\n").unwrap();
        let (all, resumed, corrupt, mark) = marked(&path, None, "\"b\"");
        assert_eq!((all.len(), resumed, corrupt), (4, false, 1));
        let mark = mark.unwrap();
        assert_eq!((mark.offset, mark.lines), (15, 2));
        let (rest, resumed, corrupt, _) = marked(&path, Some(mark), "");
        assert_eq!(rest, ["{\"b\":2}", "{\"c\":3}"]);
        assert!(resumed && corrupt == 0);
        // The bytes before the mark changed: the seal no longer matches.
        std::fs::write(&path, "{\"A\":1}\nbroken\n{\"b\":2}\n{\"c\":3}\n").unwrap();
        let (again, resumed, _, _) = marked(&path, Some(mark), "");
        assert_eq!((again.len(), resumed), (4, false));
    }

    /// Rows in file order.
    #[derive(Default)]
    struct Rows(Vec<Value>);

    impl Fold for Rows {
        fn add(&mut self, line: &str) -> Result<(), String> {
            self.0
                .push(serde_json::from_str(line).map_err(|e| e.to_string())?);
            Ok(())
        }
        fn merge(&mut self, later: Self) {
            self.0.extend(later.0);
        }
    }

    #[test]
    fn append_repairs_a_torn_last_line_and_the_reader_skips_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        std::fs::write(&path, "{\"a\": 1}\n\n{\"torn\": ").unwrap();
        append(dir.path(), &path, &json!({"b": 2})).unwrap();
        let (rows, corrupt) = fold(&path, Rows::default).unwrap();
        assert_eq!(corrupt, 1);
        assert_eq!(rows.0, vec![json!({"a": 1}), json!({"b": 2})]);
        let mut seen = Rows::default();
        assert_eq!(scan(&path, |line| seen.add(line)).unwrap(), 1);
        assert_eq!(seen.0, rows.0);
    }

    #[test]
    fn a_large_file_read_in_halves_keeps_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jsonl");
        let pad = "x".repeat(1000);
        let text: String = (0..6000)
            .map(|i| format!("{{\"i\": {i}, \"pad\": \"{pad}\"}}\n"))
            .collect();
        assert!(text.len() as u64 > PARALLEL_MIN);
        std::fs::write(&path, text).unwrap();
        let (rows, corrupt) = fold(&path, Rows::default).unwrap();
        assert_eq!(corrupt, 0);
        let order: Vec<u64> = rows.0.iter().map(|r| r["i"].as_u64().unwrap()).collect();
        assert_eq!(order, (0..6000).collect::<Vec<u64>>());
    }

    #[test]
    fn a_missing_history_has_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (rows, corrupt) = fold(&dir.path().join("none.jsonl"), Rows::default).unwrap();
        assert_eq!((rows.0.len(), corrupt), (0, 0));
    }

    #[test]
    fn the_tail_is_read_backwards_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let pad = "y".repeat(3000);
        let text: String = (0..100)
            .map(|i| format!("{{\"i\": {i}, \"p\": \"{pad}\"}}\n"))
            .collect();
        std::fs::write(&path, format!("{text}\n")).unwrap();
        let last = tail(&path, 5).unwrap();
        let ids: Vec<u64> = last
            .iter()
            .map(|(_, l)| {
                serde_json::from_str::<Value>(l).unwrap()["i"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            ids,
            vec![97, 98, 99],
            "the two blank last lines count as lines"
        );
        assert_eq!(last[0].0, 5);
        let all = tail(&path, 1000).unwrap();
        assert_eq!(all.len(), 100);
        assert!(tail(&dir.path().join("none"), 3).unwrap().is_empty());
    }
}

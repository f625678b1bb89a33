//! One parallel pass over the tracked files for the doctor: files over the size limit,
//! merge-conflict markers and secret-shaped strings.

use std::path::{Path, PathBuf};

use crate::config::Globs;
use crate::secrets;

/// Files larger than this are reported and not read.
pub const LARGE_FILE: u64 = 10 * 1024 * 1024;

/// What the scan found, in path order.
#[derive(Debug, Default)]
pub struct Findings {
    /// `(path, bytes)` of tracked files over [`LARGE_FILE`].
    pub large: Vec<(PathBuf, u64)>,
    /// `(path, line)` of conflict markers.
    pub conflicts: Vec<(PathBuf, usize)>,
    /// `(path, line)` of secret-shaped strings (the secret itself is never reported).
    pub secrets: Vec<(PathBuf, usize)>,
    /// Files looked at.
    pub files: usize,
}

/// Scans `files` (relative to `root`); `allow_secrets` exempts paths from the secret scan.
pub fn scan(root: &Path, files: &[PathBuf], allow_secrets: &Globs) -> Findings {
    let workers = crate::runner::default_jobs().clamp(1, 8);
    let chunk = files.len().div_ceil(workers).max(1);
    let parts: Vec<Findings> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| s.spawn(move || scan_part(root, part, allow_secrets)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut all = Findings::default();
    for part in parts {
        all.large.extend(part.large);
        all.conflicts.extend(part.conflicts);
        all.secrets.extend(part.secrets);
        all.files += part.files;
    }
    all
}

fn scan_part(root: &Path, files: &[PathBuf], allow_secrets: &Globs) -> Findings {
    let mut found = Findings::default();
    for rel in files {
        let path = root.join(rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue; // deleted in the work tree; clean-tree reports that
        };
        if !meta.is_file() {
            continue;
        }
        found.files += 1;
        if meta.len() > LARGE_FILE {
            found.large.push((rel.clone(), meta.len()));
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if memchr::memchr(0, &bytes[..bytes.len().min(8000)]).is_some() {
            continue; // binary
        }
        if let Some(line) = conflict_line(&bytes) {
            found.conflicts.push((rel.clone(), line));
        }
        let allowed = allow_secrets.is_match(&rel.to_string_lossy());
        if !allowed && let Some(m) = secrets::token_shapes().find(&bytes) {
            found
                .secrets
                .push((rel.clone(), line_of(&bytes, m.start())));
        }
    }
    found
}

/// The 1-based line of the first `<<<<<<< ` or `>>>>>>> ` marker at the start of a line.
fn conflict_line(bytes: &[u8]) -> Option<usize> {
    for marker in [&b"<<<<<<< "[..], &b">>>>>>> "[..]] {
        if bytes.starts_with(marker) {
            return Some(1);
        }
    }
    let finder_open = memchr::memmem::Finder::new(b"\n<<<<<<< ");
    let finder_close = memchr::memmem::Finder::new(b"\n>>>>>>> ");
    let first = [finder_open.find(bytes), finder_close.find(bytes)]
        .into_iter()
        .flatten()
        .min()?;
    Some(line_of(bytes, first + 1))
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &bytes[..offset]).count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_markers_only_at_line_start() {
        assert_eq!(conflict_line(b"a\nb\n<<<<<<< HEAD\nx\n"), Some(3));
        assert_eq!(conflict_line(b"  x = \"<<<<<<< \"\n"), None);
        assert_eq!(conflict_line(b"title\n=======\n"), None);
    }
}

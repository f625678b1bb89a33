//! Streams a child's combined output into its log file: line by line, redacted, capped.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::secrets::Redactor;

/// Bytes of log kept per step; the rest is counted and replaced by a marker.
pub const LOG_CAP: u64 = 16 * 1024 * 1024;

/// A line longer than this is split, so one endless line cannot exhaust memory.
const MAX_LINE: usize = 1024 * 1024;

/// What was captured.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    /// Bytes the step produced.
    pub total_bytes: u64,
    /// Whether the log was cut at [`LOG_CAP`].
    pub truncated: bool,
    /// The sha256 of the log as written, when all of it was: what a later run that rewrites
    /// the log is told apart by.
    pub sha256: Option<String>,
}

/// A writer that hashes every byte its inner writer took.
struct Hashed<W> {
    inner: W,
    hasher: crate::digest::Hasher,
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A new, empty log at `log`. Whatever was there is removed first (a link goes, not what it
/// points at) and the file is created exclusively, so the log is never written through a
/// link planted where it goes.
fn create(log: &Path) -> std::io::Result<std::fs::File> {
    match std::fs::remove_file(log) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(log)
}

/// Copies `source` into `log` until end of file. Never fails on the child's output: write
/// errors end the copy but the child keeps being drained so it cannot block on a full pipe.
pub fn copy(source: impl Read, log: &Path, redactor: &Redactor) -> Captured {
    let file = create(log).ok();
    let mut out = file.map(|inner| {
        std::io::BufWriter::new(Hashed {
            inner,
            hasher: crate::digest::Hasher::default(),
        })
    });
    let mut reader = BufReader::with_capacity(64 * 1024, source);
    let mut line = Vec::with_capacity(4096);
    let mut clean = Vec::with_capacity(4096);
    let mut stream = redactor.stream();
    let mut captured = Captured::default();
    let mut written = 0u64;
    loop {
        line.clear();
        let n = match (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        captured.total_bytes += n as u64;
        if written >= LOG_CAP {
            captured.truncated = true;
            continue;
        }
        clean.clear();
        stream.push(&line, &mut clean);
        written += clean.len() as u64;
        if let Some(w) = out.as_mut()
            && w.write_all(&clean).is_err()
        {
            out = None;
        }
    }
    clean.clear();
    stream.finish(&mut clean);
    if let Some(w) = out.as_mut()
        && w.write_all(&clean).is_err()
    {
        out = None;
    }
    captured.sha256 = out.and_then(|mut w| {
        if captured.truncated {
            let dropped = captured.total_bytes.saturating_sub(written);
            write!(
                w,
                "\n[sdetkit: log truncated at {} MiB; {dropped} more bytes were produced and not kept]\n",
                LOG_CAP / (1024 * 1024)
            )
            .ok()?;
        }
        let hashed = w.into_inner().ok()?;
        Some(hashed.hasher.finish())
    });
    captured
}

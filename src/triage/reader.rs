//! Streaming over a log of any size in constant memory. Most lines of a CI log are noise,
//! so the reader skips ahead to lines holding a trigger token with one aho-corasick pass
//! over a large buffer, and only those lines (plus a bounded look-back and the lines a
//! matcher asks to follow) are decoded and normalised.

use std::io::Read;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use memchr::{memchr, memrchr};

use super::normalize;

/// Bytes read at once: large enough that the prefilter, not the system call, sets the pace.
const CHUNK: usize = 4 << 20;
/// History kept across refills so that look-back still sees the previous lines.
const CARRY: usize = 64 << 10;
/// A line longer than this is cut: nobody reads a megabyte of one line.
const MAX_LINE: usize = 64 << 10;

/// Every token that can start a failure in any layer. A line without one cannot match.
const TRIGGERS: &[&str] = &[
    "error",
    "fail",
    "panicked",
    "traceback",
    "\u{25cf}", // ● jest test heading
    "-->",      // rustc / ruff location
    "reformat", // ruff format, black
    "diff in",  // cargo fmt --check
    "undefined reference",
    "found ", // ruff summary
];

static PREFILTER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TRIGGERS)
        .ok()
});

/// A forward-only reader of normalised lines.
pub struct Reader<R> {
    source: R,
    buf: Vec<u8>,
    /// Bytes of `buf` that hold data.
    len: usize,
    /// Where the next line starts.
    pos: usize,
    /// Where the last returned line started (look-back counts from here).
    current: usize,
    /// Bytes dropped from the front of the buffer so far (refills move data down).
    shifted: usize,
    eof: bool,
}

impl<R: Read> Reader<R> {
    /// A reader over `source`.
    pub fn new(source: R) -> Self {
        Reader {
            source,
            buf: vec![0; CHUNK + CARRY],
            len: 0,
            pos: 0,
            current: 0,
            shifted: 0,
            eof: false,
        }
    }

    /// The next line, whatever it holds (structure-only lines are skipped).
    pub fn next_line(&mut self) -> std::io::Result<Option<String>> {
        while let Some((start, end)) = self.raw_line()? {
            self.current = start;
            self.pos = end;
            if let Some(text) = normalize::line(self.line_bytes(start, end)) {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }

    /// The next line without consuming it.
    pub fn peek_line(&mut self) -> std::io::Result<Option<String>> {
        let (pos, current, shifted) = (self.pos, self.current, self.shifted);
        let line = self.next_line()?;
        // A refill while peeking moved the buffer's contents down by `shift` bytes.
        let shift = self.shifted - shifted;
        self.pos = pos.saturating_sub(shift);
        self.current = current.saturating_sub(shift);
        Ok(line)
    }

    /// The next line holding a trigger token; everything in between is skipped unread.
    pub fn next_candidate(&mut self) -> std::io::Result<Option<String>> {
        let Some(prefilter) = PREFILTER.as_ref() else {
            return self.next_line();
        };
        loop {
            let complete = self.complete_end();
            if let Some(m) = prefilter.find(&self.buf[self.pos..complete]) {
                let at = self.pos + m.start();
                self.pos =
                    memrchr(b'\n', &self.buf[self.pos..at]).map_or(self.pos, |i| self.pos + i + 1);
                if let Some(line) = self.next_line()? {
                    return Ok(Some(line));
                }
                continue;
            }
            self.pos = complete;
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Up to `n` normalised lines before the last returned one, oldest first.
    pub fn before(&self, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let mut end = self.current;
        while lines.len() < n && end > 0 {
            let start = memrchr(b'\n', &self.buf[..end - 1]).map_or(0, |i| i + 1);
            if let Some(text) = normalize::line(self.line_bytes(start, end)) {
                lines.push(text);
            }
            end = start;
        }
        lines.reverse();
        lines
    }

    /// The bounds of the next raw line (`end` past its newline), refilling as needed.
    fn raw_line(&mut self) -> std::io::Result<Option<(usize, usize)>> {
        loop {
            let complete = self.complete_end();
            if self.pos < complete {
                let end = memchr(b'\n', &self.buf[self.pos..complete])
                    .map_or(complete, |i| self.pos + i + 1);
                return Ok(Some((self.pos, end)));
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// The end of the last complete line in the buffer (all of it at end of input, or when
    /// one line fills the whole buffer).
    fn complete_end(&self) -> usize {
        if self.eof
            || self.len == self.buf.len() && memrchr(b'\n', &self.buf[self.pos..self.len]).is_none()
        {
            return self.len;
        }
        memrchr(b'\n', &self.buf[self.pos..self.len]).map_or(self.pos, |i| self.pos + i + 1)
    }

    /// Keeps the look-back history and the unfinished line, reads more. False at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        if self.eof && self.pos >= self.len {
            return Ok(false);
        }
        let keep_from = self.carry_start();
        self.buf.copy_within(keep_from..self.len, 0);
        self.len -= keep_from;
        self.pos -= keep_from;
        self.current = self.current.saturating_sub(keep_from);
        self.shifted += keep_from;
        while self.len < self.buf.len() {
            match self.source.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.pos < self.len)
    }

    /// The first byte worth keeping: a line start at most `CARRY` bytes before `pos`.
    fn carry_start(&self) -> usize {
        let floor = self.pos.saturating_sub(CARRY);
        if floor == 0 {
            return 0;
        }
        memchr(b'\n', &self.buf[floor..self.pos]).map_or(self.pos, |i| floor + i + 1)
    }

    fn line_bytes(&self, start: usize, end: usize) -> &[u8] {
        &self.buf[start..end.min(start + MAX_LINE)]
    }
}

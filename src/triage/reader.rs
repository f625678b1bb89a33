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
    "found ",           // ruff summary
    "not found",        // sh: 1: tool: not found, npm's 404 Not Found
    "no such file",     // make: tool: No such file or directory
    "not ok",           // TAP (node --test)
    "\u{2716}",         // ✖ node --test spec reporter
    "\u{2717}",         // ✗ tree-sitter test
    "\u{2501}\u{2501}", // ━━ biome diagnostic heading
    "[warn]",           // prettier --check
    ".go:",             // go vet, go build
    "# [",              // go vet's package heading
    ".py:",             // flake8, pylint
    "need formatting",  // gofmt step
    ".orig ",           // gofmt -d
    "err_pnpm",         // pnpm
];

static PREFILTER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TRIGGERS)
        .ok()
});

/// A position in the log, valid for one line of [`Reader::rewind`].
pub struct Mark {
    pos: usize,
    current: usize,
    shifted: usize,
}

/// A forward reader of normalised lines (it can step back one line).
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
    /// Every line is a candidate (logs whose failures hold no trigger token).
    pub every_line: bool,
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
            every_line: false,
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
        let mark = self.mark();
        let line = self.next_line()?;
        self.rewind(mark);
        Ok(line)
    }

    /// The current position, to come back to with [`Reader::rewind`].
    pub fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            current: self.current,
            shifted: self.shifted,
        }
    }

    /// Goes back to `mark`, which must be at most one line behind (a refill keeps the
    /// unfinished line and the look-back history, so that line is still in the buffer).
    pub fn rewind(&mut self, mark: Mark) {
        // A refill since the mark moved the buffer's contents down by `shift` bytes.
        let shift = self.shifted - mark.shifted;
        self.pos = mark.pos.saturating_sub(shift);
        self.current = mark.current.saturating_sub(shift);
    }

    /// The next line holding a trigger token; everything in between is skipped unread.
    pub fn next_candidate(&mut self) -> std::io::Result<Option<String>> {
        let Some(prefilter) = PREFILTER.as_ref().filter(|_| !self.every_line) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of `width` bytes (newline included) numbered from 0.
    fn filler(count: usize, width: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..count {
            let text = format!("line {i} ok");
            out.extend_from_slice(format!("{text:<w$}\n", w = width - 1).as_bytes());
        }
        out
    }

    #[test]
    fn candidate_peek_and_look_back_across_a_refill() {
        // The candidate line ends exactly where the first read ends, so peeking at the next
        // line forces a refill while look-back must still see the lines above.
        let width = 64;
        let candidate = format!("{:<w$}\n", "error: at the edge", w = width - 1);
        let mut log = filler((CHUNK + CARRY) / width - 1, width);
        log.extend_from_slice(candidate.as_bytes());
        log.extend_from_slice(b" --> src/lib.rs:1:1\n");
        assert_eq!(log.len() - 20, CHUNK + CARRY);
        let mut reader = Reader::new(log.as_slice());
        assert_eq!(
            reader.next_candidate().unwrap().as_deref(),
            Some("error: at the edge")
        );
        assert_eq!(
            reader.peek_line().unwrap().as_deref(),
            Some(" --> src/lib.rs:1:1")
        );
        let above = reader.before(2);
        assert_eq!(above.len(), 2);
        assert!(above[1].starts_with(&format!("line {}", (CHUNK + CARRY) / width - 2)));
        assert_eq!(
            reader.next_line().unwrap().as_deref(),
            Some(" --> src/lib.rs:1:1")
        );
        assert_eq!(reader.next_line().unwrap(), None);
    }

    #[test]
    fn a_line_longer_than_the_buffer_does_not_stall() {
        let mut log = vec![b'x'; CHUNK + CARRY + 10];
        log.extend_from_slice(b"\nFAILED tests/a.py::t\n");
        let mut reader = Reader::new(log.as_slice());
        let mut last = None;
        for _ in 0..5 {
            match reader.next_candidate().unwrap() {
                Some(line) => last = Some(line),
                None => break,
            }
        }
        assert_eq!(last.as_deref(), Some("FAILED tests/a.py::t"));
    }
}

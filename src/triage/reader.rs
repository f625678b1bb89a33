//! Streaming over a log of any size in constant memory. Most lines of a CI log are noise,
//! so the reader skips ahead to lines holding a trigger token, and only those lines (plus a
//! bounded look-back and the lines a matcher asks to follow) are decoded and normalised.
//!
//! The triggers are case-insensitive, but a case-insensitive search runs aho-corasick's
//! automaton a byte at a time (about 550 MB/s). Instead, the reader lowercases its buffer an
//! L1-sized window at a time (one vectorised pass, each byte once) into a scratch copy and
//! searches that copy for the lowercase triggers case-sensitively with aho-corasick's SIMD
//! searcher (Teddy): exactly the same lines are found, about four times faster end to end
//! (BENCHMARKS.md, "Triage throughput"). ASCII lowercasing leaves every other byte alone, so
//! the non-ASCII triggers (`●`, `✖`, `━━`) match as they are.

use std::io::Read;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, packed};
use memchr::{memchr, memrchr};

use super::normalize;

/// Bytes read at once: large enough that the prefilter, not the system call, sets the pace.
const CHUNK: usize = 4 << 20;
/// History kept across refills so that look-back still sees the previous lines.
const CARRY: usize = 64 << 10;
/// A line longer than this is cut: nobody reads a megabyte of one line.
const MAX_LINE: usize = 64 << 10;
/// Bytes lowercased at once: the window is still in the L1 cache when it is searched. Measured
/// on the search alone, 4-8 KiB ran fastest and 64 KiB about a quarter slower.
const WINDOW: usize = 8 << 10;

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

/// A trigger cut by a window's end starts in its last `OVERLAP` bytes, so the next window
/// starts that far back.
const OVERLAP: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < TRIGGERS.len() {
        if TRIGGERS[i].len() > longest {
            longest = TRIGGERS[i].len();
        }
        i += 1;
    }
    longest - 1
};

/// The lowercase triggers, searched case-sensitively in lowercased text (see the module
/// comment).
static PREFILTER: LazyLock<Option<Prefilter>> = LazyLock::new(Prefilter::new);

/// A search for the lowercase triggers.
enum Prefilter {
    /// aho-corasick's SIMD searcher, which reports whole matches. Used directly because an
    /// automaton only consults its prefilter from its start state, and plain text keeps it
    /// out of there (`e`, `t`, `n`, `.` … all begin a trigger): measured, the automaton with
    /// its prefilter ran no faster than without.
    Packed(packed::Searcher),
    /// Where the CPU has no SIMD searcher.
    Automaton(AhoCorasick),
}

impl Prefilter {
    /// The SIMD searcher where the CPU has one, else the automaton.
    fn new() -> Option<Self> {
        let lowercase = || TRIGGERS.iter().map(|t| t.to_ascii_lowercase());
        match packed::Searcher::new(lowercase()) {
            Some(searcher) => Some(Prefilter::Packed(searcher)),
            None => AhoCorasick::new(lowercase()).ok().map(Prefilter::Automaton),
        }
    }

    /// Where the first trigger in `haystack` starts.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        match self {
            Prefilter::Packed(searcher) => searcher.find(haystack).map(|m| m.start()),
            Prefilter::Automaton(automaton) => automaton.find(haystack).map(|m| m.start()),
        }
    }
}

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
    /// The lowercased window the prefilter searches.
    folded: Folded,
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
            folded: Folded::new(),
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
            if let Some(at) = self.folded.find(prefilter, &self.buf, self.pos, complete) {
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
        self.folded.forget();
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

/// A lowercase copy of one window of the reader's buffer, kept until a refill moves the
/// buffer, so that each byte is lowercased once however many candidates the window holds.
struct Folded {
    bytes: Vec<u8>,
    /// Where the copy starts in the reader's buffer.
    start: usize,
    /// Bytes copied (0 after a refill).
    len: usize,
}

impl Folded {
    fn new() -> Self {
        Folded {
            bytes: vec![0; WINDOW],
            start: 0,
            len: 0,
        }
    }

    /// Where the first trigger in `buf[from..end]` starts, as an index into `buf`.
    fn find(
        &mut self,
        prefilter: &Prefilter,
        buf: &[u8],
        from: usize,
        end: usize,
    ) -> Option<usize> {
        if from >= end {
            return None;
        }
        let mut at = from;
        if !(self.start..self.start + self.len).contains(&at) {
            self.fold(buf, at, end);
        }
        loop {
            let stop = (self.start + self.len).min(end);
            if let Some(i) = prefilter.find(&self.bytes[at - self.start..stop - self.start]) {
                return Some(at + i);
            }
            if stop >= end {
                return None;
            }
            at = stop.saturating_sub(OVERLAP).max(at);
            self.fold(buf, at, end);
        }
    }

    /// Lowercases up to a window of `buf[from..end]` (a loop the compiler vectorises).
    fn fold(&mut self, buf: &[u8], from: usize, end: usize) {
        self.start = from;
        self.len = (end - from).min(WINDOW);
        for (folded, byte) in self.bytes.iter_mut().zip(&buf[from..from + self.len]) {
            *folded = byte.to_ascii_lowercase();
        }
    }

    /// Drops the copy: the buffer under it has moved.
    fn forget(&mut self) {
        self.len = 0;
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
    fn a_trigger_in_any_case_is_found_wherever_a_window_cuts_it() {
        for trigger in TRIGGERS {
            let upper = trigger.to_ascii_uppercase();
            // The first window ends `cut` bytes into the trigger (0: it starts the second).
            for cut in 0..=upper.len() {
                let mut log = filler(3, 64);
                let pad = WINDOW - cut - log.len();
                log.extend(std::iter::repeat_n(b'x', pad));
                log.extend_from_slice(format!("{upper}\nline after\n").as_bytes());
                let mut reader = Reader::new(log.as_slice());
                let line = reader.next_candidate().unwrap().unwrap_or_default();
                assert!(line.ends_with(upper.trim_end()), "{trigger:?} cut at {cut}");
            }
        }
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

//! What a matcher found, while it is still being filled in from the lines that follow.

use std::borrow::Cow;

use super::step::Step;
use super::{Classification, FirstFailure, Layer, normalize};

/// Lines of excerpt at most (the contract says 20).
pub const EXCERPT_LINES: usize = 20;
/// Lines of context kept above the line where a failure starts.
pub const CONTEXT_LINES: usize = 3;

/// A failure recognised at one line of a log.
#[derive(Debug, Clone)]
pub struct Hit {
    /// What kind of problem it is.
    pub classification: Classification,
    /// Source file, when known.
    pub file: Option<String>,
    /// Line in that file, when known.
    pub line: Option<u64>,
    /// Test id, when a test failed.
    pub test: Option<String>,
    /// The first meaningful error line(s).
    pub message: String,
    /// The narrowest command that reproduces it.
    pub next_command: Option<String>,
    /// Which layer matched.
    pub layer: Layer,
    /// Up to 20 lines of the log around the failure, in log order.
    pub excerpt: Vec<String>,
    /// Whether the matcher has reached the block that holds the details (a pytest
    /// section, a jest `●` heading, a libtest `---- name stdout ----` block).
    pub in_details: bool,
    /// Whether the failure's own lines are over: later lines may still complete it (cargo's
    /// crate, go's package) but no longer belong in its excerpt.
    pub closed: bool,
    /// A matcher's working notes while it follows the failure.
    pub scratch: Scratch,
}

/// What a matcher remembers between the lines of one failure (each uses what it needs).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    /// Indentation of the failure's heading (TAP and spec reporters nest by indentation).
    pub indent: usize,
    /// Names met on the way: enclosing suites, sibling tests, the tool that printed it.
    pub names: Vec<String>,
    /// Candidate locations (`file`, `line`), innermost first, to choose from at the end.
    pub frames: Vec<(String, u64)>,
    /// Where the matcher is in a failure's lines (each matcher numbers its own phases).
    pub phase: u8,
}

/// Whether a matcher wants to see more lines after the start of its failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Keep feeding lines.
    More,
    /// The failure is complete.
    Done,
}

/// What a matcher sees around a candidate line.
pub struct Context<'a> {
    /// Earlier lines on demand, oldest first (decoding them costs, most matchers never ask).
    pub before: &'a dyn Fn(usize) -> Vec<String>,
    /// The line after the candidate, if any.
    pub next: Option<&'a str>,
    /// The step the log belongs to.
    pub step: &'a Step<'a>,
}

impl Context<'_> {
    /// Up to `n` lines before the candidate, oldest first.
    pub fn before(&self, n: usize) -> Vec<String> {
        (self.before)(n)
    }
}

/// One recogniser of one output format.
pub trait Matcher: Sync {
    /// Recognises the start of a failure on `line`, seeing the lines around it.
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit>;

    /// Fills `hit` in from a line after the start. Formats whose failure is one line need
    /// nothing more.
    fn follow(&self, _hit: &mut Hit, _line: &str) -> Follow {
        Follow::Done
    }

    /// Completes `hit` once following stopped (derives the reproduction command).
    fn finish(&self, _hit: &mut Hit, _step: &Step) {}

    /// A line as the excerpt shows it; `None` leaves it out. Formats that wrap their output
    /// (go test's JSON events) unwrap it here.
    fn shown<'l>(&self, line: &'l str) -> Option<Cow<'l, str>> {
        Some(Cow::Borrowed(line))
    }
}

impl Hit {
    /// A failure of `classification` described by `message`, found by `layer`.
    pub fn new(layer: Layer, classification: Classification, message: impl Into<String>) -> Self {
        Hit {
            classification,
            file: None,
            line: None,
            test: None,
            message: message.into(),
            next_command: None,
            layer,
            excerpt: Vec::new(),
            in_details: false,
            closed: false,
            scratch: Scratch::default(),
        }
    }

    /// Sets the location.
    pub fn at(mut self, file: Option<String>, line: Option<u64>) -> Self {
        self.file = file;
        self.line = line;
        self
    }

    /// Restarts the excerpt at the current line: the lines so far were preamble, the
    /// details start here.
    pub fn restart_excerpt(&mut self) {
        self.excerpt.clear();
    }

    /// Adds a line to the excerpt while there is room and the failure is still open.
    pub fn push_excerpt(&mut self, line: &str) {
        if self.excerpt.len() < EXCERPT_LINES && !self.closed {
            self.excerpt.push(line.to_string());
        }
    }

    /// More lines while the excerpt has room: how far a matcher waiting for a wrapper's line
    /// (make naming the target) looks before it settles for what it has.
    pub fn follow_while_room(&self) -> Follow {
        if self.excerpt.len() >= EXCERPT_LINES {
            Follow::Done
        } else {
            Follow::More
        }
    }

    /// The public answer for step `id`, with the machine's absolute paths made relative to
    /// the step's directory (or, failing that, to the current one).
    pub fn into_failure(self, id: &str, step: &Step) -> FirstFailure {
        let excerpt = trim_blank(&self.excerpt).join("\n");
        let text = |t: &str| normalize::relative(&normalize::under(t, step.root));
        FirstFailure {
            step: id.to_string(),
            classification: self.classification,
            file: self.file.map(|f| text(&step.relative(&f))),
            line: self.line,
            test: self.test,
            message: text(self.message.trim()),
            excerpt: text(&excerpt),
            next_command: self.next_command.map(|c| text(&c)),
            layer: self.layer,
        }
    }
}

/// `lines` without blank lines at either end.
fn trim_blank(lines: &[String]) -> &[String] {
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(first, |i| i + 1);
    &lines[first..last.max(first)]
}

/// Quotes `word` for a POSIX shell when it needs it: single quotes, or double quotes for a
/// word holding a single quote and nothing a shell expands inside double quotes (a `$` is
/// literal as the last character).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@,+%".contains(&b));
    if plain {
        word.to_string()
    } else if word.contains('\'')
        && !word.contains(['"', '`', '\\', '!'])
        && word.find('$').is_none_or(|at| at == word.len() - 1)
    {
        format!("\"{word}\"")
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `text` as a JavaScript regular expression matching exactly that text (jest's and
/// vitest's `-t`, node's `--test-name-pattern`): only the characters that are special in
/// one are escaped, so that the pattern stays valid with or without the `u` flag. A leading
/// `/` is escaped too: node reads `/pattern/flags` as a regular expression literal.
pub fn js_regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if "\\^$.*+?()[]{}|".contains(c) || (i == 0 && c == '/') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Compiles one of the built-in patterns; they are constants, covered by the tests, so a
/// failure here is a programming error, never an input error.
pub fn pattern(re: &str) -> regex::Regex {
    regex::Regex::new(re).expect("built-in patterns compile")
}

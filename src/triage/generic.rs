//! The heuristic of last resort: the first `error:` / `FAILED` / `panicked` line, or a
//! Python `Traceback` read down to its exception, for tools no runner matcher knows.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern};
use super::step::Step;
use super::{Classification, Layer};

static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?i:\berror\b\s*(?:\[[^\]]*\])?:)|^FAILED\b|\bFAILED$|\bpanicked\b|^fatal: ")
});
static FRAME: LazyLock<Regex> = LazyLock::new(|| pattern(r#"^\s*File "([^"]+)", line (\d+)"#));
static EXCEPTION: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b"));
/// Lines that report a passing test or structure a report, whatever words they hold: TAP's
/// `# Subtest: name` and `ok 1 - name`, a reporter's `✔ name`, and TAP's YAML `error:` key.
static NOT_A_FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r#"^\s*(?:# Subtest: |ok \d+\b|[\u{2714}\u{2713}] )|^\s+error: (?:[|>]-?|'.*'|".*")$"#)
});

/// Lines that sum up an earlier failure; they are never the answer.
const WRAPPERS: &[&str] = &[
    "Process completed with exit code",
    "collect2: error: ld returned",
    "test failed, to rerun",
    "could not compile",
    "ERROR: Job failed",
];

/// Words that say what kind of failure an otherwise unknown line is.
const KINDS: &[(&str, Classification)] = &[
    ("command not found", Classification::Environment),
    ("No space left on device", Classification::Environment),
    ("Permission denied", Classification::Environment),
    ("ModuleNotFoundError", Classification::Dependency),
    ("ImportError", Classification::Dependency),
    ("Cannot find module", Classification::Dependency),
    ("timed out", Classification::Timeout),
];

/// The generic heuristic.
pub struct Generic;

impl Matcher for Generic {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        if line.starts_with("Traceback (most recent call last)") {
            return Some(Hit::new(Layer::Generic, Classification::Unknown, ""));
        }
        if !ERROR.is_match(line)
            || WRAPPERS.iter().any(|w| line.contains(w))
            || NOT_A_FAILURE.is_match(line)
        {
            return None;
        }
        Some(Hit::new(Layer::Generic, classify(line), line.trim()))
    }

    /// A traceback: the innermost frame is the location, the exception line the message.
    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if !hit.message.is_empty() {
            return Follow::Done;
        }
        if let Some(c) = FRAME.captures(line) {
            hit.file = Some(c[1].to_string());
            hit.line = c[2].parse().ok();
        } else if EXCEPTION.is_match(line) {
            hit.message = line.to_string();
            hit.classification = classify(line);
            return Follow::Done;
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, _step: &Step) {
        if hit.message.is_empty() {
            hit.message = "Python traceback without its exception line".to_string();
        }
    }
}

fn classify(line: &str) -> Classification {
    KINDS
        .iter()
        .find(|(word, _)| line.contains(word))
        .map_or(Classification::Unknown, |(_, kind)| *kind)
}

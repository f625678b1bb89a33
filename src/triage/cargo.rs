//! `cargo test` / libtest human output: `test name ... FAILED`, the `---- name stdout ----`
//! block with its `panicked at file:line:col:` and message, and cargo's closing
//! `error: test failed, to rerun pass `-p crate --lib`` which names the target. Doctests
//! (`test src/lib.rs - add (line 3) ... FAILED`) follow the same shape.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static RESULT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^test (.+?) \.\.\. FAILED$"));
static BLOCK: LazyLock<Regex> = LazyLock::new(|| pattern(r"^---- (.+?) stdout ----$"));
static PANIC: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^\s*thread '([^']*)'(?: \(\d+\))? panicked at (?:'(.*)', )?([^\s:]+):(\d+):\d+:?$")
});
static RERUN: LazyLock<Regex> = LazyLock::new(|| pattern(r"to rerun pass `([^`]*)`"));

/// libtest's human output as cargo prints it.
pub struct CargoTest;

impl Matcher for CargoTest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        if let Some(c) = RESULT.captures(line) {
            let mut hit = Hit::new(
                Layer::Runner,
                Classification::Test,
                format!("test {} failed", &c[1]),
            );
            hit.test = Some(c[1].to_string());
            return Some(hit);
        }
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        if let Some(c) = BLOCK.captures(line) {
            hit.test = Some(c[1].to_string());
            hit.in_details = true;
            return Some(hit);
        }
        panic_line(&mut hit, line).then_some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if let Some(c) = RERUN.captures(line) {
            let args = c[1].to_string();
            hit.next_command = Some(match hit.test.as_deref() {
                Some(test) => test_command(&args, test),
                None => format!("cargo test {args}"),
            });
            return Follow::Done;
        }
        if !hit.in_details {
            let mine = BLOCK
                .captures(line)
                .is_some_and(|c| Some(&c[1]) == hit.test.as_deref());
            if mine {
                hit.in_details = true;
                hit.restart_excerpt();
            }
            return Follow::More;
        }
        // The next test's block, or libtest's closing list, ends this one.
        if BLOCK.is_match(line) || line == "failures:" {
            hit.closed = true;
        }
        // Keep going after the panic: cargo's rerun line, further down, names the target.
        follow_panic(hit, line);
        Follow::More
    }

    fn finish(&self, hit: &mut Hit) {
        if hit.next_command.is_none() {
            hit.next_command = hit.test.as_deref().map(|t| test_command("", t));
        }
    }
}

/// Reads a panic line into `hit` (location, test, message of the old one-line format).
/// The message of the current format is on the next line; `follow_panic` picks it up.
pub fn panic_line(hit: &mut Hit, line: &str) -> bool {
    let Some(c) = PANIC.captures(line) else {
        return false;
    };
    let thread = &c[1];
    // A test panics on its own thread, named after it; a doctest is a program of its own
    // and panics on `main`.
    if hit.test.as_deref().is_some_and(|t| t != thread) && thread != "main" {
        return false;
    }
    if thread != "main" && thread != "<unnamed>" && hit.test.is_none() {
        hit.test = Some(thread.to_string());
    }
    hit.file = Some(c[3].to_string());
    hit.line = c[4].parse().ok();
    hit.message = c.get(2).map_or(String::new(), |m| m.as_str().to_string());
    hit.in_details = true;
    true
}

/// Picks the panic location and message out of a test's captured output.
pub fn follow_panic(hit: &mut Hit, line: &str) -> Follow {
    if hit.file.is_none() {
        panic_line(hit, line);
        return Follow::More;
    }
    if hit.message.is_empty() && !line.trim().is_empty() {
        hit.message = line.to_string();
    }
    if hit.message.is_empty() {
        Follow::More
    } else {
        Follow::Done
    }
}

/// `cargo test <what cargo said to pass> <test>`.
pub fn test_command(args: &str, test: &str) -> String {
    let args = if args.is_empty() {
        String::new()
    } else {
        format!(" {args}")
    };
    format!("cargo test{args} {}", shell_quote(test))
}

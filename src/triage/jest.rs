//! jest and vitest. jest: `FAIL path`, then `● Suite › test`, the message and
//! `at … (path:line:col)`. vitest: ` FAIL  path > Suite > test`, the message and
//! ` ❯ path:line:col`.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static JEST_FILE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*FAIL\s+(\S+)(?:\s+\(.*\))?$"));
static JEST_TEST: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*\u{25cf} (.+)$"));
static JEST_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*at .*\(([^()\s]+):(\d+):\d+\)$"));
static VITEST_TEST: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*FAIL\s+(\S+) > (.+)$"));
static VITEST_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*\u{276f} ([^\s:]+):(\d+):\d+$"));

/// What jest prints when a test file cannot even load.
const SUITE_FAILED: &str = "Test suite failed to run";

/// jest's default reporter.
pub struct Jest;

/// vitest's default reporter.
pub struct Vitest;

impl Matcher for Jest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        if let Some(c) = JEST_FILE.captures(line).filter(|_| !line.contains(" > ")) {
            hit.file = Some(c[1].to_string());
            return Some(hit);
        }
        let c = JEST_TEST.captures(line)?;
        heading(&mut hit, &c[1]);
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if let Some(c) = JEST_TEST.captures(line) {
            if hit.in_details {
                hit.closed = true;
                return Follow::Done;
            }
            hit.restart_excerpt();
            heading(hit, &c[1]);
            return Follow::More;
        }
        details(hit, line, &JEST_AT)
    }

    fn finish(&self, hit: &mut Hit) {
        hit.next_command = Some(command("npx jest", hit));
    }
}

impl Matcher for Vitest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let c = VITEST_TEST.captures(line)?;
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        hit.file = Some(c[1].to_string());
        hit.test = Some(c[2].split(" > ").collect::<Vec<_>>().join(" "));
        hit.in_details = true;
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if VITEST_TEST.is_match(line) {
            hit.closed = true;
            return Follow::Done;
        }
        details(hit, line, &VITEST_AT)
    }

    fn finish(&self, hit: &mut Hit) {
        hit.next_command = Some(command("npx vitest run", hit));
    }
}

/// Reads a jest `●` heading: `Suite › test`, or a suite that failed to load.
fn heading(hit: &mut Hit, name: &str) {
    hit.in_details = true;
    if name.trim() == SUITE_FAILED {
        hit.classification = Classification::Build;
    } else {
        hit.test = Some(name.split(" \u{203a} ").collect::<Vec<_>>().join(" "));
    }
}

/// Inside a failure: the first text line is the message, the first stack frame in the test
/// file is the location, and with both the failure is complete.
fn details(hit: &mut Hit, line: &str, frame: &Regex) -> Follow {
    if !hit.in_details {
        return Follow::More;
    }
    if let Some(c) = frame.captures(line) {
        if hit
            .file
            .as_deref()
            .is_none_or(|f| f.ends_with(&c[1]) || c[1].ends_with(f))
        {
            hit.file = Some(c[1].to_string());
            hit.line = c[2].parse().ok();
            return Follow::Done;
        }
    } else if hit.message.is_empty() && !line.trim().is_empty() {
        hit.message = line.trim().to_string();
        if hit.message.contains("Cannot find module") {
            hit.classification = Classification::Dependency;
        }
    }
    Follow::More
}

/// `<runner> <file> -t '<full test name>'`.
fn command(runner: &str, hit: &Hit) -> String {
    let mut command = runner.to_string();
    if let Some(file) = &hit.file {
        command = format!("{command} {}", shell_quote(file));
    }
    if let Some(test) = &hit.test {
        command = format!("{command} -t {}", shell_quote(test));
    }
    command
}

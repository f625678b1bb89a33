//! jest and vitest. jest: `FAIL path`, then `● Suite › test`, the message and
//! `at … (path:line:col)`. vitest: ` FAIL  path > Suite > test`, the message and
//! ` ❯ path:line:col`.
//!
//! The rerun selects the test with `-t`, a regular expression over the full test name: the
//! name is regex-escaped and anchored (an unescaped `(`, `+`, `?` or `\` selects no test,
//! and both runners then exit 0 — a silent false pass). It runs through the step's package
//! manager (`pnpm exec`, `npx`) with the step's own runner options (`--env node`), and jest
//! runs without coverage when the step collected it (a threshold would fail a narrowed run).

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, js_regex_escape, pattern, shell_quote};
use super::step::{Step, keep_options};
use super::{Classification, Layer};

static JEST_FILE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*FAIL\s+(\S+)(?:\s+\(.*\))?$"));
static JEST_TEST: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*\u{25cf} (.+)$"));
static JEST_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*at .*\(([^()\s]+):(\d+):\d+\)$"));
static VITEST_TEST: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*FAIL\s+(\S+) > (.+)$"));
static VITEST_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*\u{276f} ([^\s:]+):(\d+):\d+$"));
/// jest's coverage table, or its verdict on a coverage threshold.
static COVERAGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:All files\s+\||Jest: .* coverage threshold)"));
/// jest's closing summary.
static JEST_END: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:Test Suites: |Ran all test suites)"));
/// A marker in the hit's notes: the step collected coverage.
const COVERED: &str = "coverage";

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
        // After the failure: only whether the run collected coverage still matters.
        if hit.closed {
            if COVERAGE.is_match(line) {
                hit.scratch.names.push(COVERED.to_string());
                return Follow::Done;
            }
            return if JEST_END.is_match(line) {
                Follow::Done
            } else {
                Follow::More
            };
        }
        if let Some(c) = JEST_TEST.captures(line) {
            if hit.in_details {
                hit.closed = true;
                return Follow::More;
            }
            hit.restart_excerpt();
            heading(hit, &c[1]);
            return Follow::More;
        }
        if details(hit, line, &JEST_AT) == Follow::Done {
            hit.closed = true;
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let covered = hit.scratch.names.iter().any(|n| n == COVERED)
            || step.args_of("jest").is_some_and(|a| {
                a.iter()
                    .any(|w| w == "--coverage" || w == "--collectCoverage")
            })
            || configured_coverage(step);
        hit.next_command = Some(jest_command(hit, step, covered));
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

    fn finish(&self, hit: &mut Hit, step: &Step) {
        hit.next_command = Some(vitest_command(
            step,
            hit.file.as_deref(),
            hit.test.as_deref(),
        ));
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

/// Whether the repository's jest configuration collects coverage or sets a threshold (a
/// narrowed run would then fail on coverage, not on the test).
fn configured_coverage(step: &Step) -> bool {
    const CONFIGS: &[&str] = &[
        "jest.config.js",
        "jest.config.ts",
        "jest.config.mjs",
        "jest.config.cjs",
        "jest.config.json",
        "package.json",
    ];
    CONFIGS.iter().filter_map(|f| step.read(f)).any(|text| {
        text.contains("coverageThreshold")
            || text.contains("collectCoverage: true")
            || text.contains("\"collectCoverage\": true")
    })
}

/// `<exec> jest <the step's options> [--coverage=false] <file> -t '^<full test name>$'`.
fn jest_command(hit: &Hit, step: &Step, covered: bool) -> String {
    const VALUED: &[&str] = &[
        "--env",
        "--testEnvironment",
        "--config",
        "-c",
        "--rootDir",
        "--selectProjects",
        "--preset",
    ];
    let options = step
        .args_of("jest")
        .map(|a| keep_options(&a, VALUED, &[]))
        .unwrap_or_default();
    let mut words = vec![step.manager().exec("jest")];
    words.extend(options.iter().map(|o| shell_quote(o)));
    if covered {
        words.push("--coverage=false".to_string());
    }
    // jest reads its path argument as a regular expression.
    if let Some(file) = &hit.file {
        let special = file.contains(['[', ']', '(', ')', '+', '*', '?', '^', '$', '{', '}', '|']);
        let file = if special {
            js_regex_escape(file)
        } else {
            file.clone()
        };
        words.push(shell_quote(&file));
    }
    if let Some(test) = &hit.test {
        words.push(format!("-t {}", shell_quote(&name_pattern(test))));
    }
    words.join(" ")
}

/// `<exec> vitest run <the step's options> <file> -t '^<full test name>$'`.
pub fn vitest_command(step: &Step, file: Option<&str>, test: Option<&str>) -> String {
    const VALUED: &[&str] = &[
        "--config",
        "-c",
        "--root",
        "-r",
        "--project",
        "--environment",
        "--dir",
        "--mode",
    ];
    let options = step
        .args_of("vitest")
        .map(|a| keep_options(&a, VALUED, &[]))
        .unwrap_or_default();
    let mut words = vec![format!("{} run", step.manager().exec("vitest"))];
    words.extend(options.iter().map(|o| shell_quote(o)));
    if let Some(file) = file {
        words.push(shell_quote(file));
    }
    if let Some(test) = test {
        words.push(format!("-t {}", shell_quote(&name_pattern(test))));
    }
    words.join(" ")
}

/// `-t`'s pattern selecting exactly the test named `name`.
pub fn name_pattern(name: &str) -> String {
    format!("^{}$", js_regex_escape(name))
}

/// jest's rerun for a test found in a JUnit report.
pub fn jest_rerun(step: &Step, file: Option<&str>, test: Option<&str>) -> String {
    let mut hit = Hit::new(Layer::Structured, Classification::Test, "");
    hit.file = file.map(str::to_string);
    hit.test = test.map(str::to_string);
    jest_command(&hit, step, false)
}

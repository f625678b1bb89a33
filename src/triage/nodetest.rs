//! node's built-in test runner (`node --test`), with its two reporters:
//!
//! - TAP, the default when the output is piped (as in CI and in sdetkit's steps):
//!   `# Subtest: name`, then `not ok 1 - name` with a YAML block holding `location:` (where
//!   the test is declared), `error: |-` and its message, and `stack: |-`. Enclosing suites
//!   report after their tests, one indentation level up: `not ok 10 - suite`.
//! - spec, the default on a terminal: `✖ name (1.2ms)`, the error and its `at …` frames
//!   indented under it, and `✖ suite (3ms)` after the suite's tests.
//!
//! Passing tests (`ok 2 - error: …`, `✔ error: …`) are never failures, whatever their
//! title says, and YAML keys such as `error: |-` are not messages of their own.
//!
//! The rerun is `node --test --test-name-pattern='<leaf name>' <file>`: node 20 matches the
//! pattern against each test's own name, not the suite path, so the pattern is the leaf
//! name, regex-escaped (an unescaped `(` runs no test at all and exits 0).

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, js_regex_escape, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static TAP_RESULT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\s*)(not )?ok \d+(?: - (.*))?$"));
/// TAP directives that make a `not ok` line no failure.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?i)\s#\s*(?:todo|skip)\b"));
static YAML_LOCATION: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\s*location: '(.+):(\d+):\d+'$"));
static YAML_KEY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\s*)([A-Za-z]\w*): ?(.*)$"));
static SPEC_RESULT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(\s*)([\u{2716}\u{2714}\u{25b6}\u{fe63}]) (.+?)(?: \([\d.]+m?s\))?$")
});
static SPEC_FAILED: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\s*)\u{2716} (.+?) \([\d.]+m?s\)$"));
/// A stack frame: `at fn (/path/file.js:12:3)`, `at /path/file.js:12:3`, or TAP's
/// `fn (/path/file.js:12:3)`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^\s*(?:at )?(?:.*? \()?((?:file://)?[^\s()]+?):(\d+):\d+\)?(?: \{)?$")
});
/// spec prints the assertion's class and code before its message.
static ERROR_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^AssertionError(?: \[ERR_ASSERTION\])?: "));
static SUMMARY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:# |\u{2139} )(?:tests|suites|pass|fail) \d+$"));

/// Phases of a failure being followed.
const DETAILS: u8 = 0;
/// TAP: the next indented line is the message (`error: |-`).
const MESSAGE_NEXT: u8 = 1;
/// TAP: lines are stack frames until the next key.
const STACK: u8 = 2;
/// The failure's own lines are over; enclosing suites report below.
const SUITES: u8 = 3;

/// `node --test`'s TAP and spec reporters.
pub struct NodeTest;

impl Matcher for NodeTest {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        let (indent, name, tap) = if let Some(c) = TAP_RESULT.captures(line) {
            c.get(2)?;
            let name = c.get(3).map_or("", |m| m.as_str());
            if DIRECTIVE.is_match(name) {
                return None;
            }
            (c[1].len(), unescape_tap(name), true)
        } else {
            let c = SPEC_FAILED.captures(line)?;
            (c[1].len(), c[2].to_string(), false)
        };
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        if tap && is_path(&name) {
            load_error(&mut hit, &ctx.before(LOAD_LOOK_BACK));
        }
        hit.test = Some(name);
        hit.in_details = true;
        hit.scratch.indent = indent;
        // The reporter, for the lines that follow.
        hit.scratch.names = vec![if tap { "tap" } else { "spec" }.to_string()];
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        let tap = hit.scratch.names.first().is_some_and(|r| r == "tap");
        if hit.scratch.phase == SUITES {
            return suites(hit, line, tap);
        }
        if tap {
            tap_details(hit, line)
        } else {
            spec_details(hit, line)
        }
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let leaf = hit.test.clone().unwrap_or_default();
        // Where the test is declared (TAP's `location:`), and where it failed: the outermost
        // frame of the test's own code (the test body, not a helper it called).
        let declared = hit.file.clone();
        let frames: Vec<&(String, u64)> = hit
            .scratch
            .frames
            .iter()
            .filter(|(f, _)| declared.as_ref().is_none_or(|d| d == f))
            .collect();
        let frames = if frames.is_empty() {
            hit.scratch.frames.iter().collect()
        } else {
            frames
        };
        if let Some((file, at)) = frames.last() {
            hit.file = Some(file.clone());
            hit.line = Some(*at);
        }
        let test_file = declared.or(hit.file.clone()).map(|f| step.relative(&f));
        hit.file = hit.file.as_deref().map(|f| step.relative(f));
        if hit.message.is_empty() {
            hit.message = format!("{leaf} failed");
        }
        let suites: Vec<String> = hit.scratch.names[1..]
            .iter()
            .rev()
            .filter(|s| !is_path(s))
            .cloned()
            .collect();
        let mut command = vec!["node".to_string()];
        command.extend(node_options(step));
        command.push("--test".to_string());
        if is_path(&leaf) {
            // A test file that failed as a whole (it did not load).
            hit.file = Some(step.relative(&leaf));
            hit.test = None;
        } else {
            let full: Vec<String> = suites.into_iter().chain([leaf.clone()]).collect();
            hit.test = Some(full.join(" "));
            command.push(format!(
                "--test-name-pattern={}",
                shell_quote(&js_regex_escape(&leaf))
            ));
        }
        if let Some(file) = test_file.or(hit.file.clone()) {
            command.push(shell_quote(&file));
        }
        hit.next_command = Some(command.join(" "));
    }
}

/// Lines looked back over for why a test file did not load.
const LOAD_LOOK_BACK: usize = 60;

/// A test file that failed as a whole (it did not load) has its error above the `not ok`
/// line, printed as TAP comments: `# Error: Cannot find module 'x'` and its `#     at …`
/// frames. A module that cannot be found is a missing dependency, not a test failure.
fn load_error(hit: &mut Hit, above: &[String]) {
    let comments: Vec<&str> = above.iter().filter_map(|l| l.strip_prefix("# ")).collect();
    let Some(at) = comments.iter().rposition(|l| {
        let head = l.split(": ").next().unwrap_or("");
        head.ends_with("Error") && !head.contains(' ')
    }) else {
        return;
    };
    hit.message = comments[at].trim().to_string();
    if hit.message.contains("Cannot find module") || hit.message.contains("ERR_MODULE_NOT_FOUND") {
        hit.classification = Classification::Dependency;
    }
    for line in &comments[at + 1..] {
        frame(hit, line);
    }
}

/// A TAP failure's YAML block: `location`, `error` and `stack`; `...` closes it.
fn tap_details(hit: &mut Hit, line: &str) -> Follow {
    let block = hit.scratch.indent + 2;
    let indent = line.len() - line.trim_start().len();
    if line.trim() == "..." && indent <= block {
        hit.closed = true;
        hit.scratch.phase = SUITES;
        return if hit.scratch.indent == 0 {
            Follow::Done
        } else {
            Follow::More
        };
    }
    if line.trim() == "---" {
        return Follow::More;
    }
    if indent == block
        && let Some(c) = YAML_KEY.captures(line)
    {
        hit.scratch.phase = DETAILS;
        match &c[2] {
            "location" => {
                if let Some(l) = YAML_LOCATION.captures(line) {
                    hit.file = Some(without_scheme(&l[1]).to_string());
                    hit.line = l[2].parse().ok();
                }
            }
            "error" => match c[3].trim() {
                "|-" | "|" | ">-" | ">" => hit.scratch.phase = MESSAGE_NEXT,
                // A file that did not load says only 'test failed': the error printed
                // above it (see `load_error`) is the message.
                value if hit.message.is_empty() => hit.message = unquote_yaml(value),
                _ => {}
            },
            "stack" => hit.scratch.phase = STACK,
            _ => {}
        }
        return Follow::More;
    }
    match hit.scratch.phase {
        MESSAGE_NEXT if !line.trim().is_empty() => {
            hit.message = line.trim().to_string();
            hit.scratch.phase = DETAILS;
        }
        STACK => frame(hit, line),
        _ => {}
    }
    Follow::More
}

/// A spec failure: the message, then `at …` frames, until the next test or suite line at
/// the failure's indentation or above.
fn spec_details(hit: &mut Hit, line: &str) -> Follow {
    let indent = line.len() - line.trim_start().len();
    if indent <= hit.scratch.indent && SPEC_RESULT.is_match(line) {
        hit.closed = true;
        hit.scratch.phase = SUITES;
        return suites(hit, line, false);
    }
    if SUMMARY.is_match(line) {
        hit.closed = true;
        return Follow::Done;
    }
    if FRAME.is_match(line) && line.trim_start().starts_with("at ") {
        frame(hit, line);
    } else if hit.message.is_empty() && !line.trim().is_empty() {
        hit.message = ERROR_PREFIX.replace(line.trim(), "").into_owned();
    }
    Follow::More
}

/// After the failure: each `not ok` / `✖` line one level further out names an enclosing
/// suite; the outermost level ends the search.
fn suites(hit: &mut Hit, line: &str, tap: bool) -> Follow {
    if SUMMARY.is_match(line) || hit.scratch.indent == 0 {
        return Follow::Done;
    }
    let found = if tap {
        TAP_RESULT
            .captures(line)
            .filter(|c| c.get(2).is_some())
            .map(|c| {
                (
                    c[1].len(),
                    unescape_tap(c.get(3).map_or("", |m| m.as_str())),
                )
            })
    } else {
        SPEC_FAILED
            .captures(line)
            .map(|c| (c[1].len(), c[2].to_string()))
    };
    if let Some((indent, name)) = found.filter(|(i, _)| *i < hit.scratch.indent) {
        hit.scratch.names.push(name);
        hit.scratch.indent = indent;
        if indent == 0 {
            return Follow::Done;
        }
    }
    Follow::More
}

/// Records a stack frame of the test's own code (not node's internals, not a dependency).
fn frame(hit: &mut Hit, line: &str) {
    let Some(c) = FRAME.captures(line) else {
        return;
    };
    let file = without_scheme(&c[1]);
    if file.starts_with("node:") || file.contains("/node_modules/") || !file.contains('.') {
        return;
    }
    hit.scratch
        .frames
        .push((file.to_string(), c[2].parse().unwrap_or_default()));
}

/// The node options of the step's own `node --test` run worth keeping (loaders, imports,
/// experimental flags), without its reporter or file arguments.
fn node_options(step: &Step) -> Vec<String> {
    const VALUED: &[&str] = &[
        "--import",
        "--require",
        "-r",
        "--loader",
        "--experimental-loader",
        "--conditions",
        "-C",
        "--env-file",
        "--test-timeout",
    ];
    let Some(args) = step
        .args_of("node")
        .filter(|a| a.iter().any(|w| w == "--test"))
    else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let name = arg.split('=').next().unwrap_or(arg);
        if VALUED.contains(&name) {
            kept.push(shell_quote(arg));
            if !arg.contains('=')
                && let Some(value) = args.get(i + 1)
            {
                kept.push(shell_quote(value));
                i += 1;
            }
        } else if name.starts_with("--experimental-")
            || name.starts_with("--no-experimental-")
            || ["--no-warnings", "--enable-source-maps"].contains(&name)
        {
            kept.push(shell_quote(arg));
        }
        i += 1;
    }
    kept
}

/// TAP escapes `#` and `\` in test names.
fn unescape_tap(name: &str) -> String {
    name.replace("\\#", "#").replace("\\\\", "\\")
}

/// A YAML scalar written on one line: `'text'` (with `''` for a quote) or `"text"`.
fn unquote_yaml(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        inner.replace("\\\"", "\"")
    } else {
        value.to_string()
    }
}

fn without_scheme(path: &str) -> &str {
    path.strip_prefix("file://").unwrap_or(path)
}

/// Whether a test name is a file (node reports a file that failed to load under its path).
fn is_path(name: &str) -> bool {
    let exts = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"];
    !name.contains(' ') && exts.iter().any(|e| name.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::search::first_hit;

    fn answer(log: &str) -> Option<Hit> {
        first_hit(log.as_bytes(), &Step::bare()).unwrap()
    }

    #[test]
    fn tap_failure_with_its_suite_and_frame() {
        let log = "# Subtest: suite\n    # Subtest: error: passes\n    ok 1 - error: passes\n      ---\n      duration_ms: 1\n      ...\n    # Subtest: breaks (a+b)\n    not ok 2 - breaks (a+b)\n      ---\n      duration_ms: 1.8\n      location: '/r/test/a.test.js:8:3'\n      failureType: 'testCodeFailure'\n      error: |-\n        Expected values to be strictly equal:\n        \n        1 !== 2\n        \n      code: 'ERR_ASSERTION'\n      stack: |-\n        helper (/r/test/a.test.js:3:10)\n        TestContext.<anonymous> (/r/test/a.test.js:9:5)\n        Test.runInAsyncScope (node:async_hooks:206:9)\n      ...\n    1..2\nnot ok 1 - suite\n  ---\n  error: '1 subtest failed'\n  ...\n";
        let hit = answer(log).unwrap();
        assert_eq!(hit.test.as_deref(), Some("suite breaks (a+b)"));
        assert_eq!(hit.file.as_deref(), Some("/r/test/a.test.js"));
        assert_eq!(hit.line, Some(9));
        assert_eq!(hit.message, "Expected values to be strictly equal:");
        assert_eq!(
            hit.next_command.as_deref(),
            Some("node --test --test-name-pattern='breaks \\(a\\+b\\)' /r/test/a.test.js")
        );
    }

    #[test]
    fn passing_tests_titled_error_are_not_failures() {
        let tap = "# Subtest: error: not an error: fine\nok 1 - error: not an error: fine\n  ---\n  duration_ms: 0.2\n  ...\n1..1\n# tests 1\n# pass 1\n# fail 0\n";
        assert!(answer(tap).is_none(), "{:?}", answer(tap));
        let spec = "\u{25b6} s\n  \u{2714} error: not an error: fine (0.25ms)\n\u{2714} s (1ms)\n\u{2139} tests 1\n\u{2139} fail 0\n";
        assert!(answer(spec).is_none(), "{:?}", answer(spec));
    }

    #[test]
    fn todo_is_not_a_failure() {
        assert!(answer("not ok 1 - later # TODO\n").is_none());
    }

    #[test]
    fn spec_failure_names_its_suite() {
        let log = "\u{25b6} background\n  \u{2716} keyword (9.5ms)\n    AssertionError [ERR_ASSERTION]: set('fixed')\n    + actual - expected\n        at testValue (/r/test/p.test.js:19:10)\n        at TestContext.<anonymous> (/r/test/p.test.js:109:5)\n        at Test.run (node:internal/test_runner/test:796:25) {\n      code: 'ERR_ASSERTION'\n    }\n\n  \u{2714} other (1ms)\n\u{2716} background (187ms)\n";
        let hit = answer(log).unwrap();
        assert_eq!(hit.test.as_deref(), Some("background keyword"));
        assert_eq!(hit.line, Some(109));
        assert_eq!(hit.message, "set('fixed')");
    }
}

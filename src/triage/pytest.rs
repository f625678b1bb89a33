//! pytest: the `-v` result line `path::test FAILED`, the `FAILURES` / `ERRORS` sections
//! with their `____ name ____` headings, `E   …` lines and `path.py:12: Error`, and the
//! short summary `FAILED path::test - message` / `ERROR path - message`.
//!
//! A section heading (`Class.test`) does not say which module collected the test: a test
//! inherited from a base class or mixin fails in one file (`tests/__init__.py:121`) while
//! it belongs to another (`tests/test_fifo.py::FIFOCacheTest::…`). The short summary names
//! the node, so a failure read from its section follows on to the summary for its id.
//!
//! unittest: `FAIL: test_x (module.Class.test_x)` (before Python 3.11 `(module.Class)`), its
//! traceback and exception, and with `-v` the result line `test_x (module.Class.test_x) ...
//! FAIL` above it.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static BANNER: LazyLock<Regex> = LazyLock::new(|| pattern(r"^=+ (FAILURES|ERRORS) =+$"));
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(FAILED|ERROR) (\S+)(?: - (.*))?$"));
/// `path::test FAILED [ 50%]`, or with pytest-xdist `[gw0] [ 50%] FAILED path::test`.
static VERBOSE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?:(\S+::\S+) FAILED(?:\s+\[\s*\d+%\])?|\[gw\d+\] \[\s*\d+%\] FAILED (\S+::\S+))$")
});
static HEADING: LazyLock<Regex> = LazyLock::new(|| pattern(r"^_{2,} (.+?) _{2,}$"));
static EXPLANATION: LazyLock<Regex> = LazyLock::new(|| pattern(r"^E\s+(.+)$"));
static LOCATION: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\S+\.py):(\d+): "));
static SECTION_END: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(=+ .* =+|_{2,} .+ _{2,})$"));
/// pytest's last line: `==== 1 failed, 2 passed in 0.35s ====`.
static SESSION_END: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^=+ .*\b(?:passed|failed|errors?|skipped)\b.* in [\d.]+s.* =+$"));

/// pytest's terminal output.
pub struct Pytest;

impl Matcher for Pytest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        if BANNER.is_match(line) {
            return Some(hit);
        }
        if let Some(node) = VERBOSE.captures(line).and_then(|c| c.get(1).or(c.get(2))) {
            set_node(&mut hit, node.as_str());
            return Some(hit);
        }
        let c = SUMMARY.captures(line)?;
        set_node(&mut hit, &c[2]);
        hit.message = c.get(3).map_or(line, |m| m.as_str()).to_string();
        hit.classification = classify(&hit.message);
        hit.in_details = true;
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if hit.closed {
            return summary_names_node(hit, line);
        }
        if hit.in_details && (SECTION_END.is_match(line) || SUMMARY.is_match(line)) {
            hit.closed = true;
            // A test known by its section heading only: its node id is in the summary.
            if hit.test.as_ref().is_some_and(|t| !t.contains("::")) {
                return summary_names_node(hit, line);
            }
            return Follow::Done;
        }
        if !hit.in_details {
            if let Some(c) = HEADING.captures(line).filter(|c| heading_is(hit, &c[1])) {
                hit.in_details = true;
                hit.restart_excerpt();
                match c[1].strip_prefix("ERROR collecting ") {
                    Some(path) => hit.file = Some(path.to_string()),
                    None => {
                        hit.test.get_or_insert_with(|| c[1].to_string());
                    }
                }
            }
            return Follow::More;
        }
        if let Some(c) = EXPLANATION
            .captures(line)
            .filter(|_| hit.message.is_empty())
        {
            hit.message = c[1].to_string();
            hit.classification = classify(&hit.message);
        } else if let Some(c) = LOCATION.captures(line) {
            if own_location(hit, &c[1]) {
                hit.file = Some(c[1].to_string());
                hit.line = c[2].parse().ok();
            } else if hit.scratch.frames.is_empty() {
                // The test's own frame when it is not in the node's file (an inherited test).
                let at = c[2].parse().unwrap_or_default();
                hit.scratch.frames.push((c[1].to_string(), at));
            }
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, _step: &Step) {
        if hit.line.is_none()
            && let Some((file, at)) = hit.scratch.frames.first()
        {
            hit.file = Some(file.clone());
            hit.line = Some(*at);
        }
        if let (Some(heading), Some(file)) = (&hit.test, &hit.file)
            && !heading.contains("::")
        {
            hit.test = Some(node_of(file, heading));
        }
        let target = match (&hit.test, &hit.file) {
            (Some(test), _) => test.clone(),
            (None, Some(file)) => file.clone(),
            (None, None) => return,
        };
        hit.next_command = Some(format!("python -m pytest -q {}", shell_quote(&target)));
    }
}

/// After a failure's section: the short summary line naming its node, or the end of the
/// session.
fn summary_names_node(hit: &mut Hit, line: &str) -> Follow {
    if let Some(c) = SUMMARY.captures(line) {
        let node = &c[2];
        if hit
            .test
            .as_deref()
            .is_some_and(|h| node_has_heading(node, h))
        {
            hit.test = Some(node.to_string());
            return Follow::Done;
        }
    }
    if SESSION_END.is_match(line) {
        return Follow::Done;
    }
    Follow::More
}

/// Whether node id `path::Class::test[p]` is the one of section heading `Class.test[p]`.
fn node_has_heading(node: &str, heading: &str) -> bool {
    let dotted = node.replace("::", ".");
    dotted
        .strip_suffix(heading)
        .is_some_and(|rest| rest.ends_with('.'))
}

/// Records a node id (`path::Class::test[param]`) or a bare path (collection errors).
fn set_node(hit: &mut Hit, node: &str) {
    let file = node.split("::").next().unwrap_or(node);
    hit.file = Some(file.to_string());
    if node.contains("::") {
        hit.test = Some(node.to_string());
    }
}

/// Whether a section heading (`Class.test`, `test[param]`, `ERROR collecting path`) is
/// about the failure being followed; any heading is when nothing is known yet.
fn heading_is(hit: &Hit, heading: &str) -> bool {
    match &hit.test {
        Some(node) => node_has_heading(node, heading),
        None => true,
    }
}

/// The first location in the failure's own file (the test file, or the module that failed
/// to import), not in a library frame; any file when none is known yet.
fn own_location(hit: &Hit, file: &str) -> bool {
    hit.line.is_none() && hit.file.as_deref().is_none_or(|f| f == file)
}

/// A node id from a section heading: `Class.test[a.b]` in `path` is `path::Class::test[a.b]`.
fn node_of(file: &str, heading: &str) -> String {
    let (name, params) = heading.split_at(heading.find('[').unwrap_or(heading.len()));
    format!("{file}::{}{params}", name.replace('.', "::"))
}

/// A missing module is a dependency problem; anything else pytest reports is a test one.
fn classify(message: &str) -> Classification {
    if message.contains("ModuleNotFoundError") || message.contains("ImportError") {
        Classification::Dependency
    } else {
        Classification::Test
    }
}

/// `FAIL: test_x (module.Class.test_x)`, with anything after it (a subtest's parameters).
static UNITTEST_HEADING: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(FAIL|ERROR): (\w+) \(([\w.]+)\)(?: .*)?$"));
/// `-v`'s result line `test_x (module.Class.test_x) ... FAIL`.
static UNITTEST_RESULT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\w+) \(([\w.]+)\)(?: .*)? \.\.\. (FAIL|ERROR)$"));
static FRAME: LazyLock<Regex> = LazyLock::new(|| pattern(r#"^\s+File "([^"]+)", line (\d+)"#));
static RULE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(?:-{20,}|={20,})$"));

/// unittest's text runner.
pub struct Unittest;

impl Matcher for Unittest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Test, "");
        if let Some(c) = UNITTEST_HEADING.captures(line) {
            hit.test = Some(unittest_id(&c[2], &c[3]));
            hit.in_details = true;
            return Some(hit);
        }
        let c = UNITTEST_RESULT.captures(line)?;
        hit.test = Some(unittest_id(&c[1], &c[2]));
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if !hit.in_details {
            let mine = UNITTEST_HEADING
                .captures(line)
                .is_some_and(|c| Some(unittest_id(&c[2], &c[3])) == hit.test);
            if mine {
                hit.in_details = true;
                hit.restart_excerpt();
            }
            return Follow::More;
        }
        if let Some(c) = FRAME.captures(line) {
            let at = c[2].parse().unwrap_or_default();
            hit.scratch.frames.push((c[1].to_string(), at));
        } else if RULE.is_match(line) && !hit.message.is_empty() {
            hit.closed = true;
            return Follow::Done;
        } else if hit.message.is_empty()
            && !line.starts_with(char::is_whitespace)
            && !line.is_empty()
            && !RULE.is_match(line)
            && !line.starts_with("Traceback")
            && !line.starts_with("During handling")
            && !line.starts_with("The above exception")
        {
            hit.message = line.to_string();
            hit.classification = classify(line);
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let Some(id) = hit.test.clone() else {
            return;
        };
        let (module, case) = split_unittest_id(&id);
        let module_file = format!("{}.py", module.replace('.', "/"));
        // The test's own frame: the first one in its module's file, else the innermost.
        let frame = hit
            .scratch
            .frames
            .iter()
            .find(|(f, _)| is_module_file(f, &module_file))
            .or(hit.scratch.frames.last());
        if let Some((file, at)) = frame {
            hit.file = Some(step.relative(file));
            hit.line = Some(*at);
        }
        if hit.message.is_empty() {
            hit.message = format!("{id} failed");
        }
        // The directory discovery started from: the file's path less the module's.
        let start = hit
            .file
            .as_deref()
            .filter(|f| is_module_file(f, &module_file))
            .map(|f| f[..f.len() - module_file.len()].trim_end_matches('/'));
        hit.next_command = Some(match start {
            Some("") | None => format!("python -m unittest {}", shell_quote(&id)),
            Some(dir) => {
                let file_name = module_file.rsplit('/').next().unwrap_or(&module_file);
                format!(
                    "python -m unittest discover -s {} -p {} -k {}",
                    shell_quote(dir),
                    shell_quote(file_name),
                    shell_quote(&format!("*.{case}"))
                )
            }
        });
    }
}

/// Whether `path` is the file of module path `module_file` (`pkg/test_x.py`).
fn is_module_file(path: &str, module_file: &str) -> bool {
    path == module_file || path.ends_with(&format!("/{module_file}"))
}

/// The full id `module.Class.test_x` from a heading's name and parenthesis (which before
/// Python 3.11 holds `module.Class` only).
fn unittest_id(name: &str, inside: &str) -> String {
    if inside.ends_with(&format!(".{name}")) {
        inside.to_string()
    } else {
        format!("{inside}.{name}")
    }
}

/// `module.Class.test_x` is module `module` and case `Class.test_x`.
fn split_unittest_id(id: &str) -> (&str, &str) {
    let mut dots = id.rmatch_indices('.').map(|(i, _)| i);
    let _method = dots.next();
    match dots.next() {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => (id, id),
    }
}

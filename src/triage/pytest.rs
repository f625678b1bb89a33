//! pytest: the `-v` result line `path::test FAILED`, the `FAILURES` / `ERRORS` sections
//! with their `____ name ____` headings, `E   …` lines and `path.py:12: Error`, and the
//! short summary `FAILED path::test - message` / `ERROR path - message`.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
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
        if hit.in_details && (SECTION_END.is_match(line) || SUMMARY.is_match(line)) {
            hit.closed = true;
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
        } else if let Some(c) = LOCATION.captures(line).filter(|c| own_location(hit, &c[1])) {
            hit.file = Some(c[1].to_string());
            hit.line = c[2].parse().ok();
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit) {
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
        Some(node) => node.replace("::", ".").ends_with(heading),
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

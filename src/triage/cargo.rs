//! `cargo test` / libtest human output: `test name ... FAILED`, the `---- name stdout ----`
//! block with its `panicked at file:line:col:` and message, and cargo's closing
//! `error: test failed, to rerun pass `-p crate --lib`` which names the target. Doctests
//! (`test src/lib.rs - add (line 3) ... FAILED`) follow the same shape.
//!
//! The rerun is unambiguous: `-p <package>` in a workspace (cargo selects among the
//! workspace's members, so a registry package of the same name in `Cargo.lock` does not
//! make it ambiguous, unlike `cargo pkgid`), no `-p` in a one-package repository, and
//! `-- --exact` when the name filter would also select other tests.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static RESULT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^test (.+?) \.\.\. FAILED$"));
static BLOCK: LazyLock<Regex> = LazyLock::new(|| pattern(r"^---- (.+?) stdout ----$"));
static PANIC: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^\s*thread '([^']*)'(?: \(\d+\))? panicked at (?:'(.*)', )?([^\s:]+):(\d+):\d+:?$")
});
static RERUN: LazyLock<Regex> = LazyLock::new(|| pattern(r"to rerun pass `([^`]*)`"));
/// Any test's result line, to know the failed test's neighbours in its binary.
static SIBLING: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^test (.+?) \.\.\. (?:ok|FAILED|ignored\b.*|bench:.*)$"));
/// The start of a test binary's output.
static BINARY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*(?:Running|Doc-tests) "));

/// Lines looked back over for the failed test's neighbours in its binary.
const LOOK_BACK: usize = 500;

/// libtest's human output as cargo prints it.
pub struct CargoTest;

impl Matcher for CargoTest {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        if let Some(c) = RESULT.captures(line) {
            let mut hit = Hit::new(
                Layer::Runner,
                Classification::Test,
                format!("test {} failed", &c[1]),
            );
            hit.test = Some(c[1].to_string());
            let above = ctx.before(LOOK_BACK);
            let own = above
                .iter()
                .rposition(|l| BINARY.is_match(l))
                .map_or(&above[..], |i| &above[i..]);
            hit.scratch.names = own
                .iter()
                .filter_map(|l| SIBLING.captures(l).map(|c| c[1].to_string()))
                .collect();
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
            // The finish derives the command from the target cargo named.
            hit.next_command = Some(c[1].to_string());
            return Follow::Done;
        }
        if !hit.in_details {
            if let Some(c) = SIBLING.captures(line) {
                hit.scratch.names.push(c[1].to_string());
            }
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

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let args = packages(step, hit.next_command.as_deref().unwrap_or(""));
        hit.next_command = Some(match hit.test.as_deref() {
            Some(test) => {
                let exact = needs_exact(&args, test, &hit.scratch.names);
                test_command(&args, test, exact)
            }
            None => format!("cargo test {args}").trim_end().to_string(),
        });
    }
}

/// Whether a name filter would select more than the test named `test`: another test of its
/// binary holds the name, or no target is named and every binary is filtered.
pub fn needs_exact(args: &str, test: &str, siblings: &[String]) -> bool {
    let targeted = args.split_whitespace().any(|w| {
        [
            "--lib",
            "--test",
            "--bin",
            "--doc",
            "--example",
            "--bench",
            "--bins",
            "--tests",
        ]
        .contains(&w)
    });
    !targeted || siblings.iter().any(|s| s != test && s.contains(test))
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

/// `cargo test <what cargo said to pass> <test> [-- --exact]`.
pub fn test_command(args: &str, test: &str, exact: bool) -> String {
    let args = if args.is_empty() {
        String::new()
    } else {
        format!(" {args}")
    };
    let exact = if exact { " -- --exact" } else { "" };
    format!("cargo test{args} {}{exact}", shell_quote(test))
}

/// The shape of the Cargo project the step ran in, from its root `Cargo.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Project {
    /// Not known (no root, no readable manifest).
    Unknown,
    /// One package, no workspace: `-p` says nothing.
    Single,
    /// A root package (named) with workspace members: plain cargo selects the root only.
    RootOfWorkspace(String),
    /// A virtual workspace: plain cargo selects every member.
    Virtual,
}

/// What the root `Cargo.toml` says about the project.
pub fn project(step: &Step) -> Project {
    let Some(table) = step
        .read("Cargo.toml")
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Project::Unknown;
    };
    let name = table
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    match (name, table.contains_key("workspace")) {
        (Some(_), false) => Project::Single,
        (Some(name), true) => Project::RootOfWorkspace(name.to_string()),
        (None, true) => Project::Virtual,
        (None, false) => Project::Unknown,
    }
}

/// The package whose manifest is nearest above `file` (relative to the root).
pub fn package_of(step: &Step, file: &str) -> Option<String> {
    step.ancestors(file).iter().find_map(|dir| {
        let manifest = dir.join("Cargo.toml");
        let table = step
            .read(&manifest.to_string_lossy())?
            .parse::<toml::Table>()
            .ok()?;
        let name = table.get("package")?.get("name")?.as_str()?;
        Some(name.to_string())
    })
}

/// cargo's package selection made unambiguous for a rerun from the root: `-p` dropped in a
/// one-package repository, the root package named in a workspace whose plain `cargo`
/// selects it.
pub fn packages(step: &Step, args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    let has_p = words.iter().any(|w| *w == "-p" || *w == "--package");
    match project(step) {
        Project::Single if has_p => {
            let mut kept = Vec::new();
            let mut skip = false;
            for w in words {
                if skip {
                    skip = false;
                } else if w == "-p" || w == "--package" {
                    skip = true;
                } else {
                    kept.push(w);
                }
            }
            kept.join(" ")
        }
        Project::RootOfWorkspace(name) if !has_p => format!("-p {} {args}", shell_quote(&name))
            .trim_end()
            .to_string(),
        _ => args.to_string(),
    }
}

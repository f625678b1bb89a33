//! rustc and clippy diagnostics: `error[E0308]: …` or `error: …` followed by
//! `--> file:line:col`, and cargo's `could not compile `crate`` naming the package.

use std::sync::LazyLock;

use regex::Regex;

use super::cargo::packages;
use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::{Step, keep_options};
use super::{Classification, Layer};

static ERROR: LazyLock<Regex> = LazyLock::new(|| pattern(r"^error(\[E\d+\])?: (.+)$"));
static LOCATION: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--> ([^\s:]+):(\d+):\d+$"));
static CRATE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^error: could not compile `([^`]+)`"));

/// Lines cargo and rustc print *after* the real error to sum it up.
const WRAPPERS: &[&str] = &[
    "could not compile",
    "aborting due to",
    "test failed, to rerun",
];

/// rustc / clippy compiler diagnostics.
pub struct Rustc;

impl Matcher for Rustc {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        let c = ERROR.captures(line)?;
        if WRAPPERS.iter().any(|w| c[2].starts_with(w)) {
            return None;
        }
        // Without a code, `error: …` is rustc's only when its diagnostic body follows
        // (` --> file`, a `|` gutter or an `= note`); other tools print `error:` too.
        let body = ctx
            .next
            .map(str::trim_start)
            .is_some_and(|n| ["-->", "|", "= "].iter().any(|p| n.starts_with(p)));
        if c.get(1).is_none() && !body {
            return None;
        }
        Some(Hit::new(Layer::Runner, Classification::Build, line))
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if let Some(c) = CRATE.captures(line) {
            // The package; the finish turns it into a command.
            hit.next_command = Some(c[1].to_string());
            return Follow::Done;
        }
        // The next diagnostic ends this one; only cargo's summary line matters after it.
        if line.starts_with("error") || line.starts_with("warning") {
            hit.closed = true;
        }
        if hit.closed {
            return Follow::More;
        }
        if hit.file.is_none()
            && let Some(c) = LOCATION.captures(line)
        {
            hit.file = Some(c[1].to_string());
            hit.line = c[2].parse().ok();
        }
        // Lints denied by `-D warnings` (clippy's or rustc's own) are lint failures.
        if line.contains("implied by `-D warnings`") || line.contains("clippy::") {
            hit.classification = Classification::Lint;
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let krate = hit.next_command.take();
        hit.next_command = Some(command(hit.classification, krate.as_deref(), step));
    }
}

/// The narrowest cargo command that shows the diagnostic again.
fn command(classification: Classification, krate: Option<&str>, step: &Step) -> String {
    // Without the crate nothing is narrowed: a root package is not where the error is.
    let selected = krate.map_or(String::new(), |k| {
        packages(step, &format!("-p {}", shell_quote(k)))
    });
    let package = match selected.as_str() {
        "" => String::new(),
        p => format!(" {p}"),
    };
    match classification {
        Classification::Lint => format!("cargo clippy{package} {}", clippy_options(step)),
        _ => format!("cargo check{package} --all-targets"),
    }
}

/// Cargo options that choose what clippy checks.
const TARGETS: &[&str] = &[
    "--all-targets",
    "--tests",
    "--lib",
    "--bins",
    "--examples",
    "--benches",
    "--all-features",
    "--no-default-features",
    "--release",
];

/// The step's own clippy options: what it checks (`--tests`, `--features x`…) and the lint
/// levels after `--` (`-Dclippy::pedantic`), without which a lint the step denies is not even
/// reported; `--all-targets -- -D warnings` for a step that is not clippy.
fn clippy_options(step: &Step) -> String {
    let Some(args) = step
        .args_of("cargo")
        .filter(|a| a.first().is_some_and(|s| s == "clippy"))
    else {
        return "--all-targets -- -D warnings".to_string();
    };
    let (before, after) = match args.iter().position(|a| a == "--") {
        Some(at) => (&args[1..at], &args[at + 1..]),
        None => (&args[1..], &args[..0]),
    };
    let mut chosen = keep_options(
        before,
        &["--features", "-F", "--target", "--profile"],
        TARGETS,
    );
    if !chosen.iter().any(|o| TARGETS[..6].contains(&o.as_str())) {
        chosen.insert(0, "--all-targets".to_string());
    }
    let mut out: Vec<String> = chosen.iter().map(|o| shell_quote(o)).collect();
    if !after.is_empty() {
        out.push("--".to_string());
        out.extend(after.iter().map(|a| shell_quote(a)));
    }
    out.join(" ")
}

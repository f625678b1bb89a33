//! Linters and type checkers of the JS and Python worlds: ruff (`RULE message` over
//! `--> path:line:col`, or concise `path:line:col: RULE message`), eslint's stylish
//! report (a file heading, then `  line:col  error  message  rule`), and tsc
//! (`path(line,col): error TS1234: message` or `path:line:col - error TS1234: message`).

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static RUFF_RULE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^([A-Z]{1,4}\d{1,4}) (?:\[\*\] )?(.+)$"));
static RUFF_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--> (\S+\.pyi?):(\d+):\d+$"));
static RUFF_CONCISE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.pyi?):(\d+):\d+: ([A-Z]{1,4}\d{1,4}) (?:\[\*\] )?(.+)$"));
static RUFF_SUMMARY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^Found \d+ errors?\.?$"));
static ESLINT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\s+(\d+):\d+\s+error\s+(.+?)(?:\s{2,}(\S+))?$"));
static TSC: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(\S+\.[cm]?[jt]sx?)(?:\((\d+),\d+\):|:(\d+):\d+ -) error (TS\d+: .+)$")
});

/// Lines looked back over for a rule heading or a file heading.
const LOOK_BACK: usize = 200;

/// ruff, eslint and tsc.
pub struct Lint;

impl Matcher for Lint {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        tsc(line)
            .or_else(|| eslint(line, ctx))
            .or_else(|| ruff(line, ctx))
    }
}

fn tsc(line: &str) -> Option<Hit> {
    let c = TSC.captures(line)?;
    let at = c.get(2).or(c.get(3)).and_then(|m| m.as_str().parse().ok());
    let mut hit =
        Hit::new(Layer::Runner, Classification::Type, &c[4]).at(Some(c[1].to_string()), at);
    hit.next_command = Some("npx tsc --noEmit".to_string());
    Some(hit)
}

/// An eslint problem line; its file is the nearest unindented line above it.
fn eslint(line: &str, ctx: &Context) -> Option<Hit> {
    let c = ESLINT.captures(line)?;
    let lines = ctx.before(LOOK_BACK);
    let file = lines
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with(char::is_whitespace))?;
    let message = match c.get(3) {
        Some(rule) => format!("{}  {}", &c[2], rule.as_str()),
        None => c[2].to_string(),
    };
    let mut hit = Hit::new(Layer::Runner, Classification::Lint, message)
        .at(Some(file.clone()), c[1].parse().ok());
    hit.next_command = Some(format!("npx eslint {}", shell_quote(file)));
    Some(hit)
}

/// A ruff location line under its rule heading, or ruff's summary with the first concise
/// diagnostic above it (concise lines hold no trigger token of their own).
fn ruff(line: &str, ctx: &Context) -> Option<Hit> {
    let (file, at, message) = if let Some(c) = RUFF_AT.captures(line) {
        let heading = ctx.before(1).pop()?;
        let rule = RUFF_RULE.captures(&heading)?;
        (
            c[1].to_string(),
            c[2].parse().ok(),
            format!("{} {}", &rule[1], &rule[2]),
        )
    } else if RUFF_SUMMARY.is_match(line) {
        let lines = ctx.before(LOOK_BACK);
        let c = lines.iter().find_map(|l| RUFF_CONCISE.captures(l))?;
        (
            c[1].to_string(),
            c[2].parse().ok(),
            format!("{} {}", &c[3], &c[4]),
        )
    } else {
        return None;
    };
    let mut hit = Hit::new(Layer::Runner, Classification::Lint, message).at(Some(file.clone()), at);
    hit.next_command = Some(format!("ruff check {}", shell_quote(&file)));
    Some(hit)
}

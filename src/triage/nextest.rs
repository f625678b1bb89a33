//! cargo-nextest's human output: `FAIL [   0.004s] crate::binary test::name` (with an
//! optional `(1/3)` counter; `TIMEOUT` / `SIGSEGV` / `SIGABRT` likewise), then the test's
//! captured output with its panic.

use std::sync::LazyLock;

use regex::Regex;

use super::cargo::follow_panic;
use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^\s*(FAIL|TIMEOUT|SIGSEGV|SIGABRT|SIGBUS|SIGILL|LEAK-FAIL)\s+\[\s*[\d.]+m?s\]\s+(?:\(\s*\d+/\d+\)\s+)?(\S+)\s+(\S+)\s*$",
    )
});

/// cargo-nextest's status lines.
pub struct Nextest;

impl Matcher for Nextest {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let c = STATUS.captures(line)?;
        let classification = match &c[1] {
            "TIMEOUT" => Classification::Timeout,
            _ => Classification::Test,
        };
        let mut hit = Hit::new(Layer::Structured, classification, "");
        hit.test = Some(c[3].to_string());
        hit.next_command = Some(format!(
            "cargo nextest run {} {}",
            target(&c[2]),
            shell_quote(&c[3])
        ));
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if STATUS.is_match(line) {
            hit.closed = true;
            return Follow::Done;
        }
        follow_panic(hit, line)
    }

    fn finish(&self, hit: &mut Hit, _step: &Step) {
        if hit.message.is_empty() {
            hit.message = format!("test {} failed", hit.test.as_deref().unwrap_or("?"));
        }
    }
}

/// Cargo flags selecting nextest's binary id: `crate` (the library), `crate::bin/name`,
/// `crate::name` (an integration test).
pub fn target(binary_id: &str) -> String {
    match binary_id.split_once("::") {
        None => format!("-p {binary_id} --lib"),
        Some((krate, rest)) => match rest.split_once('/') {
            Some((kind, name)) => format!("-p {krate} --{kind} {name}"),
            None => format!("-p {krate} --test {rest}"),
        },
    }
}

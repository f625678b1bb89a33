//! make's `make: *** [Makefile:9: target] Error 2` is a wrapper: it says a recipe failed,
//! the reason is the recipe's own output above it. It only answers when nothing above was
//! recognised, and then with those lines.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static WRAPPER: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^g?make(?:\[\d+\])?: \*\*\* \[(?:(\S+?):(\d+): )?([^\]]+)\] Error (\d+)")
});
static OWN_LINE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^g?make(?:\[\d+\])?: "));
static NO_RULE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^g?make(?:\[\d+\])?: \*\*\* No rule to make target"));

/// Lines above the wrapper that may hold the recipe's complaint.
const LOOK_BACK: usize = 10;

/// make's failure lines.
pub struct Make;

impl Matcher for Make {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        if NO_RULE.is_match(line) {
            return Some(Hit::new(Layer::Runner, Classification::Config, line));
        }
        let c = WRAPPER.captures(line)?;
        let above = ctx.before(LOOK_BACK);
        let cause = above
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty() && !OWN_LINE.is_match(l));
        let classification = match &c[4] {
            // The shell's "command not found".
            "127" => Classification::Environment,
            _ => Classification::Build,
        };
        let message = cause.map_or(line, String::as_str);
        let mut hit = Hit::new(Layer::Runner, classification, message).at(
            c.get(1).map(|m| m.as_str().to_string()),
            c.get(2).and_then(|m| m.as_str().parse().ok()),
        );
        hit.next_command = Some(format!("make {}", shell_quote(&c[3])));
        Some(hit)
    }
}

/// The target of a `make: *** [...] Error N` line.
pub fn target(line: &str) -> Option<String> {
    WRAPPER.captures(line).map(|c| c[3].to_string())
}

/// The makefile, its line and the target of a `make: *** [Makefile:9: target] Error N` line.
pub fn wrapper(line: &str) -> Option<(Option<String>, Option<u64>, String)> {
    let c = WRAPPER.captures(line)?;
    Some((
        c.get(1).map(|m| m.as_str().to_string()),
        c.get(2).and_then(|m| m.as_str().parse().ok()),
        c[3].to_string(),
    ))
}

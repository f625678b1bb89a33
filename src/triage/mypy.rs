//! mypy: `path.py:12: error: message  [code]` (with `--show-column-numbers`,
//! `path.py:12:5: error: …`). With `pretty = true` a long message wraps onto the lines
//! below it, before the source line (indented) and its `^~~~` marker.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static ERROR: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.pyi?):(\d+)(?::\d+)?: error: (.+)$"));
/// A line that is mypy's own, not the rest of a wrapped message.
static OWN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:\S+\.pyi?:\d+|Found \d+ error|Success: )"));

/// mypy's diagnostics.
pub struct Mypy;

impl Matcher for Mypy {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let c = ERROR.captures(line)?;
        Some(
            Hit::new(Layer::Runner, Classification::Type, &c[3])
                .at(Some(c[1].to_string()), c[2].parse().ok()),
        )
    }

    /// A wrapped message goes on, unindented, until the source line or the next diagnostic.
    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        let wrapped = !line.is_empty()
            && !line.starts_with(char::is_whitespace)
            && !OWN.is_match(line)
            && (unfinished(&hit.message) || line.ends_with(']'));
        if !wrapped || hit.message.ends_with(']') {
            return Follow::Done;
        }
        hit.message = format!("{} {}", hit.message, line.trim());
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        if let Some(file) = &hit.file {
            hit.next_command = Some(format!("mypy {}", shell_quote(&step.relative(file))));
        }
    }
}

/// Whether a message stops mid-phrase: an open parenthesis or quotation.
fn unfinished(message: &str) -> bool {
    let open = message.matches('(').count() > message.matches(')').count();
    open || message.matches('"').count() % 2 == 1
}

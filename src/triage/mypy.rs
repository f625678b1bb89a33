//! mypy: `path.py:12: error: message  [code]` (with `--show-column-numbers`,
//! `path.py:12:5: error: …`).

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static ERROR: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.pyi?):(\d+)(?::\d+)?: error: (.+)$"));

/// mypy's diagnostics.
pub struct Mypy;

impl Matcher for Mypy {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let c = ERROR.captures(line)?;
        let mut hit = Hit::new(Layer::Runner, Classification::Type, &c[3])
            .at(Some(c[1].to_string()), c[2].parse().ok());
        hit.next_command = Some(format!("mypy {}", shell_quote(&c[1])));
        Some(hit)
    }
}

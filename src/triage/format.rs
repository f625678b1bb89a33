//! Formatters in check mode: `cargo fmt --check` (`Diff in path:line:`), `ruff format
//! --check` (`Would reformat: path`, or a diff under ` --> path:line:col`) and black
//! (`would reformat path`).

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static RUSTFMT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^Diff in (\S+?):(\d+):?$"));
static WOULD: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(Would reformat:|would reformat) (\S+)$"));
const RUFF_HEADING: &str = "File would be reformatted";
static RUFF_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--> (\S+):(\d+):\d+$"));

/// Format checkers.
pub struct Format;

impl Matcher for Format {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Format, line);
        if let Some(c) = RUSTFMT.captures(line) {
            unformatted(
                &mut hit,
                &c[1],
                c[2].parse().ok(),
                "cargo fmt --check".to_string(),
            );
        } else if let Some(c) = WOULD.captures(line) {
            let tool = if c[1].starts_with('W') {
                "ruff format --check"
            } else {
                "black --check"
            };
            unformatted(
                &mut hit,
                &c[2],
                None,
                format!("{tool} {}", shell_quote(&c[2])),
            );
        } else if !line.ends_with(RUFF_HEADING) {
            return None;
        }
        Some(hit)
    }

    /// ruff's heading names no file: the ` --> path:line:col` under it does.
    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if hit.next_command.is_some() {
            return Follow::Done;
        }
        let Some(c) = RUFF_AT.captures(line) else {
            return Follow::More;
        };
        let command = format!("ruff format --check {}", shell_quote(&c[1]));
        unformatted(hit, &c[1], c[2].parse().ok(), command);
        Follow::Done
    }
}

/// Records that `file` (from `line` on) is not formatted as its formatter wants.
fn unformatted(hit: &mut Hit, file: &str, line: Option<u64>, command: String) {
    hit.message = format!("{file} is not formatted");
    hit.file = Some(file.to_string());
    hit.line = line;
    hit.next_command = Some(command);
}

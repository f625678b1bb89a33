//! gcc and clang: `file.c:6:19: error: message` (warnings above it do not count), and the
//! linker's `file.c:(.text+0x5): undefined reference to `symbol'` (the `collect2: error:
//! ld returned 1 exit status` after it only sums up). A `make: *** [Makefile:9: target]`
//! line after the error names the target to rebuild.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, EXCERPT_LINES, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer, make};

static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(\S+\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm)):(\d+):(?:\d+:)? (?:fatal )?error: (.+)$",
    )
});
static UNDEFINED: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:\S*ld: )?([^\s:]+):\(.*\): (undefined reference to .+)$"));

/// C and C++ compilers and the linker behind them.
pub struct Cc;

impl Matcher for Cc {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let (file, at, message) = if let Some(c) = ERROR.captures(line) {
            (c[1].to_string(), c[2].parse().ok(), c[3].to_string())
        } else {
            let c = UNDEFINED.captures(line)?;
            (c[1].to_string(), None, c[2].to_string())
        };
        Some(Hit::new(Layer::Runner, Classification::Build, message).at(Some(file), at))
    }

    /// Looks for make's line naming the target, but only as far as the excerpt reaches:
    /// without make (cmake, ninja, a script) there is nothing to wait for.
    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if let Some(target) = make::target(line) {
            hit.next_command = Some(format!("make {}", shell_quote(&target)));
            return Follow::Done;
        }
        if hit.excerpt.len() >= EXCERPT_LINES {
            Follow::Done
        } else {
            Follow::More
        }
    }
}

//! gcc and clang: `file.c:6:19: error: message` (warnings above it do not count), and the
//! linker's `file.c:(.text+0x5): undefined reference to `symbol'` (the `collect2: error:
//! ld returned 1 exit status` after it only sums up). A `make: *** [Makefile:9: target]`
//! line after the error names the target to rebuild.
//!
//! C test harnesses: `FAILED: description (at line 76)` (jsmn's and other `check()` macros;
//! the file is the source the test program was compiled from, as the echoed compile line
//! above says), Unity's `test/test_x.c:42:test_name:FAIL: message` and Check's
//! `tests/check_x.c:45:F:core:test_name:0: message`.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer, make};

static ERROR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(\S+\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm)):(\d+):(?:\d+:)? (?:fatal )?error: (.+)$",
    )
});
static UNDEFINED: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:\S*ld: )?([^\s:]+):\(.*\): (undefined reference to .+)$"));
static AT_LINE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^FAIL(?:ED)?: (.+?) \(at line (\d+)\)$"));
static UNITY: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.c(?:c|pp)?):(\d+):(\w+):FAIL(?::\s*(.*))?$"));
static CHECK: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.c):(\d+):[FE]:[^:]*:(\w+):\d+: (.+)$"));
/// An echoed compile command and the C source it compiles.
static COMPILE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(?:\S*/)?(?:cc|gcc|clang|g\+\+|c\+\+|clang\+\+)(?:-\d+)?\s.*?(\S+\.(?:c|cc|cpp|cxx))(?:\s|$)",
    )
});

/// Lines looked back over for the compile command of a failing test program.
const LOOK_BACK: usize = 30;

/// C and C++ compilers and the linker behind them.
pub struct Cc;

impl Matcher for Cc {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        if let Some(hit) = harness(line, ctx) {
            return Some(hit);
        }
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
        hit.follow_while_room()
    }
}

/// A C test harness's failure line.
fn harness(line: &str, ctx: &Context) -> Option<Hit> {
    let (file, at, test) = if let Some(c) = AT_LINE.captures(line) {
        // The test program's source: the last compile command echoed above it.
        let above = ctx.before(LOOK_BACK);
        let source = above
            .iter()
            .rev()
            .find_map(|l| COMPILE.captures(l).map(|c| c[1].to_string()));
        (source, c[2].parse().ok(), c[1].to_string())
    } else if let Some(c) = UNITY.captures(line) {
        (Some(c[1].to_string()), c[2].parse().ok(), c[3].to_string())
    } else if let Some(c) = CHECK.captures(line) {
        (Some(c[1].to_string()), c[2].parse().ok(), c[3].to_string())
    } else {
        return None;
    };
    let mut hit = Hit::new(Layer::Runner, Classification::Test, line.trim()).at(file, at);
    hit.test = Some(test);
    Some(hit)
}

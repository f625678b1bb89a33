//! go test: `--- FAIL: TestX (0.00s)` with the `file_test.go:12: message` lines logged by the
//! test (above it with `-v`, below it without), `--- FAIL: TestX/case` for a subtest, and
//! `FAIL <tab> import/path <tab> 0.01s` naming the package. A package that does not compile ends in
//! `FAIL <tab> import/path [build failed]` below the compiler's `file.go:3:9: message`.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::{Classification, Layer};

static FAIL: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--- FAIL: (\S+) \("));
static LOG: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s+([\w./-]+\.go):(\d+): (.+)$"));
static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^FAIL\s+(\S+)\s+(?:[\d.]+s|\[(\w+) failed\])"));
static COMPILE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^([\w./-]+\.go):(\d+):\d+: (.+)$"));

/// Lines looked back over for what a test logged before its `--- FAIL`.
const LOOK_BACK: usize = 30;

/// go test's output.
pub struct GoTest;

impl Matcher for GoTest {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        match FAIL.captures(line) {
            Some(c) => Some(test_failure(&c[1], ctx)),
            None => build_failure(line, ctx),
        }
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if hit.next_command.is_some() {
            return Follow::Done;
        }
        if let Some(c) = PACKAGE.captures(line) {
            hit.next_command = Some(command(&c[1], hit.test.as_deref()));
            hit.closed = true;
            return Follow::Done;
        }
        let failed = FAIL.captures(line).map(|c| c[1].to_string());
        let own = |name: &str| {
            hit.test
                .as_deref()
                .is_some_and(|t| name.starts_with(&format!("{t}/")))
        };
        match failed {
            Some(name) if own(&name) => hit.test = Some(name),
            // Another test, a new run or go's bare `FAIL`: this test's lines are over.
            Some(_) => hit.closed = true,
            None if line.starts_with("=== RUN") || line == "FAIL" => hit.closed = true,
            None if hit.file.is_none() && !hit.closed => {
                logged_line(hit, line);
            }
            None => {}
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit) {
        if hit.next_command.is_none() {
            hit.next_command = Some(command("./...", hit.test.as_deref()));
        }
    }
}

/// A failed test; with `-v` what it logged is above, between its `=== RUN` and here.
fn test_failure(name: &str, ctx: &Context) -> Hit {
    let mut hit = Hit::new(
        Layer::Runner,
        Classification::Test,
        format!("{name} failed"),
    );
    hit.test = Some(name.to_string());
    let run = format!("=== RUN   {name}");
    let above = ctx.before(LOOK_BACK);
    let own = above
        .iter()
        .rposition(|l| l.trim_end() == run)
        .map_or(&above[..0], |i| &above[i..]);
    if let Some(logged) = own.iter().find(|l| LOG.is_match(l)) {
        logged_line(&mut hit, logged);
    }
    hit
}

/// A package that did not compile: the compiler's first error is above the `FAIL` line.
fn build_failure(line: &str, ctx: &Context) -> Option<Hit> {
    let c = PACKAGE.captures(line)?;
    let kind = c.get(2)?;
    let message = format!("{} failed", kind.as_str());
    let mut hit = Hit::new(Layer::Runner, Classification::Build, message);
    let above = ctx.before(LOOK_BACK);
    if let Some(e) = above.iter().find_map(|l| COMPILE.captures(l)) {
        hit = hit.at(Some(e[1].to_string()), e[2].parse().ok());
        hit.message = e[3].to_string();
    }
    hit.next_command = Some(format!("go vet {}", &c[1]));
    Some(hit)
}

/// Takes a `file_test.go:12: message` line as the failure's location and message.
fn logged_line(hit: &mut Hit, line: &str) -> bool {
    let Some(c) = LOG.captures(line) else {
        return false;
    };
    hit.file = Some(c[1].to_string());
    hit.line = c[2].parse().ok();
    hit.message = c[3].to_string();
    true
}

/// `go test <pkg> -run '^TestX$/^case$'`: every level anchored so that only this test runs.
fn command(package: &str, test: Option<&str>) -> String {
    match test {
        Some(test) => {
            let anchored: Vec<String> = test
                .split('/')
                .map(|p| format!("^{}$", regex::escape(p)))
                .collect();
            format!(
                "go test {package} -run {}",
                shell_quote(&anchored.join("/"))
            )
        }
        None => format!("go test {package}"),
    }
}

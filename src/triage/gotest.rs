//! The go tool: go test, go vet and go build.
//!
//! - go test: `--- FAIL: TestX (0.00s)` with the `file_test.go:12: message` lines logged by
//!   the test (above it with `-v`, below it without), `--- FAIL: TestX/case` for a subtest,
//!   and `FAIL <tab> import/path <tab> 0.01s` naming the package. A package that does not
//!   compile ends in `FAIL <tab> import/path [build failed]`.
//! - `go test -json`: the same text inside `{"Action":"output",…,"Output":"…"}` events (a
//!   build failure's compiler output comes before the JSON, or as `build-output` events).
//! - The compiler and go vet: `./file.go:3:9: message` under a `# import/path` heading; vet's
//!   own findings under `# [import/path]`, and the type errors vet meets as `vet: ./file.go…`.
//!   A module that cannot be downloaded (`dial tcp: lookup proxy.golang.org: no such host`)
//!   is a dependency failure, not a compile error.
//!
//! Paths are relative to where go ran: `./util.go` is `util.go`, and the rerun's package is
//! its directory (`go build .`); a test's file is relative to its package's directory,
//! which `go.mod`'s module path turns into a path from the root.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::{Step, keep_options, tidy};
use super::{Classification, Layer};

static FAIL: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--- FAIL: (\S+) \("));
static LOG: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s+([\w./-]+\.go):(\d+): (.+)$"));
static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^FAIL\s+(\S+)\s+(?:[\d.]+s|\[(\w+) failed\])"));
/// A compiler or vet diagnostic: `./file.go:3:9: message`, `vet: ./file.go:3:9: message`.
static DIAGNOSTIC: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(vet: )?([\w./-]+\.go):(\d+):(\d+): (.+)$"));
/// `# import/path`, `# import/path [import/path.test]`, and vet's `# [import/path]`.
static HEADING: LazyLock<Regex> = LazyLock::new(|| pattern(r"^# (\[)?\S+"));
static MODULE: LazyLock<Regex> = LazyLock::new(|| pattern(r"(\S+)@(v[\w.+-]+): "));

/// Lines looked back over for what a test logged before its `--- FAIL`.
const LOOK_BACK: usize = 30;

/// Lines looked back over for the race detector's report before a `--- FAIL`.
const RACE_LOOK_BACK: usize = 400;

/// A frame of a race report: `      /path/to/file.go:546 +0x33`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s+(/\S+\.go):(\d+) \+0x[0-9a-f]+$"));

/// Messages of a module that could not be fetched or resolved.
const DOWNLOAD: &[&str] = &[
    "dial tcp",
    "no such host",
    "proxy.golang.org",
    "connection refused",
    "i/o timeout",
    "missing go.sum entry",
    "no required module provides package",
    "cannot find module providing package",
    "module lookup disabled",
];

/// go vet's analyzers, by the words their findings use.
const ANALYZERS: &[(&str, &str)] = &[
    ("unreachable code", "unreachable"),
    ("struct field tag", "structtag"),
    ("composite literal uses unkeyed fields", "composites"),
    ("possible misuse of unsafe.Pointer", "unsafeptr"),
    ("self-assignment of", "assign"),
    ("copies lock", "copylocks"),
    ("passes lock by value", "copylocks"),
    ("lock by value", "copylocks"),
    ("cancel function", "lostcancel"),
    ("result of ", "unusedresult"),
    ("format %", "printf"),
    ("formatting directive", "printf"),
    ("call has arguments but no formatting directives", "printf"),
    ("should have signature", "stdmethods"),
    ("possible formatting directive", "printf"),
    ("using resp before checking for errors", "httpresponse"),
    ("loop variable", "loopclosure"),
    ("is never used", "unusedresult"),
    ("comparison of function", "nilfunc"),
    ("suspect or:", "bools"),
    ("redundant or:", "bools"),
    ("redundant and:", "bools"),
    ("misuse of", "errorsas"),
    ("call to (*T).Fatal", "testinggoroutine"),
    ("malformed build constraint", "buildtag"),
];

/// Kinds of failure, kept in the hit's phase until the rerun is built.
const TEST: u8 = 0;
const COMPILE: u8 = 1;
const VET: u8 = 2;

/// One event of `go test -json`.
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Output")]
    output: Option<String>,
}

/// The go tool's output.
pub struct GoTest;

impl Matcher for GoTest {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        let line = text(line)?;
        let before = |n| {
            ctx.before(n)
                .iter()
                .filter_map(|l| text(l).map(Cow::into_owned))
                .collect::<Vec<_>>()
        };
        // Looking back decodes lines: only for a line that is go's.
        if let Some(c) = FAIL.captures(&line) {
            let mut hit = test_failure(&c[1], &before(LOOK_BACK));
            race_frame(&mut hit, &before(RACE_LOOK_BACK));
            return Some(hit);
        }
        if DIAGNOSTIC.is_match(&line) {
            return diagnostic(&line, &before(LOOK_BACK), ctx.step);
        }
        if PACKAGE.is_match(&line) {
            return build_failure(&line, &before(LOOK_BACK));
        }
        None
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        let Some(line) = text(line) else {
            return Follow::More;
        };
        if hit.scratch.phase != TEST {
            // A diagnostic: the next one, or anything else, ends it.
            return Follow::Done;
        }
        if let Some(c) = PACKAGE.captures(&line) {
            hit.scratch.names.push(c[1].to_string());
            hit.closed = true;
            return Follow::Done;
        }
        let failed = FAIL.captures(&line).map(|c| c[1].to_string());
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
                logged_line(hit, &line);
            }
            None => {}
        }
        Follow::More
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        match hit.scratch.phase {
            TEST => {
                let package = hit.scratch.names.last().cloned();
                if let Some(file) = hit.file.as_mut().filter(|f| f.starts_with('/')) {
                    *file = step.relative(file);
                }
                let dir = package.as_deref().and_then(|p| package_dir(step, p));
                if let (Some(dir), Some(file)) = (&dir, &hit.file)
                    && !dir.is_empty()
                    && !file.contains('/')
                {
                    hit.file = Some(format!("{dir}/{file}"));
                }
                let target = match (&dir, &package) {
                    (Some(dir), _) => go_dir(dir),
                    (None, Some(p)) => p.clone(),
                    (None, None) => "./...".to_string(),
                };
                hit.next_command = Some(command(&target, hit.test.as_deref(), step));
            }
            kind => {
                let Some(file) = hit.file.clone() else {
                    return;
                };
                let file = step.relative(&file);
                let dir = go_dir(file.rsplit_once('/').map_or("", |(d, _)| d));
                hit.next_command = Some(match hit.classification {
                    Classification::Dependency => match MODULE.captures(&hit.message) {
                        Some(c) => format!("go mod download {}@{}", &c[1], &c[2]),
                        None => "go mod download".to_string(),
                    },
                    _ if kind == VET => match analyzer(&hit.message) {
                        Some(a) => format!("go vet -{a} {dir}"),
                        None => format!("go vet {dir}"),
                    },
                    // Test files are compiled by `go vet` (and `go test`), not `go build`.
                    _ if file.ends_with("_test.go") => format!("go vet {dir}"),
                    _ => format!("go build {dir}"),
                });
            }
        }
    }

    fn shown<'l>(&self, line: &'l str) -> Option<Cow<'l, str>> {
        text(line)
    }
}

/// The text of a line: a `go test -json` event's output, or the line itself; `None` for the
/// events that carry no output (`run`, `pass`, `fail`).
fn text(line: &str) -> Option<Cow<'_, str>> {
    if !line.starts_with('{') || !line.contains("\"Action\"") {
        return Some(Cow::Borrowed(line));
    }
    let Ok(event) = serde_json::from_str::<Event>(line) else {
        return Some(Cow::Borrowed(line));
    };
    match event.action.as_str() {
        "output" | "build-output" => event
            .output
            .map(|o| Cow::Owned(o.trim_end_matches(['\n', '\r']).to_string())),
        _ => None,
    }
}

/// A failed test; with `-v` what it logged is above, between its `=== RUN` and here.
/// A failure the race detector caused is where the race is: the first frame of the last race
/// report above that is the project's code (not the Go runtime or `testing`), and not
/// `testing.go:1399: race detected during execution of test`.
fn race_frame(hit: &mut Hit, above: &[String]) {
    let Some(start) = above.iter().rposition(|l| l.trim() == "WARNING: DATA RACE") else {
        return;
    };
    let frame = above[start..]
        .iter()
        .take_while(|l| l.trim() != "==================")
        .filter_map(|l| FRAME.captures(l))
        .find(|c| !c[1].contains("/src/testing/") && !c[1].contains("/src/runtime/"));
    if let Some(c) = frame {
        hit.file = Some(c[1].to_string());
        hit.line = c[2].parse().ok();
        hit.message = "data race (see the race detector's report above)".to_string();
    }
}

fn test_failure(name: &str, above: &[String]) -> Hit {
    let mut hit = Hit::new(
        Layer::Runner,
        Classification::Test,
        format!("{name} failed"),
    );
    hit.test = Some(name.to_string());
    let run = format!("=== RUN   {name}");
    let own = above
        .iter()
        .rposition(|l| l.trim_end() == run)
        .map_or(&above[..0], |i| &above[i..]);
    if let Some(logged) = own.iter().find(|l| LOG.is_match(l)) {
        logged_line(&mut hit, logged);
    }
    hit
}

/// A compiler or vet diagnostic, when the lines above show it comes from the go tool.
fn diagnostic(line: &str, above: &[String], step: &Step) -> Option<Hit> {
    let c = DIAGNOSTIC.captures(line)?;
    let message = c[5].to_string();
    // The run of go's own lines above it: headings and other diagnostics.
    let heading = above
        .iter()
        .rev()
        .take_while(|l| HEADING.is_match(l) || DIAGNOSTIC.is_match(l) || l.starts_with("go: "))
        .find_map(|l| HEADING.captures(l).map(|h| h.get(1).is_some()));
    let download = DOWNLOAD.iter().any(|p| message.contains(p));
    let vet_type = c.get(1).is_some();
    if heading.is_none() && !download && !vet_type && !step.mentions("go") {
        return None;
    }
    let (classification, kind) = if download {
        (Classification::Dependency, COMPILE)
    } else if vet_type {
        (Classification::Type, COMPILE)
    } else if heading == Some(true) || (step.mentions("vet") && analyzer(&message).is_some()) {
        (Classification::Lint, VET)
    } else if message.starts_with("syntax error") {
        (Classification::Build, COMPILE)
    } else {
        (Classification::Type, COMPILE)
    };
    let mut hit =
        Hit::new(Layer::Runner, classification, message).at(Some(tidy(&c[2])), c[3].parse().ok());
    hit.scratch.phase = kind;
    Some(hit)
}

/// A package that did not compile: the compiler's first error is above the `FAIL` line.
fn build_failure(line: &str, above: &[String]) -> Option<Hit> {
    let c = PACKAGE.captures(line)?;
    let kind = c.get(2)?;
    let message = format!("{} failed", kind.as_str());
    let mut hit = Hit::new(Layer::Runner, Classification::Build, message);
    hit.scratch.phase = COMPILE;
    if let Some(e) = above.iter().find_map(|l| DIAGNOSTIC.captures(l)) {
        hit = hit.at(Some(tidy(&e[2])), e[3].parse().ok());
        hit.message = e[5].to_string();
        hit.scratch.phase = COMPILE;
        if DOWNLOAD.iter().any(|p| hit.message.contains(p)) {
            hit.classification = Classification::Dependency;
        }
    } else {
        hit.next_command = Some(format!("go vet {}", &c[1]));
    }
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

/// The vet analyzer that reports `message`, when it is one of the known ones.
fn analyzer(message: &str) -> Option<&'static str> {
    ANALYZERS
        .iter()
        .find(|(words, _)| message.contains(words))
        .map(|(_, a)| *a)
}

/// The directory (relative to the root, `""` for the root) of package `import_path`, from
/// the module path in the root's `go.mod`.
fn package_dir(step: &Step, import_path: &str) -> Option<String> {
    let module = step.read("go.mod")?.lines().find_map(|l| {
        l.trim()
            .strip_prefix("module ")
            .map(|m| m.trim().trim_matches('"').to_string())
    })?;
    if import_path == module {
        Some(String::new())
    } else {
        import_path
            .strip_prefix(&format!("{module}/"))
            .map(str::to_string)
    }
}

/// A package argument for a directory relative to where go runs: `.` or `./sub`.
fn go_dir(dir: &str) -> String {
    match dir {
        "" | "." => ".".to_string(),
        d if d.starts_with('/') || d.starts_with("./") || d.starts_with("../") => d.to_string(),
        d => format!("./{d}"),
    }
}

/// `go test [flags] <pkg> -run '^TestX$/^case$'`: every level anchored so that only this
/// test runs, with the step's build flags (`-race`, `-tags`…), without which a failure such
/// as a data race does not reproduce.
fn command(package: &str, test: Option<&str>, step: &Step) -> String {
    let flags: Vec<String> = step
        .args_of("go")
        .filter(|args| args.first().is_some_and(|a| a == "test"))
        .map(|args| {
            keep_options(
                &args[1..],
                &[
                    "-tags", "--tags", "-timeout", "-ldflags", "-gcflags", "-count",
                ],
                &["-race", "-short", "-msan", "-asan", "-cover"],
            )
        })
        .unwrap_or_default();
    let go_test = std::iter::once("go test".to_string())
        .chain(flags.iter().map(|f| shell_quote(f)))
        .collect::<Vec<_>>()
        .join(" ");
    match test {
        Some(test) => {
            let anchored: Vec<String> = test
                .split('/')
                .map(|p| format!("^{}$", regex::escape(p)))
                .collect();
            format!(
                "{go_test} {package} -run {}",
                shell_quote(&anchored.join("/"))
            )
        }
        None => format!("{go_test} {package}"),
    }
}

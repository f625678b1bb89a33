//! Formatters in check mode: `cargo fmt --check` (`Diff in path:line:` and the diff under
//! it), `ruff format --check` (`Would reformat: path`, or a diff under ` --> path:line:col`),
//! black (`would reformat path`), `prettier --check` (`[warn] path`), and gofmt: `gofmt -d`'s
//! diff (`diff file.go.orig file.go`), the gofmt step's `gofmt: these files need formatting`
//! list, and `gofmt -l`'s bare file list, which only the step's command says is a failure.
//!
//! The line is the first changed line, not the start of the diff's context.

use std::sync::LazyLock;

use regex::Regex;

use super::cargo::{Project, package_of, project};
use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static RUSTFMT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^Diff in (\S+?):(\d+):?$"));
static WOULD: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(Would reformat:|would reformat) (\S+)$"));
const RUFF_HEADING: &str = "File would be reformatted";
static RUFF_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--> (\S+):(\d+):\d+$"));
static PRETTIER: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\[warn\] (\S.*)$"));
static PRETTIER_ERROR: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\[error\] ([^\s:]+): (.+?)(?: \((\d+):\d+\))?$"));
static GOFMT_DIFF: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^diff (?:-u )?(?:\S+/)?(\S+\.go)\.orig (\S+\.go)$"));
static HUNK: LazyLock<Regex> = LazyLock::new(|| pattern(r"^@@ -(\d+)(?:,\d+)? \+\d+"));
static GO_FILE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\S+\.go)$"));
/// The gofmt step `sdetkit init` writes prints this above the file list.
const GOFMT_STEP: &str = "gofmt: these files need formatting";

/// Which formatter a hit is from (kept in its notes until the rerun is built).
const RUSTFMT_TOOL: &str = "rustfmt";
const GOFMT_TOOL: &str = "gofmt";
const PRETTIER_TOOL: &str = "prettier";

/// The phase of a hit from a bare file list: nothing follows.
const LISTED: u8 = 2;

/// Format checkers.
pub struct Format;

impl Matcher for Format {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Format, line);
        if let Some(c) = RUSTFMT.captures(line) {
            unformatted(&mut hit, &c[1], c[2].parse().ok(), None);
            hit.scratch.names.push(RUSTFMT_TOOL.to_string());
        } else if let Some(c) = WOULD.captures(line) {
            let tool = if c[1].starts_with('W') {
                "ruff format --check"
            } else {
                "black --check"
            };
            let command = format!("{tool} {}", shell_quote(&c[2]));
            unformatted(&mut hit, &c[2], None, Some(command));
        } else if let Some(c) = PRETTIER.captures(line) {
            let file = c[1].trim();
            if file.starts_with("Code style issues") || file.contains(' ') {
                return None;
            }
            unformatted(&mut hit, file, None, None);
            hit.scratch.names.push(PRETTIER_TOOL.to_string());
        } else if let Some(c) = PRETTIER_ERROR.captures(line) {
            hit = Hit::new(Layer::Runner, Classification::Format, &c[2]).at(
                Some(c[1].to_string()),
                c.get(3).and_then(|m| m.as_str().parse().ok()),
            );
            hit.scratch.names.push(PRETTIER_TOOL.to_string());
        } else if let Some(c) = GOFMT_DIFF.captures(line) {
            unformatted(&mut hit, &c[2], None, None);
            hit.scratch.names.push(GOFMT_TOOL.to_string());
        } else if line.starts_with(GOFMT_STEP) {
            hit.scratch.names.push(GOFMT_TOOL.to_string());
        } else if let Some(c) = GO_FILE
            .captures(line)
            .filter(|_| ctx.step.every_line && ctx.step.mentions("gofmt"))
        {
            unformatted(&mut hit, &c[1], None, None);
            hit.message = c[1].to_string();
            hit.scratch.names.push(GOFMT_TOOL.to_string());
            hit.scratch.phase = LISTED;
            return Some(hit);
        } else if !line.ends_with(RUFF_HEADING) {
            return None;
        }
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if hit.scratch.phase == LISTED {
            return Follow::Done;
        }
        let tool = hit.scratch.names.first().map(String::as_str);
        match tool {
            // The gofmt step's list: the first file under the heading.
            Some(GOFMT_TOOL) if hit.file.is_none() => {
                if let Some(c) = GO_FILE.captures(line.trim()) {
                    hit.message = format!("{}: {}", hit.message.trim_end_matches(':'), &c[1]);
                    hit.file = Some(c[1].to_string());
                    return Follow::Done;
                }
                Follow::More
            }
            // A diff: the first changed line below the hunk's start.
            Some(RUSTFMT_TOOL | GOFMT_TOOL) => {
                if let Some(c) = HUNK.captures(line) {
                    hit.line = c[1].parse().ok();
                    hit.scratch.phase = 1;
                    return Follow::More;
                }
                if line.starts_with(['-', '+'])
                    && !line.starts_with("---")
                    && !line.starts_with("+++")
                {
                    hit.closed = true;
                    return Follow::Done;
                }
                if hit.line.is_some()
                    && (hit.scratch.phase == 1 || hit.scratch.names[0] == RUSTFMT_TOOL)
                {
                    hit.line = hit.line.map(|l| l + 1);
                }
                if line.starts_with("Diff in ") || line.starts_with("diff ") {
                    return Follow::Done;
                }
                Follow::More
            }
            Some(_) => Follow::Done,
            None => {
                if hit.next_command.is_some() {
                    return Follow::Done;
                }
                // ruff's heading names no file: the ` --> path:line:col` under it does.
                let Some(c) = RUFF_AT.captures(line) else {
                    return Follow::More;
                };
                let command = format!("ruff format --check {}", shell_quote(&c[1]));
                unformatted(hit, &c[1], c[2].parse().ok(), Some(command));
                Follow::Done
            }
        }
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let Some(file) = hit.file.clone() else {
            return;
        };
        let file = step.relative(&file);
        match hit.scratch.names.first().map(String::as_str) {
            Some(RUSTFMT_TOOL) => {
                let package = match project(step) {
                    Project::Virtual | Project::RootOfWorkspace(_) => package_of(step, &file),
                    _ => None,
                };
                hit.next_command = Some(match package {
                    Some(p) => format!("cargo fmt --check -p {}", shell_quote(&p)),
                    None => "cargo fmt --check".to_string(),
                });
            }
            Some(GOFMT_TOOL) => {
                let simplify = step
                    .args_of("gofmt")
                    .is_some_and(|a| a.iter().any(|w| w.starts_with('-') && w.contains('s')));
                let flags = if simplify { "-s -l" } else { "-l" };
                hit.next_command = Some(format!(
                    "test -z \"$(gofmt {flags} {})\"",
                    shell_quote(&file)
                ));
            }
            Some(PRETTIER_TOOL) => {
                let exec = step.manager().exec("prettier");
                hit.next_command = Some(format!("{exec} --check {}", shell_quote(&file)));
            }
            _ => {}
        }
    }
}

/// Records that `file` (from `line` on) is not formatted as its formatter wants.
fn unformatted(hit: &mut Hit, file: &str, line: Option<u64>, command: Option<String>) {
    hit.message = format!("{file} is not formatted");
    hit.file = Some(file.to_string());
    hit.line = line;
    hit.next_command = command;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::search::first_hit;

    fn answer(log: &str) -> Hit {
        first_hit(log.as_bytes(), &Step::bare()).unwrap().unwrap()
    }

    #[test]
    fn rustfmt_names_the_changed_line() {
        let hit = answer(
            "Diff in /r/src/lib.rs:388:\n     a\n     b\n     c\n-    d  =  1;\n+    d = 1;\n",
        );
        assert_eq!(hit.line, Some(391));
        assert_eq!(hit.next_command.as_deref(), Some("cargo fmt --check"));
    }

    #[test]
    fn gofmt_diff_names_the_changed_line() {
        let log = "diff hmac.go.orig hmac.go\n--- hmac.go.orig\n+++ hmac.go\n@@ -70,7 +70,7 @@\n \t// a\n \t// b\n \t// c\n-\thasher  :=  x\n+\thasher := x\n";
        let hit = answer(log);
        assert_eq!(hit.file.as_deref(), Some("hmac.go"));
        assert_eq!(hit.line, Some(73));
        assert_eq!(
            hit.next_command.as_deref(),
            Some("test -z \"$(gofmt -l hmac.go)\"")
        );
    }

    #[test]
    fn prettier_names_the_file_not_the_summary() {
        let hit = answer(
            "Checking formatting...\n[warn] src/a.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.\n",
        );
        assert_eq!(hit.file.as_deref(), Some("src/a.ts"));
        assert_eq!(
            hit.next_command.as_deref(),
            Some("npx prettier --check src/a.ts")
        );
    }
}

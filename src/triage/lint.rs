//! Linters and type checkers of the JS and Python worlds: ruff (`RULE message` over
//! `--> path:line:col`, or `path:line:col: RULE message`), flake8 (`path:line:col: CODE
//! message`), eslint's stylish report (a file heading, then `  line:col  error  message
//! rule`), tsc (`path(line,col): error TS1234: message` or `path:line:col - error TS1234:
//! message`), and biome (`path:line:col lint/group/rule ━━━` or `path format ━━━`, with the
//! message on the `×` line under it).
//!
//! Reruns keep the step's own options: ruff's `--select`/`--ignore`, eslint's
//! `--max-warnings`, tsc's `--project`. ruff always reruns with `--no-fix`: with `fix =
//! true` in a repository's configuration a plain `ruff check` rewrites the files and passes.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::{Step, keep_options};
use super::{Classification, Layer};

static RUFF_RULE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^([A-Z]{1,4}\d{1,4}) (?:\[\*\] )?(.+)$"));
static RUFF_AT: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*--> (\S+\.pyi?):(\d+):\d+$"));
/// ruff's concise and pre-0.5 full format, and flake8's (and pycodestyle's) format.
static PY_DIAGNOSTIC: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(\S+\.pyi?):(\d+):\d+: ([A-Z]{1,4}\d{1,4})( \[\*\])? (.+)$"));
static RUFF_SUMMARY: LazyLock<Regex> = LazyLock::new(|| pattern(r"^Found \d+ errors?\.?"));
static ESLINT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\s+(\d+):\d+\s+error\s+(.+?)(?:\s{2,}(\S+))?$"));
static TSC: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(\S+\.[cm]?[jt]sx?)(?:\((\d+),\d+\):|:(\d+):\d+ -) error (TS\d+: .+)$")
});
static BIOME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(\S+?)(?::(\d+):\d+)? ((?:lint|assist)/\S+|format|parse|check|organizeImports)\b.*\u{2501}{3,}$",
    )
});
static BIOME_MESSAGE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*[\u{d7}!i] (.+)$"));
/// A line of biome's format diff: `  54     │ - ··old` (the old line's number first).
static BIOME_DIFF: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\s*(\d+)?\s+(\d+)?\s*\u{2502} ([-+]) "));

/// Lines looked back over for a rule heading or a file heading.
const LOOK_BACK: usize = 200;
/// Lines a flake8/ruff diagnostic is followed for ruff's summary.
const SUMMARY_WITHIN: usize = 40;

/// Which tool a diagnostic came from, kept in its notes until the rerun is built.
const RUFF: &str = "ruff";
const FLAKE8: &str = "flake8";
const BIOME_TOOL: &str = "biome";

/// ruff, flake8, eslint, tsc and biome.
pub struct Lint;

impl Matcher for Lint {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        tsc(line, ctx.step)
            .or_else(|| eslint(line, ctx))
            .or_else(|| biome(line))
            .or_else(|| python(line, ctx))
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        match hit.scratch.names.first().map(String::as_str) {
            Some(BIOME_TOOL) => biome_details(hit, line),
            Some(FLAKE8) => {
                // Until shown otherwise: ruff sums up with `Found N errors`, flake8 does not.
                hit.scratch.phase += 1;
                if RUFF_SUMMARY.is_match(line) {
                    hit.scratch.names[0] = RUFF.to_string();
                    return Follow::Done;
                }
                if usize::from(hit.scratch.phase) >= SUMMARY_WITHIN {
                    return Follow::Done;
                }
                if !hit.closed && PY_DIAGNOSTIC.is_match(line) {
                    hit.closed = true;
                }
                Follow::More
            }
            _ => Follow::Done,
        }
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let Some(file) = hit.file.clone() else {
            return;
        };
        let file = shell_quote(&step.relative(&file));
        match hit.scratch.names.first().map(String::as_str) {
            Some(RUFF) => hit.next_command = Some(ruff_command(step, &file)),
            Some(FLAKE8) => {
                hit.next_command = Some(if step.mentions("ruff") {
                    ruff_command(step, &file)
                } else {
                    flake8_command(step, &file)
                });
            }
            Some(BIOME_TOOL) => {
                let sub = hit.scratch.names.get(1).cloned().unwrap_or_default();
                hit.next_command = Some(biome_command(step, &sub, &file));
            }
            Some("eslint") => {
                const VALUED: &[&str] = &[
                    "--max-warnings",
                    "--config",
                    "-c",
                    "--ext",
                    "--resolve-plugins-relative-to",
                    "--rulesdir",
                    "--parser",
                    "--parser-options",
                    "--plugin",
                    "--rule",
                    "--env",
                    "--global",
                    "--ignore-path",
                ];
                let mut words = vec![step.manager().exec("eslint")];
                let args = step.args_of("eslint").unwrap_or_default();
                let kept = keep_options(&args, VALUED, &["--no-eslintrc", "--no-config-lookup"]);
                words.extend(kept.iter().map(|w| shell_quote(w)));
                words.push(file);
                hit.next_command = Some(words.join(" "));
            }
            Some("tsc") => {
                let mut words = vec![step.manager().exec("tsc")];
                let args = step.args_of("tsc").unwrap_or_default();
                if !args.iter().any(|a| a == "-b" || a == "--build") {
                    words.push("--noEmit".to_string());
                }
                let kept = keep_options(&args, &["-p", "--project"], &["-b", "--build"]);
                words.extend(kept.iter().map(|w| shell_quote(w)));
                hit.next_command = Some(words.join(" "));
            }
            _ => {}
        }
    }
}

fn tsc(line: &str, _step: &Step) -> Option<Hit> {
    let c = TSC.captures(line)?;
    let at = c.get(2).or(c.get(3)).and_then(|m| m.as_str().parse().ok());
    let mut hit =
        Hit::new(Layer::Runner, Classification::Type, &c[4]).at(Some(c[1].to_string()), at);
    hit.scratch.names.push("tsc".to_string());
    Some(hit)
}

/// An eslint problem line; its file is the nearest unindented line above it.
fn eslint(line: &str, ctx: &Context) -> Option<Hit> {
    let c = ESLINT.captures(line)?;
    let lines = ctx.before(LOOK_BACK);
    let file = lines
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with(char::is_whitespace))?;
    let message = match c.get(3) {
        Some(rule) => format!("{}  {}", &c[2], rule.as_str()),
        None => c[2].to_string(),
    };
    let mut hit = Hit::new(Layer::Runner, Classification::Lint, message)
        .at(Some(file.clone()), c[1].parse().ok());
    hit.scratch.names.push("eslint".to_string());
    Some(hit)
}

/// A biome diagnostic heading: `path:line:col category ━━━`.
fn biome(line: &str) -> Option<Hit> {
    let c = BIOME.captures(line)?;
    let category = &c[3];
    let classification = match category {
        "format" => Classification::Format,
        "parse" => Classification::Build,
        _ => Classification::Lint,
    };
    let mut hit = Hit::new(Layer::Runner, classification, category).at(
        Some(c[1].to_string()),
        c.get(2).and_then(|m| m.as_str().parse().ok()),
    );
    let sub = match category {
        "format" => "format",
        c if c.starts_with("lint/") => "lint",
        _ => "check",
    };
    hit.scratch.names = vec![BIOME_TOOL.to_string(), sub.to_string()];
    Some(hit)
}

/// Under a biome heading: the `×` line is the message; a format diff's first changed line
/// is the location.
fn biome_details(hit: &mut Hit, line: &str) -> Follow {
    if hit.scratch.phase == 0 {
        if let Some(c) = BIOME_MESSAGE.captures(line) {
            hit.message = format!("{}: {}", hit.message, c[1].trim_end_matches(':'));
            hit.scratch.phase = 1;
            if hit.classification != Classification::Format {
                hit.closed = true;
                return Follow::Done;
            }
        }
        return Follow::More;
    }
    if let Some(c) = BIOME_DIFF.captures(line) {
        // The old line's number for a removed line, the new one's for an added line.
        let (first, second) = (c.get(1), c.get(2));
        let number = if &c[3] == "-" {
            first.or(second)
        } else {
            second.or(first)
        };
        hit.line = number.and_then(|m| m.as_str().parse().ok());
        hit.closed = true;
        return Follow::Done;
    }
    if BIOME.is_match(line) {
        return Follow::Done;
    }
    Follow::More
}

/// A ruff location line under its rule heading, a `path:line:col: CODE message` line
/// (ruff's concise format, flake8), or ruff's summary with the first concise diagnostic
/// above it.
fn python(line: &str, ctx: &Context) -> Option<Hit> {
    let (file, at, message, tool) = if let Some(c) = RUFF_AT.captures(line) {
        let heading = ctx.before(1).pop()?;
        let rule = RUFF_RULE.captures(&heading)?;
        (
            c[1].to_string(),
            c[2].parse().ok(),
            format!("{} {}", &rule[1], &rule[2]),
            RUFF,
        )
    } else if let Some(c) = PY_DIAGNOSTIC.captures(line) {
        // ruff marks fixable rules `[*]`; without it, the tool is known later, if at all.
        let tool = if c.get(4).is_some() { RUFF } else { FLAKE8 };
        (
            c[1].to_string(),
            c[2].parse().ok(),
            format!("{} {}", &c[3], &c[5]),
            tool,
        )
    } else if RUFF_SUMMARY.is_match(line) {
        let lines = ctx.before(LOOK_BACK);
        let c = lines.iter().find_map(|l| PY_DIAGNOSTIC.captures(l))?;
        (
            c[1].to_string(),
            c[2].parse().ok(),
            format!("{} {}", &c[3], &c[5]),
            RUFF,
        )
    } else {
        return None;
    };
    let mut hit = Hit::new(Layer::Runner, Classification::Lint, message).at(Some(file), at);
    let tool = if ctx.step.mentions("ruff") {
        RUFF
    } else if ctx.step.mentions("flake8") {
        FLAKE8
    } else {
        tool
    };
    hit.scratch.names.push(tool.to_string());
    Some(hit)
}

/// `ruff check --no-fix <the step's rule selection> <file>`.
fn ruff_command(step: &Step, file: &str) -> String {
    const VALUED: &[&str] = &[
        "--select",
        "--ignore",
        "--extend-select",
        "--extend-ignore",
        "--config",
        "--target-version",
        "--line-length",
    ];
    const FLAGS: &[&str] = &["--preview", "--isolated", "--no-preview"];
    python_tool_command(step, "ruff", &["check", "--no-fix"], (VALUED, FLAGS), file)
}

/// `flake8 <the step's options> <file>`.
fn flake8_command(step: &Step, file: &str) -> String {
    const VALUED: &[&str] = &[
        "--select",
        "--ignore",
        "--extend-select",
        "--extend-ignore",
        "--config",
        "--max-line-length",
        "--max-complexity",
        "--append-config",
    ];
    python_tool_command(step, "flake8", &[], (VALUED, &["--isolated"]), file)
}

/// `<how the step starts tool> <fixed words> <the step's options that select what is
/// checked (valued, flags)> <file>`.
fn python_tool_command(
    step: &Step,
    tool: &str,
    fixed: &[&str],
    (valued, flags): (&[&str], &[&str]),
    file: &str,
) -> String {
    let args = step.args_of(tool).unwrap_or_default();
    let (prefix, args) = invocation(step, tool, &args);
    let kept = keep_options(&args, valued, flags);
    let mut words = vec![prefix];
    words.extend(fixed.iter().map(|w| w.to_string()));
    words.extend(kept.iter().map(|w| shell_quote(w)));
    words.push(file.to_string());
    words.join(" ")
}

/// `<exec> biome <lint|format|check> <file>`: the step's own biome command when it names
/// one, else the one that reports the diagnostic's category.
fn biome_command(step: &Step, category: &str, file: &str) -> String {
    let sub = step
        .args_of("biome")
        .and_then(|a| a.first().cloned())
        .filter(|s| ["lint", "format", "check", "ci"].contains(&s.as_str()))
        .unwrap_or_else(|| category.to_string());
    let sub = if sub == "ci" {
        "check".to_string()
    } else {
        sub
    };
    format!("{} {sub} {file}", step.manager().exec("biome"))
}

/// How the step starts a Python tool (`ruff`, `python -m ruff`, `uv run ruff`), and the
/// tool's arguments after its subcommand.
fn invocation(step: &Step, tool: &str, args: &[String]) -> (String, Vec<String>) {
    let prefix = step
        .segments()
        .into_iter()
        .find_map(|segment| {
            let at = segment
                .iter()
                .position(|w| super::step::program_name(w) == tool)?;
            // Only the words of a runner (`python -m`, `uv run`) come along.
            let runner = segment[..at].iter().filter(|w| !w.contains('=')).all(|w| {
                let w = super::step::program_name(w);
                w.starts_with("python")
                    || [
                        "-m", "uv", "uvx", "run", "poetry", "pipx", "pdm", "hatch", "rye", "env",
                    ]
                    .contains(&w)
            });
            let start = if runner { 0 } else { at };
            let words: Vec<String> = segment[start..=at]
                .iter()
                .filter(|w| !w.contains('='))
                .map(|w| shell_quote(w))
                .collect();
            Some(words.join(" "))
        })
        .unwrap_or_else(|| tool.to_string());
    let args = match args.first().map(String::as_str) {
        Some("check") => args[1..].to_vec(),
        _ => args.to_vec(),
    };
    (prefix, args)
}

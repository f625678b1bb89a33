//! What one command from CI, tox, nox or pre-commit is to the fast gate: a local check (format,
//! lint, type-check, test, build), the ecosystem's install, a runner to look into (tox, nox,
//! pre-commit), or something to leave out, with the reason.
//!
//! A check is proposed as CI runs it, with three exceptions that keep the gate from changing the
//! repository: `ruff check` gets `--no-fix`, and coverage options (`--cov…`, `-coverprofile`)
//! are dropped, because they write files and need plugins that measure, not check.

use std::path::Path;

use crate::tools::node::{self, Invocation};
use crate::tools::shell;

/// The ecosystem a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Eco {
    /// Cargo.
    Rust,
    /// Python tools.
    Python,
    /// npm, pnpm, yarn, bun and Node tools.
    Node,
    /// The go command and Go linters.
    Go,
    /// Makefile targets.
    Make,
    /// Anything else CI runs that is a check (a grammar's `tree-sitter test`, a test script).
    Other,
}

impl Eco {
    /// Its name in findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Eco::Rust => "rust",
            Eco::Python => "python",
            Eco::Node => "node",
            Eco::Go => "go",
            Eco::Make => "make",
            Eco::Other => "other",
        }
    }
}

/// What kind of check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A formatting check.
    Format,
    /// A linter.
    Lint,
    /// A type checker.
    Types,
    /// Tests.
    Test,
    /// A build that checks something (compiles).
    Build,
}

/// A check to propose.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Its ecosystem.
    pub eco: Eco,
    /// Its kind.
    pub kind: Kind,
    /// The step id it suggests (made unique later).
    pub id: String,
    /// The command to run.
    pub run: String,
    /// What was changed from the original command, and why.
    pub note: Option<String>,
}

/// What a command is to the fast gate.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A check.
    Check(Check),
    /// The ecosystem's dependency install (becomes `[setup]`).
    Setup(Eco),
    /// `tox`, with the environments it names (empty: its default list).
    Tox(Vec<String>),
    /// `nox`, with the sessions it names (empty: all).
    Nox(Vec<String>),
    /// `pre-commit run`: its hooks.
    PreCommit,
    /// Left out, and why.
    Drop(String),
}

/// One command of a line, with what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The command's text.
    pub text: String,
    /// Working directory relative to the line's (`cd sub && …`).
    pub cwd: Option<String>,
    /// What it is.
    pub verdict: Verdict,
}

fn check(eco: Eco, kind: Kind, id: &str, run: String) -> Verdict {
    Verdict::Check(Check {
        eco,
        kind,
        id: id.to_string(),
        run,
        note: None,
    })
}

fn drop(reason: impl Into<String>) -> Verdict {
    Verdict::Drop(reason.into())
}

/// The commands of one logical shell line, run in `dir` (absolute), and what each is.
pub fn line(text: &str, dir: &Path) -> Vec<Part> {
    let text = text.trim();
    let part = |text: &str, verdict| Part {
        text: text.to_string(),
        cwd: None,
        verdict,
    };
    if text.contains(super::ci::UNKNOWN) && !text.contains("tox") {
        return vec![part(
            text,
            drop("uses a CI expression (`${{ … }}`) that only CI can evaluate"),
        )];
    }
    if ignores_failure(text) {
        return vec![part(text, drop("its failure is ignored (`|| true`)"))];
    }
    if let Some(parts) = shell::split_list(text).filter(|p| p.len() > 1) {
        let mut out = Vec::new();
        let mut cwd: Option<String> = None;
        for p in parts {
            let words = first_command(&p);
            if words.first().map(String::as_str) == Some("cd") {
                let to = words.get(1).cloned().unwrap_or_default();
                cwd = Some(match &cwd {
                    Some(c) => format!("{c}/{to}"),
                    None => to,
                });
                continue;
            }
            let here = cwd.as_ref().map_or(dir.to_path_buf(), |c| dir.join(c));
            for mut inner in line(&p, &here) {
                inner.cwd = cwd.clone();
                out.push(inner);
            }
        }
        return out;
    }
    let commands = shell::commands(text);
    if commands.len() == 1 && !text.contains('|') {
        return vec![part(text, simple(&commands[0], text, dir))];
    }
    // A pipeline whose first command is a check: the check alone (the rest formats output).
    if let Some((head, _)) = text.split_once(" | ")
        && !head.contains("$(")
        && shell::split_list(head).is_some_and(|p| p.len() == 1)
        && let Some(words) = shell::commands(head).first()
        && let v @ Verdict::Check(_) = simple(words, head.trim(), dir)
    {
        return vec![part(
            head.trim(),
            with_note(v, "its output piping was left out"),
        )];
    }
    let checks: Vec<(String, Verdict)> = commands
        .iter()
        .map(|words| {
            let t = join(words);
            let v = simple(words, &t, dir);
            (t, v)
        })
        .filter(|(_, v)| matches!(v, Verdict::Check(_)))
        .collect();
    let Some((_, first)) = checks.first() else {
        // The outermost command says what the line does (`echo "$(git log)" >> $GITHUB_ENV`).
        let verdict = match commands.last() {
            Some(words) => simple(words, text, dir),
            None => drop("not a command"),
        };
        return vec![part(text, verdict)];
    };
    // A construct that fails on purpose (`test -z "$(gofmt -l .)"`, `if …; then exit 1; fi`,
    // `diff <(…) <(…)`) is the check as a whole.
    let first_word = commands
        .last()
        .and_then(|c| c.first())
        .map(String::as_str)
        .unwrap_or("");
    let whole = fails_on_purpose(text) || matches!(first_word, "test" | "[" | "[[" | "diff" | "!");
    if whole {
        let Verdict::Check(c) = first.clone() else {
            unreachable!("filtered to checks")
        };
        let run = if needs_bash(text) {
            format!("bash -c {}", quote(text))
        } else {
            text.to_string()
        };
        return vec![part(
            text,
            Verdict::Check(Check {
                run,
                note: None,
                ..c
            }),
        )];
    }
    checks
        .into_iter()
        .map(|(t, v)| part(&t, with_note(v, "taken out of a compound CI command")))
        .collect()
}

fn with_note(v: Verdict, note: &str) -> Verdict {
    match v {
        Verdict::Check(c) => Verdict::Check(Check {
            note: c.note.or_else(|| Some(note.to_string())),
            ..c
        }),
        other => other,
    }
}

fn ignores_failure(text: &str) -> bool {
    let t = text.trim_end().trim_end_matches(';').trim_end();
    ["|| true", "|| :", "|| exit 0", "||true"]
        .iter()
        .any(|s| t.ends_with(s))
        || t.rsplit_once("||")
            .is_some_and(|(_, tail)| tail.trim().starts_with("echo"))
}

fn fails_on_purpose(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .any(|w| w[0] == "exit" && w[1] != "0" && !w[1].starts_with('$'))
        || words.contains(&"false")
}

fn needs_bash(text: &str) -> bool {
    ["<(", ">(", "[[", "$'", "((", "pipefail"]
        .iter()
        .any(|s| text.contains(s))
}

/// The words of the first simple command of `text`.
fn first_command(text: &str) -> Vec<String> {
    shell::commands(text).into_iter().next().unwrap_or_default()
}

/// Quotes a word for `sh` when it needs it.
pub fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
    {
        word.to_string()
    } else if word.contains('$') {
        // An expansion stays an expansion.
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Words back into a command line.
pub fn join(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// Programs that wrap the command after them (and their own options).
const WRAPPERS: &[&str] = &[
    "time", "env", "xvfb-run", "timeout", "nice", "command", "exec",
];

/// What one simple command is; `text` is how it was written (kept when proposed as is).
pub fn simple(words: &[String], text: &str, dir: &Path) -> Verdict {
    let Some(program) = words.first() else {
        return drop("not a command");
    };
    let name = program.rsplit('/').next().unwrap_or(program).to_string();
    let has = |flag: &str| {
        words
            .iter()
            .any(|w| w == flag || w.starts_with(&format!("{flag}=")))
    };
    if WRAPPERS.contains(&name.as_str()) {
        let mut i = 1;
        while i < words.len() && (words[i].starts_with('-') || shell::is_assignment(&words[i])) {
            i += 1;
        }
        if name == "timeout" {
            i += 1;
        }
        return match simple(&words[i.min(words.len())..], text, dir) {
            Verdict::Check(c) => Verdict::Check(Check {
                run: text.to_string(),
                ..c
            }),
            other => other,
        };
    }
    match name.as_str() {
        "cargo" => cargo(words, text),
        "rustup" | "rustc" => drop("toolchain setup, not a check"),
        "go" => go(words, text),
        "gofmt" if has("-w") => drop("rewrites files (`gofmt -w`)"),
        "gofmt" => check(Eco::Go, Kind::Format, "gofmt", text.to_string()),
        "golangci-lint" if words.get(1).is_some_and(|w| w == "run") => {
            check(Eco::Go, Kind::Lint, "golangci-lint", text.to_string())
        }
        "staticcheck" => check(Eco::Go, Kind::Lint, "staticcheck", text.to_string()),
        "npm" | "pnpm" | "yarn" | "bun" | "npx" | "pnpx" => node_command(words, text, dir),
        "node" => node_program(words, text),
        "eslint" | "prettier" | "tsc" | "jest" | "vitest" | "biome" | "mocha" | "attw"
        | "stylelint" | "oxlint" | "vue-tsc" | "ava" | "playwright" => match node_tool(words) {
            Some((kind, _)) => check(Eco::Node, kind, &name, text.to_string()),
            None => drop(format!("`{name}` as called here rewrites files or watches")),
        },
        n if is_python(n) => python(words, text),
        "pytest" | "py.test" | "flake8" | "mypy" | "ruff" | "black" | "isort" | "pylint"
        | "pyright" | "basedpyright" | "coverage" | "codespell" | "bandit" | "pydocstyle" => {
            python_tool(words, text)
        }
        "tox" => Verdict::Tox(tox_envs(&words[1..])),
        "nox" => Verdict::Nox(flag_values(
            &words[1..],
            &["-s", "--session", "--sessions", "-e"],
        )),
        "pre-commit" | "prek" if words.get(1).is_some_and(|w| w == "run") => Verdict::PreCommit,
        "pre-commit" | "prek" => drop("pre-commit setup, not a check"),
        "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye" => python_manager(words, text, dir),
        "pip" | "pip3" if words.get(1).is_some_and(|w| w == "install") => {
            Verdict::Setup(Eco::Python)
        }
        "make" | "gmake" => make(words, text),
        "tree-sitter" => match words.get(1).map(String::as_str) {
            Some("test") => check(Eco::Other, Kind::Test, "tree-sitter-test", text.to_string()),
            Some("generate") => drop("regenerates the parser (writes files)"),
            _ => drop("not a tree-sitter check"),
        },
        "shellcheck" => check(Eco::Other, Kind::Lint, "shellcheck", text.to_string()),
        "ctest" | "cmake" => drop("needs the build directory an earlier CI step configures"),
        "codecov" | "coveralls" | "goveralls" | "curl" | "wget" | "gh" => {
            drop("needs the network (uploads or downloads)")
        }
        "docker" | "podman" | "docker-compose" => drop("needs a container engine"),
        "sudo" | "apt" | "apt-get" | "brew" | "choco" | "yum" | "dnf" | "apk" | "snap" => {
            drop("installs system packages")
        }
        "git" => drop("git plumbing, not a check on its own"),
        _ if program.starts_with("./") || program.contains('/') || name.ends_with(".sh") => {
            repository_script(words, text)
        }
        "bash" | "sh" => match words.get(1) {
            Some(script) if !script.starts_with('-') => repository_script(&words[1..], text),
            _ => drop("an inline shell script, not a recognised check"),
        },
        _ if shell_builtin(&name) => drop("not a check"),
        _ => drop(format!("`{name}` is not a recognised check")),
    }
}

fn shell_builtin(name: &str) -> bool {
    [
        "echo", "printf", "cd", "export", "set", "exit", "true", "false", "cat", "ls", "mkdir",
        "rm", "cp", "mv", "chmod", "touch", "test", "[", "source", ".", "unset", "pwd", "tee",
        "sleep", "which", "wc", "diff", "head", "tail", "find", "grep", "sed", "awk", "tar",
        "unzip", "ln", "df", "du", "uname", "date", "env", "printenv", ":",
    ]
    .contains(&name)
}

/// A script of the repository (`./ci/test.sh`): proposed when its name says it checks.
fn repository_script(words: &[String], text: &str) -> Verdict {
    let Some(script) = words.first() else {
        return drop("not a command");
    };
    let file = script
        .rsplit('/')
        .next()
        .unwrap_or(script)
        .to_ascii_lowercase();
    let kind = if file.contains("test") {
        Kind::Test
    } else if file.contains("lint") || file.contains("check") {
        Kind::Lint
    } else if file.contains("fmt") || file.contains("format") {
        Kind::Format
    } else {
        return drop(format!(
            "repository script `{script}` does not say it checks anything"
        ));
    };
    let stem = file.split('.').next().unwrap_or("script");
    check(Eco::Other, kind, stem, text.to_string())
}

fn subcommand(words: &[String]) -> Option<&str> {
    words[1..]
        .iter()
        .map(String::as_str)
        .find(|w| !w.starts_with('-') && !w.starts_with('+'))
}

fn cargo(words: &[String], text: &str) -> Verdict {
    if words
        .iter()
        .any(|w| w == "+nightly" || w.starts_with("+nightly-"))
    {
        return drop("nightly-only (`+nightly`)");
    }
    if words.iter().any(|w| w.starts_with("-Z")) {
        return drop("nightly-only (`-Z` flag)");
    }
    let has = |f: &str| words.iter().any(|w| w == f);
    let sub = subcommand(words).unwrap_or("");
    let rust = |kind, id: &str| check(Eco::Rust, kind, id, text.to_string());
    match sub {
        "fmt" if has("--check") => rust(Kind::Format, "cargo-fmt"),
        "fmt" => drop("rewrites files (`cargo fmt` without `--check`)"),
        "clippy" if has("--fix") => drop("rewrites files (`--fix`)"),
        "clippy" => rust(Kind::Lint, "cargo-clippy"),
        "test" if has("--no-run") => rust(Kind::Build, "cargo-build"),
        "test" => rust(Kind::Test, "cargo-test"),
        "nextest" => rust(Kind::Test, "cargo-nextest"),
        "check" => rust(Kind::Build, "cargo-check"),
        "build" => rust(Kind::Build, "cargo-build"),
        "doc" | "docs-rs" | "rustdoc" => drop("documentation build, not a fast check"),
        "bench" => drop("benchmarks, not a fast check"),
        "miri" => drop("nightly-only (miri)"),
        "fetch" => Verdict::Setup(Eco::Rust),
        "install" | "binstall" => drop("installs a tool"),
        "update" | "generate-lockfile" | "outdated" | "audit" | "deny" | "search" => {
            drop("queries the registry (needs the network)")
        }
        "publish" | "package" | "login" | "owner" | "yank" | "release" => drop("a release step"),
        "tarpaulin" | "llvm-cov" => drop("coverage measurement, not a check"),
        "" => drop("not a cargo check"),
        plugin => drop(format!(
            "`cargo {plugin}` needs the third-party plugin cargo-{plugin}; add it to sdetkit.toml to run it"
        )),
    }
}

/// Removes `flags` (and `flag=value`, and the value after a bare flag in `with_value`).
fn strip_flags(words: &[String], prefixes: &[&str], with_value: &[&str]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut changed = false;
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if with_value.contains(&w.as_str()) {
            changed = true;
            skip_next = true;
            continue;
        }
        if prefixes
            .iter()
            .any(|p| w == p || w.starts_with(&format!("{p}=")))
        {
            changed = true;
            continue;
        }
        out.push(w.clone());
    }
    (out, changed)
}

fn go(words: &[String], text: &str) -> Verdict {
    let sub = subcommand(words).unwrap_or("");
    match sub {
        "test" => {
            let (kept, changed) = strip_flags(
                words,
                &[
                    "-cover",
                    "-coverprofile",
                    "-covermode",
                    "-coverpkg",
                    "--coverprofile",
                ],
                &["-coverprofile", "-covermode", "-coverpkg"],
            );
            let mut v = check(
                Eco::Go,
                Kind::Test,
                "go-test",
                if changed {
                    join(&kept)
                } else {
                    text.to_string()
                },
            );
            if changed {
                v = with_note(
                    v,
                    "coverage flags dropped (they write a profile into the repository)",
                );
            }
            v
        }
        "vet" => check(Eco::Go, Kind::Lint, "go-vet", text.to_string()),
        "build" => check(Eco::Go, Kind::Build, "go-build", text.to_string()),
        "mod" if words.iter().any(|w| w == "download") => Verdict::Setup(Eco::Go),
        "mod" if words.iter().any(|w| w == "verify") => {
            check(Eco::Go, Kind::Lint, "go-mod-verify", text.to_string())
        }
        "mod" | "get" | "install" => drop("changes or downloads modules"),
        "generate" => drop("regenerates files"),
        "fmt" => drop("rewrites files (`go fmt`)"),
        _ => drop(format!("`go {sub}` is not a check")),
    }
}

fn node_command(words: &[String], text: &str, dir: &Path) -> Verdict {
    match node::invocation(words, dir) {
        Some(Invocation::Script(name)) => match node::script(dir, &name) {
            Some(body) => node_script(&name, &body, text),
            None => drop(format!("package.json has no `{name}` script")),
        },
        Some(Invocation::Bin(tool)) => match node_tool(&words_after(words, &tool)) {
            Some((kind, _)) => check(Eco::Node, kind, &tool, text.to_string()),
            None => drop(format!(
                "`{tool}` is not a recognised check, or rewrites files"
            )),
        },
        Some(Invocation::Own(cmd)) => match cmd.as_str() {
            "install" | "i" | "ci" | "add" => Verdict::Setup(Eco::Node),
            "publish" | "pack" | "version" | "release" => drop("a release step"),
            "audit" | "outdated" | "view" | "info" => {
                drop("queries the registry (needs the network)")
            }
            "prune" | "dedupe" | "rebuild" => drop("changes node_modules"),
            other => drop(format!("`{} {other}` is not a check", words[0])),
        },
        None => Verdict::Setup(Eco::Node),
    }
}

/// `tool` and the words after it.
fn words_after(words: &[String], tool: &str) -> Vec<String> {
    let at = words.iter().position(|w| w == tool).unwrap_or(0);
    words[at..].to_vec()
}

/// What a Node tool called as `words` checks, if it checks and does not rewrite.
fn node_tool(words: &[String]) -> Option<(Kind, ())> {
    let name = words.first()?.rsplit('/').next()?.to_string();
    let has = |f: &str| {
        words
            .iter()
            .any(|w| w == f || w.starts_with(&format!("{f}=")))
    };
    if has("--watch") || has("--fix") || has("--write") || has("--apply") || has("--apply-unsafe") {
        return None;
    }
    let kind = match name.as_str() {
        "eslint" | "oxlint" | "stylelint" | "markdownlint" | "attw" | "publint" => Kind::Lint,
        "prettier" if has("--check") || has("-c") || has("--list-different") || has("-l") => {
            Kind::Format
        }
        "tsc" | "vue-tsc" => Kind::Types,
        "jest" | "vitest" | "mocha" | "ava" | "tap" | "playwright" | "c8" => Kind::Test,
        "biome" => match words.get(1).map(String::as_str) {
            Some("format") => Kind::Format,
            Some("lint" | "check" | "ci") => Kind::Lint,
            _ => return None,
        },
        _ => return None,
    };
    Some((kind, ()))
}

/// A `package.json` script CI (or the repository) runs, by name and body.
pub fn node_script(name: &str, body: &str, text: &str) -> Verdict {
    let lower = name.to_ascii_lowercase();
    let id = format!(
        "{}-{}",
        text.split_whitespace().next().unwrap_or("npm"),
        name.replace([':', '/'], "-")
    );
    if [
        "start",
        "dev",
        "serve",
        "watch",
        "prepare",
        "release",
        "deploy",
        "publish",
        "clean",
        "postinstall",
        "install",
        "preinstall",
        "docs",
    ]
    .iter()
    .any(|n| lower == *n || lower.starts_with(&format!("{n}:")))
        || lower.starts_with("prepublish")
    {
        return drop(format!("script `{name}` is not a check"));
    }
    if body.contains("no test specified") {
        return drop(format!("script `{name}` is the npm placeholder"));
    }
    let rewrites = [
        "--write",
        "--fix",
        " -w ",
        "--apply",
        "format:fix",
        "lint:fix",
    ]
    .iter()
    .any(|f| body.contains(f) || body.ends_with(f.trim_end()));
    if rewrites || lower.ends_with(":fix") {
        return drop(format!("script `{name}` rewrites files"));
    }
    if body.contains("--watch") {
        return drop(format!("script `{name}` watches for changes"));
    }
    let by_name =
        if lower.starts_with("test") || lower.starts_with("e2e") || lower.ends_with(":test") {
            Some(Kind::Test)
        } else if lower == "lint" || lower.starts_with("lint:") {
            Some(Kind::Lint)
        } else if [
            "typecheck",
            "type-check",
            "types",
            "tsc",
            "check-types",
            "check:types",
            "typecheck:all",
        ]
        .contains(&lower.as_str())
            || lower.starts_with("typecheck:")
        {
            Some(Kind::Types)
        } else if lower.contains("format") || lower.starts_with("fmt") || lower.contains("prettier")
        {
            Some(Kind::Format)
        } else if lower == "check"
            || lower.starts_with("check:")
            || ["validate", "verify", "ci"].contains(&lower.as_str())
        {
            Some(Kind::Lint)
        } else if lower == "build" || lower.starts_with("build:") {
            Some(Kind::Build)
        } else {
            None
        };
    let by_body = shell::commands(body).iter().find_map(|w| {
        node_tool(w).map(|(k, _)| k).or_else(|| {
            (w.first().is_some_and(|p| p == "node") && w.iter().any(|a| a == "--test"))
                .then_some(Kind::Test)
        })
    });
    match by_name.or(by_body) {
        Some(kind) => check(Eco::Node, kind, &id, text.to_string()),
        None => drop(format!("script `{name}` is not a recognised check")),
    }
}

fn node_program(words: &[String], text: &str) -> Verdict {
    if words.iter().any(|w| w == "--test") {
        return check(Eco::Node, Kind::Test, "node-test", text.to_string());
    }
    match words.iter().skip(1).find(|w| !w.starts_with('-')) {
        Some(file) if file.contains("test") => {
            let stem = file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .split('.')
                .next()
                .unwrap_or("test");
            check(
                Eco::Node,
                Kind::Test,
                &format!("node-{stem}"),
                text.to_string(),
            )
        }
        _ => drop("a node script that does not say it tests"),
    }
}

fn is_python(name: &str) -> bool {
    name == "python"
        || name == "python3"
        || name == "py"
        || (name.starts_with("python3.") && name[8..].chars().all(|c| c.is_ascii_digit()))
}

fn python(words: &[String], text: &str) -> Verdict {
    let Some(at) = words.iter().position(|w| w == "-m") else {
        return match words.get(1) {
            Some(file) if file.ends_with("setup.py") => drop("`setup.py` commands are not checks"),
            Some(file) if !file.starts_with('-') => repository_script(&words[1..], text),
            _ => drop("not a check"),
        };
    };
    let Some(module) = words.get(at + 1) else {
        return drop("not a check");
    };
    let rest = &words[at + 1..];
    match module.as_str() {
        "pip" if rest.get(1).is_some_and(|w| w == "install") => Verdict::Setup(Eco::Python),
        "pip" | "build" | "twine" | "venv" | "virtualenv" | "ensurepip" => {
            drop("packaging or setup, not a check")
        }
        "unittest" => check(Eco::Python, Kind::Test, "unittest", text.to_string()),
        "tox" => Verdict::Tox(tox_envs(&rest[1..])),
        "nox" => Verdict::Nox(flag_values(
            &rest[1..],
            &["-s", "--session", "--sessions", "-e"],
        )),
        "pre_commit" if rest.get(1).is_some_and(|w| w == "run") => Verdict::PreCommit,
        _ => match python_tool(rest, text) {
            Verdict::Drop(r) if r.contains("is not a recognised") => {
                drop(format!("`python -m {module}` is not a recognised check"))
            }
            Verdict::Check(c) if c.run != text => {
                // The tool's own rewrite (`--no-fix`, coverage flags) applies to `-m` too.
                let mut fixed: Vec<String> = words[..=at].to_vec();
                fixed.extend(
                    shell::commands(&c.run)
                        .into_iter()
                        .next()
                        .unwrap_or_default(),
                );
                Verdict::Check(Check {
                    run: join(&fixed),
                    ..c
                })
            }
            other => other,
        },
    }
}

fn python_tool(words: &[String], text: &str) -> Verdict {
    let name = words[0].rsplit('/').next().unwrap_or(&words[0]).to_string();
    let has = |f: &str| {
        words
            .iter()
            .any(|w| w == f || w.starts_with(&format!("{f}=")))
    };
    let py = |kind, id: &str, run: String| check(Eco::Python, kind, id, run);
    match name.as_str() {
        "pytest" | "py.test" => {
            let (kept, changed) = strip_flags(
                words,
                &[
                    "--cov",
                    "--cov-report",
                    "--cov-config",
                    "--cov-branch",
                    "--cov-append",
                    "--cov-fail-under",
                    "--no-cov",
                ],
                &["--cov-report", "--cov-config"],
            );
            let v = py(
                Kind::Test,
                "pytest",
                if changed {
                    join(&kept)
                } else {
                    text.to_string()
                },
            );
            if changed {
                with_note(
                    v,
                    "coverage options dropped (measurement, not a check; they need pytest-cov)",
                )
            } else {
                v
            }
        }
        "flake8" => py(Kind::Lint, "flake8", text.to_string()),
        "mypy" => py(Kind::Types, "mypy", text.to_string()),
        "pylint" => py(Kind::Lint, "pylint", text.to_string()),
        "codespell" | "bandit" | "pydocstyle" => py(Kind::Lint, &name, text.to_string()),
        "pyright" | "basedpyright" => {
            drop("pyright downloads Node.js on first use (needs the network)")
        }
        "ruff" => {
            let sub = words.get(1).map(String::as_str).unwrap_or("");
            if sub == "format" {
                return if has("--check") || has("--diff") {
                    py(Kind::Format, "ruff-format", text.to_string())
                } else {
                    drop("rewrites files (`ruff format` without `--check`)")
                };
            }
            if sub != "check"
                && !sub.is_empty()
                && !sub.starts_with('-')
                && sub != "."
                && !sub.contains('/')
            {
                return drop(format!("`ruff {sub}` is not a check"));
            }
            if has("--fix") && !has("--no-fix") {
                return drop("rewrites files (`ruff check --fix`)");
            }
            if has("--no-fix") {
                return py(Kind::Lint, "ruff", text.to_string());
            }
            let mut fixed = vec![
                words[0].clone(),
                "check".to_string(),
                "--no-fix".to_string(),
            ];
            let skip = usize::from(sub == "check") + 1;
            fixed.extend(words[skip..].iter().cloned());
            if fixed.len() == 3 {
                fixed.push(".".into());
            }
            with_note(
                py(Kind::Lint, "ruff", join(&fixed)),
                "`--no-fix`: the gate never lets ruff rewrite the repository (a `fix = true` setting would)",
            )
        }
        "black" if has("--check") || has("--diff") => py(Kind::Format, "black", text.to_string()),
        "black" => drop("rewrites files (`black` without `--check`)"),
        "isort" if has("--check") || has("--check-only") || has("-c") || has("--diff") => {
            py(Kind::Format, "isort", text.to_string())
        }
        "isort" => drop("rewrites files (`isort` without `--check-only`)"),
        "coverage" => match words.get(1).map(String::as_str) {
            Some("run") => {
                let rest: Vec<String> = words[2..]
                    .iter()
                    .skip_while(|w| w.starts_with('-') && *w != "-m")
                    .cloned()
                    .collect();
                let inner = if rest.first().is_some_and(|w| w == "-m") {
                    rest[1..].to_vec()
                } else {
                    rest
                };
                if inner.is_empty() {
                    return drop("coverage run of nothing");
                }
                let run = join(&inner);
                with_note(
                    python_tool(&inner, &run),
                    "run without `coverage run` (measurement, not a check)",
                )
            }
            _ => drop("coverage report, not a check"),
        },
        _ => drop(format!("`{name}` is not a recognised check")),
    }
}

/// `uv run X`, `poetry run X`…: X, as the project's environment runs it; their installs are
/// the Python setup.
fn python_manager(words: &[String], text: &str, dir: &Path) -> Verdict {
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    match sub {
        "sync" | "install" => Verdict::Setup(Eco::Python),
        "pip" if words.get(2).is_some_and(|w| w == "install") => Verdict::Setup(Eco::Python),
        "run" => {
            let mut i = 2;
            while i < words.len() && words[i].starts_with('-') {
                let flag = words[i].as_str();
                i += 1;
                let takes_value = matches!(
                    flag,
                    "--group"
                        | "--extra"
                        | "--with"
                        | "-p"
                        | "--python"
                        | "--package"
                        | "--env-file"
                        | "--only-group"
                        | "-e"
                        | "--env"
                );
                if takes_value && !flag.contains('=') {
                    i += 1;
                }
            }
            let inner = &words[i.min(words.len())..];
            if inner.is_empty() {
                return drop("nothing to run");
            }
            match simple(inner, &join(inner), dir) {
                Verdict::Check(c) => Verdict::Check(Check {
                    run: text.to_string(),
                    ..c
                }),
                other => other,
            }
        }
        _ => drop(format!("`{} {sub}` is not a check", words[0])),
    }
}

fn make(words: &[String], text: &str) -> Verdict {
    let targets = crate::tools::makefile::make_targets(&words[1..]);
    const SETUP: &[&str] = &[
        "install",
        "deps",
        "setup",
        "bootstrap",
        "dev-setup",
        "venv",
        "init",
    ];
    const NOT_CHECKS: &[&str] = &[
        "release",
        "publish",
        "deploy",
        "upload",
        "clean",
        "dist",
        "docs",
        "doc",
        "docker",
        "coverage",
        "cover",
        "bench",
        "benchmark",
        "fmt-fix",
        "format",
        "fmt",
        "fix",
    ];
    if let Some(t) = targets.iter().find(|t| SETUP.contains(&t.as_str())) {
        return drop(format!("`make {t}` installs dependencies"));
    }
    if let Some(t) = targets.iter().find(|t| NOT_CHECKS.contains(&t.as_str())) {
        return drop(format!("`make {t}` is not a check"));
    }
    let target = targets.first().cloned().unwrap_or_default();
    let kind = if target.contains("lint") || target.contains("vet") || target.contains("check") {
        Kind::Lint
    } else if target.contains("fmt") || target.contains("format") {
        Kind::Format
    } else if target.contains("test") {
        Kind::Test
    } else {
        Kind::Build
    };
    let id = if target.is_empty() {
        "make".to_string()
    } else {
        format!("make-{}", targets.join("-"))
    };
    check(Eco::Make, kind, &id, text.to_string())
}

/// The environments `tox -e a,b` / `tox run -e a` names.
fn tox_envs(args: &[String]) -> Vec<String> {
    flag_values(args, &["-e", "--env"])
        .iter()
        .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Values of `flag v` / `flag=v` in `args`.
fn flag_values(args: &[String], flags: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if flags.contains(&args[i].as_str()) {
            if let Some(v) = args.get(i + 1) {
                out.push(v.clone());
            }
            i += 1;
        } else if let Some(v) = flags
            .iter()
            .find_map(|f| args[i].strip_prefix(&format!("{f}=")))
        {
            out.push(v.to_string());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Verdict {
        let dir = Path::new("/nonexistent");
        let mut parts = line(text, dir);
        assert_eq!(parts.len(), 1, "{parts:?}");
        parts.remove(0).verdict
    }

    fn run_of(v: &Verdict) -> &str {
        match v {
            Verdict::Check(c) => &c.run,
            other => panic!("not a check: {other:?}"),
        }
    }

    #[test]
    fn quoting_keeps_expansions() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$HOME/x"), "\"$HOME/x\"");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn rust_commands() {
        assert_eq!(
            run_of(&one("cargo test --workspace --exclude x")),
            "cargo test --workspace --exclude x"
        );
        assert!(
            matches!(one("cargo +nightly generate-lockfile -Z minimal-versions"), Verdict::Drop(r) if r.contains("nightly"))
        );
        assert!(matches!(one("cargo miri test"), Verdict::Drop(r) if r.contains("miri")));
        assert!(
            matches!(one("cargo hack test --each-feature"), Verdict::Drop(r) if r.contains("cargo-hack"))
        );
        assert!(matches!(one("cargo fmt"), Verdict::Drop(_)));
        assert!(
            matches!(one("cargo fmt --all -- --check"), Verdict::Check(c) if c.kind == Kind::Format)
        );
    }

    #[test]
    fn go_commands() {
        let dir = Path::new("/nonexistent");
        let parts = line("go vet ./... && go test -race -failfast ./...", dir);
        assert_eq!(parts.len(), 2);
        assert_eq!(run_of(&parts[1].verdict), "go test -race -failfast ./...");
        assert_eq!(
            run_of(&one(
                "go test -v -covermode=count -coverprofile=coverage.cov ./..."
            )),
            "go test -v ./..."
        );
        assert!(
            matches!(one("go test -v -race -json ./... | tee output.json | tparse -follow || true"), Verdict::Drop(r) if r.contains("ignored"))
        );
        let gofmt =
            one("if [ \"$(gofmt -s -l . | wc -l)\" -gt 0 ]; then\n  gofmt -s -l .\n  exit 1\nfi");
        assert!(run_of(&gofmt).starts_with("if [ \"$(gofmt"));
        assert_eq!(
            run_of(&one("diff -u <(echo -n) <(gofmt -d .)")),
            "bash -c 'diff -u <(echo -n) <(gofmt -d .)'"
        );
        assert_eq!(
            run_of(&one("test -z \"$(gofmt -d -s . | tee /dev/stderr)\"")),
            "test -z \"$(gofmt -d -s . | tee /dev/stderr)\""
        );
    }

    #[test]
    fn python_commands() {
        assert_eq!(run_of(&one("ruff check .")), "ruff check --no-fix .");
        assert_eq!(run_of(&one("ruff .")), "ruff check --no-fix .");
        assert_eq!(
            run_of(&one("python -m ruff check src")),
            "python -m ruff check --no-fix src"
        );
        assert!(matches!(one("ruff check --fix ."), Verdict::Drop(_)));
        assert!(matches!(one("black ."), Verdict::Drop(_)));
        assert_eq!(
            run_of(&one("py.test --cov=x --cov-report term-missing tests")),
            "py.test tests"
        );
        assert_eq!(
            one("uv run --locked tox run -e typing"),
            Verdict::Tox(vec!["typing".into()])
        );
        assert_eq!(one("tox"), Verdict::Tox(vec![]));
        assert_eq!(one("pip install coverage tox"), Verdict::Setup(Eco::Python));
        assert_eq!(
            run_of(&one(
                "python -m unittest discover -v -s bindings/python/tests"
            )),
            "python -m unittest discover -v -s bindings/python/tests"
        );
        assert!(matches!(
            one("uv run --locked --group pre-commit pre-commit run --all-files"),
            Verdict::PreCommit
        ));
    }

    #[test]
    fn node_commands_read_package_json() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"scripts": {"format": "biome format", "format:fix": "biome format --write", "typecheck": "tsc --noEmit", "build": "zshy", "lint": "eslint --fix ."}}"#,
        )
        .unwrap();
        let d = dir.path();
        let v = |t: &str| line(t, d).remove(0).verdict;
        assert!(
            matches!(v("pnpm run format"), Verdict::Check(c) if c.kind == Kind::Format && c.id == "pnpm-format")
        );
        assert!(matches!(v("pnpm run typecheck"), Verdict::Check(c) if c.kind == Kind::Types));
        assert!(matches!(v("npm run lint"), Verdict::Drop(r) if r.contains("rewrites")));
        assert!(
            matches!(v("npm run missing"), Verdict::Drop(r) if r.contains("no `missing` script"))
        );
        assert_eq!(v("npm ci --legacy-peer-deps"), Verdict::Setup(Eco::Node));
        assert!(matches!(v("npm prune --omit=dev"), Verdict::Drop(_)));
        assert!(
            matches!(v("node e2e/test-cross-env.js"), Verdict::Check(c) if c.id == "node-test-cross-env")
        );
        let parts = line(
            "if npm run typecheck; then\n  echo ok >> $GITHUB_OUTPUT\nelse\n  npm run format:fix\nfi",
            d,
        );
        assert_eq!(parts.len(), 1, "{parts:?}");
        assert_eq!(run_of(&parts[0].verdict), "npm run typecheck");
    }

    #[test]
    fn other_commands() {
        assert!(matches!(one("make test"), Verdict::Check(c) if c.id == "make-test"));
        assert!(matches!(one("make install"), Verdict::Drop(_)));
        assert!(matches!(
            one("echo RUSTFLAGS=x >> $GITHUB_ENV"),
            Verdict::Drop(_)
        ));
        assert!(matches!(one("exit 1"), Verdict::Drop(_)));
        assert!(
            matches!(one("apidiff -w uuid.baseline ."), Verdict::Drop(r) if r.contains("apidiff"))
        );
        assert!(
            matches!(one("curl -L -o x https://e/x"), Verdict::Drop(r) if r.contains("network"))
        );
        assert!(matches!(one("./ci/run-tests.sh"), Verdict::Check(c) if c.kind == Kind::Test));
    }
}

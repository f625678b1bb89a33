//! A program that is not there: the shell's `sh: 1: pytest: not found` / `bash: line 1: go:
//! command not found`, make's own `make: clang-tidy: No such file or directory`, and env's
//! `env: 'node': No such file or directory`. The answer names the missing program (not the
//! package manager that ran it) with a way to install it, and make's line naming the
//! recipe that needed it, when there is one, gives the rerun.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::make;
use super::step::{Step, program_name, words};
use super::{Classification, Layer};

static SHELL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?:\S*/)?(?:ba|da|k|z)?sh: (?:line )?(?:\d+: )?(\S+?): (?:command )?not found$")
});
static ZSH: LazyLock<Regex> = LazyLock::new(|| pattern(r"^zsh: command not found: (\S+)$"));
static MAKE_EXEC: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^g?make(?:\[\d+\])?: (\S+): (?:No such file or directory|Command not found)$")
});
static ENV: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?:/usr)?(?:/bin/)?env: [‘'`]?([^’'`:\s]+)[’'`]?: No such file or directory$")
});

/// How to install the programs people usually miss.
const HINTS: &[(&[&str], &str)] = &[
    (&["go", "gofmt"], "install Go: https://go.dev/dl/"),
    (
        &["cargo", "rustc", "rustup"],
        "install Rust: https://rustup.rs",
    ),
    (&["rustfmt"], "rustup component add rustfmt"),
    (
        &["cargo-clippy", "clippy-driver"],
        "rustup component add clippy",
    ),
    (&["python", "python3"], "install Python 3"),
    (&["pip", "pip3"], "python3 -m ensurepip"),
    (
        &[
            "pytest",
            "ruff",
            "mypy",
            "black",
            "flake8",
            "tox",
            "pylint",
            "isort",
            "pre-commit",
            "nox",
            "uv",
        ],
        "pip install {}",
    ),
    (
        &["node", "npm", "npx"],
        "install Node.js: https://nodejs.org",
    ),
    (&["pnpm", "yarn"], "corepack enable"),
    (&["make", "gmake"], "install GNU make"),
    (
        &["cc", "gcc", "g++", "c++", "clang", "clang++"],
        "install a C compiler (apt-get install build-essential)",
    ),
    (
        &["clang-tidy", "clang-format", "shellcheck", "cmake", "jq"],
        "apt-get install {}",
    ),
    (&["tree-sitter"], "npm install -g tree-sitter-cli"),
];

/// A command that is not installed.
pub struct Missing;

impl Matcher for Missing {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let program = [&SHELL, &ZSH, &MAKE_EXEC, &ENV]
            .iter()
            .find_map(|re| re.captures(line).map(|c| c[1].to_string()))?;
        let mut hit = Hit::new(Layer::Runner, Classification::Environment, line.trim());
        hit.scratch.names.push(program);
        Some(hit)
    }

    /// make's line naming the recipe, if make ran it; only as far as the excerpt reaches.
    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        if let Some((file, at, target)) = make::wrapper(line) {
            hit.file = file;
            hit.line = at;
            hit.next_command = Some(format!("make {}", shell_quote(&target)));
            return Follow::Done;
        }
        hit.follow_while_room()
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let Some(program) = hit.scratch.names.first().cloned() else {
            return;
        };
        let name = program_name(&program);
        // A program a package script runs from node_modules/.bin: the dependencies are
        // not installed.
        let script = step.script.as_ref().filter(|s| runs(&s.command, name));
        let hint = match script {
            Some(_) => {
                let manager = step.manager();
                let locked = ["package-lock.json", "npm-shrinkwrap.json"]
                    .iter()
                    .any(|f| step.exists(f));
                format!(
                    "install the project's dependencies: {}",
                    manager.install(locked)
                )
            }
            None => HINTS
                .iter()
                .find(|(names, _)| names.contains(&name))
                .map(|(_, hint)| hint.replace("{}", name))
                .unwrap_or_else(|| format!("install {name} or put it on PATH")),
        };
        hit.message = format!("{} (`{name}` is not installed; {hint})", hit.message);
        if hit.next_command.is_some() {
            return;
        }
        hit.next_command = Some(match script {
            Some(s) => step.manager().run(&s.name),
            None if name == "go" => "go version".to_string(),
            None => format!("{} --version", shell_quote(&program)),
        });
    }
}

/// Whether `command` starts `program` (as its first word, in any of its simple commands).
fn runs(command: &str, program: &str) -> bool {
    words(command)
        .iter()
        .any(|s| s.first().is_some_and(|w| program_name(w) == program))
}

//! The programs a step's command needs: every simple command of its shell line, looking
//! through wrappers (`env`, `timeout`, `sh -c`), into the recipes of the Makefile targets it
//! calls (`make lint` → `clang-tidy`) and into the `package.json` scripts it runs
//! (`npm run lint` → `eslint` from `node_modules/.bin`).

use std::path::{Path, PathBuf};

use super::makefile::{self, Makefile};
use super::node::{self, Invocation};
use super::shell;

/// A program a step needs, with the hint shown when it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// The executable's name.
    pub program: String,
    /// How to install it.
    pub hint: String,
    /// Where it comes from besides PATH: a directory relative to the step's working directory
    /// (`node_modules/.bin` for the tools a `package.json` script runs).
    pub local: Option<PathBuf>,
    /// What calls it, when that is not the step's own command line (`make lint`,
    /// `npm run lint`).
    pub via: Option<String>,
}

impl Tool {
    /// A program looked up on PATH.
    pub fn on_path(program: &str, hint: &str) -> Tool {
        Tool {
            program: program.to_string(),
            hint: hint.to_string(),
            local: None,
            via: None,
        }
    }

    /// Where the program is, for a step working in `dir`: its local directory first, then PATH.
    pub fn locate(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(local) = &self.local {
            let candidate = dir.join(local).join(&self.program);
            if super::is_executable(&candidate) {
                return Some(candidate);
            }
        }
        super::find(&self.program)
    }

    /// How the tool is named to a person: `` `eslint` (node_modules/.bin, via `npm run lint`) ``.
    pub fn describe(&self) -> String {
        let mut where_ = Vec::new();
        if let Some(local) = &self.local {
            where_.push(local.display().to_string());
        }
        if let Some(via) = &self.via {
            where_.push(format!("via `{via}`"));
        }
        if where_.is_empty() {
            format!("`{}`", self.program)
        } else {
            format!("`{}` ({})", self.program, where_.join(", "))
        }
    }
}

/// Shell builtins and the base utilities every POSIX system has: never reported.
const BASE: &[&str] = &[
    "cd", "test", "[", "[[", "echo", "printf", "export", "set", "unset", "exit", "return", "true",
    "false", ":", ".", "source", "eval", "read", "shift", "local", "wait", "trap", "pwd", "type",
    "alias", "umask", "ulimit", "let", "declare", "readonly", "getopts", "hash", "break",
    "continue", "shopt", "sh", "cat", "wc", "tee", "diff", "grep", "egrep", "sed", "awk", "mkdir",
    "rm", "rmdir", "cp", "mv", "ls", "head", "tail", "sort", "uniq", "tr", "cut", "find", "touch",
    "chmod", "dirname", "basename", "sleep", "date", "mktemp", "ln", "realpath", "readlink",
    "printenv", "uname", "which", "command", "xargs", "env", "exec", "nice", "nohup", "timeout",
    "sudo", "stat", "du", "df", "paste", "comm", "cmp", "seq", "yes", "id", "whoami", "hostname",
    "tput", "stty", "kill", "wait", "bash", "dash", "zsh",
];

/// Wrappers that run the command after their own options.
const WRAPPERS: &[&str] = &[
    "env", "exec", "command", "nice", "nohup", "timeout", "sudo", "xargs", "time",
];

/// Programs `package.json` scripts commonly call that are not installed by the project.
const SYSTEM_IN_SCRIPTS: &[&str] = &[
    "node", "npm", "npx", "pnpm", "yarn", "bun", "git", "make", "python", "python3",
];

/// Every program `run` needs when run in `dir` (relative to nothing: `dir` is absolute), in
/// order of first use, without duplicates.
pub fn of_command(run: &str, dir: &Path) -> Vec<Tool> {
    let mut out = Vec::new();
    walk(run, dir, None, Origin::Shell, 0, &mut out);
    out
}

/// Where a command line came from, which decides where its programs are looked up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Shell,
    /// A `package.json` script: `node_modules/.bin` is on its PATH.
    Script,
}

fn push(out: &mut Vec<Tool>, tool: Tool) {
    if !out.iter().any(|t| t.program == tool.program) {
        out.push(tool);
    }
}

fn walk(
    run: &str,
    dir: &Path,
    via: Option<&str>,
    origin: Origin,
    depth: usize,
    out: &mut Vec<Tool>,
) {
    if depth > 6 {
        return;
    }
    for words in shell::commands(run) {
        let words = unwrap(&words);
        let Some(program) = words.first() else {
            continue;
        };
        // A word with an expansion, or a path into the repository, is not a program to install.
        if program.contains('$') || program.contains('/') || program.is_empty() {
            continue;
        }
        if BASE.contains(&program.as_str()) {
            if let Some(inner) = shell_c(&words) {
                walk(&inner, dir, via, origin, depth + 1, out);
            }
            continue;
        }
        let tool = match origin {
            Origin::Script if !SYSTEM_IN_SCRIPTS.contains(&program.as_str()) => Tool {
                program: program.clone(),
                hint: super::hints::install_hint(program)
                    .map(str::to_string)
                    .unwrap_or_else(|| node::deps_hint(dir)),
                local: Some(PathBuf::from("node_modules/.bin")),
                via: via.map(str::to_string),
            },
            _ => Tool {
                program: program.clone(),
                hint: super::hints::install_hint(program)
                    .map(str::to_string)
                    .unwrap_or_else(|| super::hints::generic_hint(program)),
                local: None,
                via: via.map(str::to_string),
            },
        };
        push(out, tool);
        match program.as_str() {
            "cargo" => {
                if let Some(sub) = cargo_plugin(&words) {
                    push(
                        out,
                        Tool {
                            hint: super::hints::install_hint(&sub)
                                .map(str::to_string)
                                .unwrap_or_else(|| format!("cargo install {sub} --locked")),
                            ..Tool::on_path(&sub, "")
                        },
                    );
                }
            }
            "make" | "gmake" => {
                let args = &words[1..];
                let make_dir = makefile::make_dir(dir, args);
                let Some(file) = Makefile::find(&make_dir) else {
                    continue;
                };
                let mut targets = makefile::make_targets(args);
                if targets.is_empty() {
                    continue;
                }
                targets.dedup();
                for target in targets {
                    let label = format!("make {target}");
                    for line in file.commands(&target) {
                        walk(
                            &line,
                            &make_dir,
                            Some(&label),
                            Origin::Shell,
                            depth + 1,
                            out,
                        );
                    }
                }
            }
            "npm" | "pnpm" | "yarn" | "bun" | "npx" | "pnpx" => match node::invocation(&words, dir)
            {
                Some(Invocation::Script(name)) => {
                    let label = node::PackageManager::of(dir).run_script(&name);
                    for hook in [format!("pre{name}"), name.clone(), format!("post{name}")] {
                        if let Some(body) = node::script(dir, &hook) {
                            walk(&body, dir, Some(&label), Origin::Script, depth + 1, out);
                        }
                    }
                }
                Some(Invocation::Bin(bin)) if !bin.contains('@') && !bin.contains('/') => {
                    let label = words.join(" ");
                    push(
                        out,
                        Tool {
                            program: bin.clone(),
                            hint: node::deps_hint(dir),
                            local: Some(PathBuf::from("node_modules/.bin")),
                            via: Some(label),
                        },
                    );
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// The program behind a cargo subcommand that is not built in: `cargo clippy` →
/// `cargo-clippy`, `cargo fmt` → `rustfmt`, `cargo nextest` → `cargo-nextest`.
fn cargo_plugin(words: &[String]) -> Option<String> {
    const BUILTIN: &[&str] = &[
        "build",
        "b",
        "check",
        "c",
        "clean",
        "doc",
        "d",
        "new",
        "init",
        "add",
        "remove",
        "run",
        "r",
        "test",
        "t",
        "bench",
        "update",
        "search",
        "publish",
        "install",
        "uninstall",
        "fetch",
        "tree",
        "vendor",
        "metadata",
        "package",
        "pkgid",
        "locate-project",
        "login",
        "logout",
        "owner",
        "yank",
        "verify-project",
        "version",
        "help",
        "report",
        "fix",
        "generate-lockfile",
        "rustc",
        "rustdoc",
        "config",
        "info",
    ];
    let sub = words[1..]
        .iter()
        .find(|w| !w.starts_with('-') && !w.starts_with('+'))?;
    match sub.as_str() {
        s if BUILTIN.contains(&s) => None,
        "fmt" => Some("rustfmt".into()),
        other => Some(format!("cargo-{other}")),
    }
}

/// The command after wrappers and their options: `env -u X FOO=1 timeout 5 cargo test` →
/// `cargo test`.
fn unwrap(words: &[String]) -> Vec<String> {
    let mut i = 0;
    while i < words.len() && WRAPPERS.contains(&words[i].as_str()) {
        let wrapper = words[i].as_str();
        i += 1;
        while i < words.len() && (words[i].starts_with('-') || shell::is_assignment(&words[i])) {
            // `env -u NAME`, `timeout -s KILL`: options with a value.
            let with_value = matches!(words[i].as_str(), "-u" | "-s" | "-k" | "-n" | "-C");
            i += if with_value { 2 } else { 1 };
        }
        // `timeout 5m cmd`: the duration is the wrapper's.
        if wrapper == "timeout" && i < words.len() {
            i += 1;
        }
    }
    words[i..].to_vec()
}

/// The script of `sh -c '…'` / `bash -c '…'`.
fn shell_c(words: &[String]) -> Option<String> {
    let shell = words.first()?;
    if !matches!(shell.as_str(), "sh" | "bash" | "dash" | "zsh") {
        return None;
    }
    let at = words
        .iter()
        .position(|w| w == "-c" || w == "-ec" || w == "-ce")?;
    words.get(at + 1).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(run: &str, dir: &Path) -> Vec<String> {
        of_command(run, dir)
            .into_iter()
            .map(|t| t.program)
            .collect()
    }

    #[test]
    fn shell_lines() {
        let d = Path::new("/nonexistent");
        assert_eq!(
            programs("out=$(gofmt -l .); test -z \"$out\"", d),
            ["gofmt"]
        );
        assert_eq!(programs("cd sub && FOO=1 cargo test || true", d), ["cargo"]);
        assert_eq!(programs("env -u X timeout 5m go test ./...", d), ["go"]);
        assert_eq!(programs("bash -c 'ruff check --no-fix .'", d), ["ruff"]);
        assert_eq!(
            programs("./build/run.sh && $HOME/bin/x", d),
            Vec::<String>::new()
        );
    }

    #[test]
    fn make_recipes_and_npm_scripts() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("Makefile"),
            "CC ?= gcc\nlint:\n\tclang-tidy x.h\ntest: build\n\t./t\nbuild:\n\t$(CC) -o t t.c\n",
        )
        .unwrap();
        std::fs::write(
            d.join("package.json"),
            r#"{"scripts": {"lint": "eslint . && prettier --check .", "pretest": "node x.js", "test": "vitest run"}}"#,
        )
        .unwrap();
        assert_eq!(programs("make lint", d), ["make", "clang-tidy"]);
        assert_eq!(programs("make -j4 test", d), ["make", "gcc"]);
        let lint = of_command("npm run lint", d);
        assert_eq!(lint[1].program, "eslint");
        assert_eq!(
            lint[1].local.as_deref(),
            Some(Path::new("node_modules/.bin"))
        );
        assert_eq!(lint[1].via.as_deref(), Some("npm run lint"));
        assert!(
            lint[1].hint.contains("run `npm install`"),
            "{}",
            lint[1].hint
        );
        assert_eq!(programs("npm test", d), ["npm", "node", "vitest"]);
    }
}

//! What triage knows about a step besides its log: the command it ran, the directory it ran
//! in, and the package-manager script header at the top of its log (`> pkg@1.0.0 lint` /
//! `> eslint --max-warnings 0`). Reruns are built from these: the step's own flags, its
//! package manager, the package a file belongs to, paths relative to the repository.

use std::path::{Component, Path, PathBuf};

use super::StepContext;

/// Bytes of a repository file read at most (manifests and lockfiles; a larger one is skipped).
const MAX_FILE: u64 = 8 << 20;
/// Lines at the top of a log searched for a script header.
const PREAMBLE_LINES: usize = 40;

/// A JavaScript package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Npm,
    Pnpm,
    Yarn,
    Bun,
}

impl Manager {
    /// The manager a command's program is, if it is one.
    fn of_program(program: &str) -> Option<Manager> {
        match program {
            "npm" | "npx" => Some(Manager::Npm),
            "pnpm" | "pnpx" => Some(Manager::Pnpm),
            "yarn" => Some(Manager::Yarn),
            "bun" | "bunx" => Some(Manager::Bun),
            _ => None,
        }
    }

    /// How this manager runs a program installed in `node_modules/.bin`.
    pub fn exec(self, tool: &str) -> String {
        match self {
            Manager::Npm => format!("npx {tool}"),
            Manager::Pnpm => format!("pnpm exec {tool}"),
            Manager::Yarn => format!("yarn {tool}"),
            Manager::Bun => format!("bunx {tool}"),
        }
    }

    /// How this manager runs a `package.json` script.
    pub fn run(self, script: &str) -> String {
        match self {
            Manager::Npm => format!("npm run {script}"),
            Manager::Pnpm => format!("pnpm run {script}"),
            Manager::Yarn => format!("yarn run {script}"),
            Manager::Bun => format!("bun run {script}"),
        }
    }

    /// How this manager installs the project's dependencies.
    pub fn install(self, lockfile: bool) -> &'static str {
        match (self, lockfile) {
            (Manager::Npm, true) => "npm ci",
            (Manager::Npm, false) => "npm install",
            (Manager::Pnpm, _) => "pnpm install",
            (Manager::Yarn, _) => "yarn install",
            (Manager::Bun, _) => "bun install",
        }
    }
}

/// The `package.json` script a log starts with, as npm, pnpm and yarn announce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The script's name (`lint`, `test:nodejs`).
    pub name: String,
    /// Its command line (`eslint --max-warnings 0`).
    pub command: String,
}

/// The step as triage sees it.
pub struct Step<'a> {
    /// The step's command line, when known.
    pub command: Option<&'a str>,
    /// The directory the command ran in, when known.
    pub root: Option<&'a Path>,
    /// The package script the log starts with.
    pub script: Option<Script>,
    /// Whether every line of the log can be a failure (a `gofmt -l` step prints bare file
    /// names, without any word that says "failure").
    pub every_line: bool,
}

impl<'a> Step<'a> {
    /// The step of `ctx`, whose log starts with `head`.
    pub fn new(ctx: &'a StepContext, head: &str) -> Self {
        let command = ctx.command.as_deref().filter(|c| !c.trim().is_empty());
        let every_line = command.is_some_and(lists_unformatted);
        Step {
            command,
            root: ctx.root.as_deref(),
            script: script_header(head),
            every_line,
        }
    }

    /// A step known only by its log (tests).
    #[cfg(test)]
    pub fn bare() -> Step<'static> {
        Step {
            command: None,
            root: None,
            script: None,
            every_line: false,
        }
    }

    /// The package manager: the step's own program, else the one the repository's lockfile
    /// belongs to, else npm.
    pub fn manager(&self) -> Manager {
        let from_command = self
            .segments()
            .iter()
            .find_map(|s| s.first().and_then(|p| Manager::of_program(program_name(p))));
        if let Some(m) = from_command {
            return m;
        }
        let lockfiles = [
            ("pnpm-lock.yaml", Manager::Pnpm),
            ("yarn.lock", Manager::Yarn),
            ("bun.lockb", Manager::Bun),
            ("bun.lock", Manager::Bun),
            ("package-lock.json", Manager::Npm),
        ];
        lockfiles
            .iter()
            .find(|(file, _)| self.exists(file))
            .map_or(Manager::Npm, |(_, m)| *m)
    }

    /// `program`'s arguments as the step runs it: from the step's command, else from the
    /// package script the log starts with. `None` when neither runs it.
    pub fn args_of(&self, program: &str) -> Option<Vec<String>> {
        let script = self.script.as_ref().map(|s| words(&s.command));
        self.segments()
            .into_iter()
            .chain(script.unwrap_or_default())
            .find_map(|segment| {
                let at = segment.iter().position(|w| program_name(w) == program)?;
                Some(segment[at + 1..].to_vec())
            })
    }

    /// Whether the step's command or script mentions `word` as a word.
    pub fn mentions(&self, word: &str) -> bool {
        let script = self.script.as_ref().map(|s| words(&s.command));
        self.segments()
            .into_iter()
            .chain(script.unwrap_or_default())
            .any(|s| s.iter().any(|w| program_name(w) == word))
    }

    /// The step's command split into simple commands (at `&&`, `||`, `;`, `|`), each a list
    /// of words.
    pub fn segments(&self) -> Vec<Vec<String>> {
        self.command.map(words).unwrap_or_default()
    }

    /// `path` as the repository names it: relative to the root, without `./` or `dir/..`.
    pub fn relative(&self, path: &str) -> String {
        let path = match self.root {
            Some(root) => Path::new(path)
                .strip_prefix(root)
                .map_or_else(|_| path.to_string(), |p| p.display().to_string()),
            None => path.to_string(),
        };
        tidy(&path)
    }

    /// Whether `file` (relative to the root) exists.
    pub fn exists(&self, file: &str) -> bool {
        self.root.is_some_and(|r| r.join(file).exists())
    }

    /// The text of `file` (relative to the root), when the root is known and the file is
    /// small enough to be a manifest.
    pub fn read(&self, file: &str) -> Option<String> {
        let path = self.root?.join(file);
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_FILE {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }

    /// The 1-based line of the first line of `file` for which `find` holds.
    pub fn line_in(&self, file: &str, find: impl Fn(&str) -> bool) -> Option<u64> {
        let text = self.read(file)?;
        text.lines().position(find).map(|i| i as u64 + 1)
    }

    /// The directories from the one holding `file` up to the root, innermost first.
    pub fn ancestors(&self, file: &str) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Path::new(file)
            .ancestors()
            .skip(1)
            .map(Path::to_path_buf)
            .collect();
        if dirs.last().is_none_or(|d| !d.as_os_str().is_empty()) {
            dirs.push(PathBuf::new());
        }
        dirs
    }
}

/// Whether a command lists unformatted files without saying so (`gofmt -l`).
fn lists_unformatted(command: &str) -> bool {
    words(command).iter().any(|segment| {
        segment.first().is_some_and(|p| program_name(p) == "gofmt")
            && segment
                .iter()
                .any(|w| w.starts_with('-') && w.contains('l'))
    }) || command.contains("gofmt -l")
        || command.contains("gofmt -s -l")
}

/// The last `> pkg@version script` / `> command` pair at the top of a log.
fn script_header(head: &str) -> Option<Script> {
    let lines: Vec<&str> = head.lines().take(PREAMBLE_LINES).collect();
    lines.windows(2).rev().find_map(|pair| {
        let name = pair[0].strip_prefix("> ")?;
        let (package, rest) = name.rsplit_once(' ').map_or((name, ""), |(a, b)| (a, b));
        // `> pkg@1.0.0 lint`, or `> pkg@1.0.0 lint /path/to/pkg` (pnpm and npm 6).
        let (package, script) = if rest.starts_with('/') {
            package.rsplit_once(' ')?
        } else {
            (package, rest)
        };
        if package.get(1..).is_none_or(|p| !p.contains('@')) || script.is_empty() {
            return None;
        }
        let command = pair[1].strip_prefix("> ")?.trim();
        Some(Script {
            name: script.to_string(),
            command: command.to_string(),
        })
    })
}

/// The name of a program word (`/usr/bin/python3` is `python3`, `node_modules/.bin/jest`
/// is `jest`).
pub fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// A path without `./` segments and with `dir/..` pairs resolved (`test/../jsmn.h` is
/// `jsmn.h`); a path that climbs above its start keeps its leading `..`.
pub fn tidy(path: &str) -> String {
    if !path.contains("./") {
        return path.to_string();
    }
    let mut parts: Vec<Component> = Vec::new();
    for part in Path::new(path).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if parts
                    .last()
                    .is_some_and(|p| matches!(p, Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let tidy: PathBuf = parts.iter().collect();
    tidy.display().to_string()
}

/// A shell command line split into simple commands, each a list of words: quotes are
/// removed, `&&`, `||`, `;` and `|` separate commands. Enough for the command lines CI
/// steps and package scripts hold; not a shell.
pub fn words(command: &str) -> Vec<Vec<String>> {
    let mut segments = vec![Vec::new()];
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = command.chars().peekable();
    let flush = |word: &mut String, quoted: &mut bool, segments: &mut Vec<Vec<String>>| {
        if !word.is_empty() || *quoted {
            segments
                .last_mut()
                .expect("one segment")
                .push(std::mem::take(word));
        }
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                quoted = true;
                for inner in chars.by_ref() {
                    if inner == c {
                        break;
                    }
                    word.push(inner);
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            ';' | '&' | '|' | '\n' | '(' | ')' => {
                flush(&mut word, &mut quoted, &mut segments);
                while chars.peek().is_some_and(|n| matches!(n, '&' | '|')) {
                    chars.next();
                }
                segments.push(Vec::new());
            }
            // A comment runs to the end of the line.
            '#' if word.is_empty() && !quoted => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                flush(&mut word, &mut quoted, &mut segments);
                segments.push(Vec::new());
            }
            c if c.is_whitespace() => flush(&mut word, &mut quoted, &mut segments),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut quoted, &mut segments);
    segments.retain(|s| !s.is_empty());
    segments
}

/// The options of `args` worth keeping in a rerun: each `--name value` or `--name=value`
/// whose name is in `valued`, and each flag in `flags`; positional arguments (the paths
/// the step checked) and everything else are dropped.
pub fn keep_options(args: &[String], valued: &[&str], flags: &[&str]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let name = arg.split('=').next().unwrap_or(arg);
        if valued.contains(&name) {
            if arg.contains('=') {
                kept.push(arg.clone());
            } else if let Some(value) = args.get(i + 1) {
                kept.push(arg.clone());
                kept.push(value.clone());
                i += 1;
            }
        } else if flags.contains(&name) {
            kept.push(arg.clone());
        }
        i += 1;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_commands_and_unquote() {
        assert_eq!(
            words("npm ci && npx jest -t 'a b' | tee x; echo \"it's\""),
            vec![
                vec!["npm", "ci"],
                vec!["npx", "jest", "-t", "a b"],
                vec!["tee", "x"],
                vec!["echo", "it's"],
            ]
        );
        assert_eq!(
            words("files=$(gofmt -l .) || exit $?")[1],
            vec!["gofmt", "-l", "."]
        );
        assert_eq!(
            words("ruff check . # all of it"),
            vec![vec!["ruff", "check", "."]]
        );
    }

    #[test]
    fn tidy_resolves_dots() {
        assert_eq!(tidy("test/../jsmn.h"), "jsmn.h");
        assert_eq!(tidy("./util.go"), "util.go");
        assert_eq!(tidy("../up/x.c"), "../up/x.c");
        assert_eq!(tidy("src/a.rs"), "src/a.rs");
    }

    #[test]
    fn script_headers_of_npm_and_pnpm() {
        let npm = "\n> cross-env@0.0.0-semantically-released lint\n> eslint .\n\nsh: 1: eslint: not found\n";
        assert_eq!(
            script_header(npm),
            Some(Script {
                name: "lint".into(),
                command: "eslint .".into()
            })
        );
        let pnpm = "\n> ms@3.0.0-canary.1 test:nodejs /work/ms\n> jest --env node\n";
        assert_eq!(script_header(pnpm).unwrap().name, "test:nodejs");
        let scoped = "> @scope/pkg@1.2.0 test\n> vitest run\n";
        assert_eq!(script_header(scoped).unwrap().command, "vitest run");
        assert_eq!(script_header("> not a header\n> x\n"), None);
    }

    #[test]
    fn options_kept_for_reruns() {
        let args: Vec<String> = [
            "--select",
            "F401",
            "--output-format",
            "concise",
            ".",
            "--no-fix",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            keep_options(&args, &["--select"], &["--no-fix"]),
            vec!["--select", "F401", "--no-fix"]
        );
    }

    #[test]
    fn gofmt_listing_steps_are_recognised() {
        assert!(lists_unformatted(
            "files=$(gofmt -l .) || exit $?; if [ -n \"$files\" ]; then exit 1; fi"
        ));
        assert!(lists_unformatted("gofmt -s -l ."));
        assert!(!lists_unformatted("gofmt -d ."));
        assert!(!lists_unformatted("go vet ./..."));
    }
}

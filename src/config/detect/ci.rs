//! The commands a repository's CI runs: GitHub Actions `run:` steps (block scalars split into
//! their commands, `${{ matrix.* }}` expanded), GitLab `script:`, Travis `script:` and CircleCI
//! `run:`. Each command keeps where it came from, its working directory and environment, and
//! why CI would not hold it against a change (ignored failure, another OS, nightly only).

use std::collections::BTreeMap;
use std::path::Path;

use super::yaml::{self, Node};

/// One command a CI file runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CiCommand {
    /// The CI file, relative to the root.
    pub file: String,
    /// The line the command is on.
    pub line: usize,
    /// The command, one logical shell line (a multi-line `if … fi` stays whole).
    pub text: String,
    /// Working directory relative to the root (`working-directory:`).
    pub cwd: Option<String>,
    /// Environment set by the workflow, job and step with literal values.
    pub env: BTreeMap<String, String>,
    /// Why CI does not hold this command against a change, when it does not.
    pub ignored: Option<String>,
    /// The job it runs in (`file#job`), whose earlier steps it may rely on.
    pub job: String,
}

impl CiCommand {
    /// `file:line`.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Marks a `${{ … }}` expression that cannot be evaluated outside CI.
pub const UNKNOWN: &str = "${{…}}";

/// Every command of every CI file of `root`, in file order.
pub fn read(root: &Path) -> Vec<CiCommand> {
    let mut out = Vec::new();
    let workflows = root.join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&workflows)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        if let Some(doc) = load(&path) {
            github(&rel, &doc, &mut out);
        }
    }
    for (name, reader) in [
        (
            ".gitlab-ci.yml",
            gitlab as fn(&str, &Node, &mut Vec<CiCommand>),
        ),
        (".travis.yml", travis),
        (".circleci/config.yml", circleci),
    ] {
        if let Some(doc) = load(&root.join(name)) {
            reader(name, &doc, &mut out);
        }
    }
    out
}

/// The CI files `root` has that [`read`] understands.
pub fn files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root.join(".github/workflows"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| format!(".github/workflows/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .collect();
    out.sort();
    out.extend(
        [".gitlab-ci.yml", ".travis.yml", ".circleci/config.yml"]
            .iter()
            .filter(|f| root.join(f).is_file())
            .map(|f| f.to_string()),
    );
    out
}

fn load(path: &Path) -> Option<Node> {
    yaml::parse(&std::fs::read_to_string(path).ok()?)
}

/// Literal `env:` values (an expression is CI's business, not ours).
fn env_of(node: Option<&Node>, into: &mut BTreeMap<String, String>) {
    for (k, v) in node.map(Node::entries).unwrap_or_default() {
        if let Some(v) = v.str().filter(|v| !v.contains("${{")) {
            into.insert(k.clone(), v.to_string());
        }
    }
}

/// Why a condition or platform keeps CI from running a step on an ordinary Linux change.
fn restricted(condition: &str) -> Option<String> {
    let c = condition.to_ascii_lowercase();
    if c.contains("nightly") {
        return Some("nightly-only".into());
    }
    if c.contains("refs/tags") || c.contains("'release'") || c.contains("\"release\"") {
        return Some("runs only for releases".into());
    }
    if c.contains("== 'windows")
        || c.contains("== 'macos")
        || c.contains("startswith(matrix.os, 'windows")
    {
        return Some("runs only on Windows or macOS".into());
    }
    None
}

fn github(file: &str, doc: &Node, out: &mut Vec<CiCommand>) {
    let mut top_env = BTreeMap::new();
    env_of(doc.get("env"), &mut top_env);
    let Some(jobs) = doc.get("jobs") else {
        return;
    };
    for (job_name, job) in jobs.entries() {
        let mut env = top_env.clone();
        env_of(job.get("env"), &mut env);
        let matrix = matrix(job.get("strategy").and_then(|s| s.get("matrix")));
        let job_ignored = if job.text("continue-on-error") == Some("true") {
            Some("CI ignores its failure (continue-on-error)".to_string())
        } else if let Some(os) = job.text("runs-on").filter(|os| {
            let os = os.to_ascii_lowercase();
            os.contains("windows") || os.contains("macos")
        }) {
            Some(format!("runs only on {os}"))
        } else {
            job.text("if").and_then(restricted)
        };
        let default_dir = job
            .get("defaults")
            .and_then(|d| d.get("run"))
            .and_then(|r| r.text("working-directory"))
            .map(str::to_string);
        for step in job.get("steps").map(Node::items).unwrap_or_default() {
            let action = step.text("uses").and_then(|uses| action(uses, step));
            let (script, line, action_ignored) = match (step.get("run"), action) {
                (Some(run), _) => match run.str() {
                    Some(script) => (script.to_string(), run.line, None),
                    None => continue,
                },
                (None, Some((command, ignored))) => (command, step.line, ignored),
                (None, None) => continue,
            };
            let mut step_env = env.clone();
            env_of(step.get("env"), &mut step_env);
            let shell = step.text("shell").unwrap_or("bash").to_ascii_lowercase();
            let ignored = action_ignored
                .or_else(|| job_ignored.clone())
                .or_else(|| {
                    (step.text("continue-on-error") == Some("true"))
                        .then(|| "CI ignores its failure (continue-on-error)".to_string())
                })
                .or_else(|| {
                    (shell.contains("pwsh") || shell.contains("powershell") || shell == "cmd")
                        .then(|| format!("a `{shell}` step"))
                })
                .or_else(|| step.text("if").and_then(restricted));
            let cwd = step
                .text("working-directory")
                .map(str::to_string)
                .or_else(|| default_dir.clone())
                .filter(|d| !d.contains("${{"));
            for (offset, text) in script_lines(&script) {
                for text in expand(&text, &matrix) {
                    out.push(CiCommand {
                        file: file.to_string(),
                        line: line + offset,
                        text,
                        cwd: cwd.clone(),
                        env: step_env.clone(),
                        ignored: ignored.clone(),
                        job: format!("{file}#{job_name}"),
                    });
                }
            }
        }
    }
}

/// The command a well-known checking action stands for, and why it is left out when it is:
/// `pre-commit/action` is `pre-commit run --all-files`, `astral-sh/ruff-action` is `ruff`.
fn action(uses: &str, step: &Node) -> Option<(String, Option<String>)> {
    let name = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    let args = step.get("with").and_then(|w| w.text("args"));
    match name.as_str() {
        "pre-commit/action" => Some(("pre-commit run --all-files".into(), None)),
        "astral-sh/ruff-action" | "chartboost/ruff-action" => {
            Some((format!("ruff {}", args.unwrap_or("check .")), None))
        }
        "golangci/golangci-lint-action" => Some((
            "golangci-lint run".into(),
            Some(format!(
                "runs through the `{name}` action, which downloads golangci-lint; add `golangci-lint run` to sdetkit.toml to gate on it"
            )),
        )),
        "tree-sitter/parser-test-action" => Some((
            "tree-sitter test".into(),
            Some(format!(
                "runs through the `{name}` action (generate, corpus and binding tests); the grammar's own `make test` / `tree-sitter test` is what runs here"
            )),
        )),
        _ => None,
    }
}

/// `matrix.NAME` → its values, from the matrix's lists and its `include` entries.
fn matrix(node: Option<&Node>) -> BTreeMap<String, Vec<String>> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(node) = node else {
        return values;
    };
    let mut add = |k: &str, v: &str| {
        let list = values.entry(k.to_string()).or_default();
        if !list.iter().any(|x| x == v) {
            list.push(v.to_string());
        }
    };
    for (key, value) in node.entries() {
        match key.as_str() {
            "include" => {
                for item in value.items() {
                    for (k, v) in item.entries() {
                        if let Some(v) = v.str() {
                            add(k, v);
                        }
                    }
                }
            }
            "exclude" => {}
            _ => {
                for item in value.items() {
                    if let Some(v) = item.str() {
                        add(key, v);
                    }
                }
            }
        }
    }
    values
}

/// The command once per matrix value it names (`pnpm run ${{ matrix.task }}`); any other
/// expression becomes [`UNKNOWN`].
fn expand(text: &str, matrix: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let Some(start) = text.find("${{") else {
        return vec![text.to_string()];
    };
    let Some(len) = text[start..].find("}}") else {
        return vec![text.to_string()];
    };
    let inner = text[start + 3..start + len].trim();
    let rest = &text[start + len + 2..];
    let head = &text[..start];
    let values: Vec<String> = match inner.strip_prefix("matrix.").and_then(|k| matrix.get(k)) {
        Some(values) if !inner.contains(' ') => values.clone(),
        _ => vec![UNKNOWN.to_string()],
    };
    let mut out = Vec::new();
    for v in values {
        for tail in expand(rest, matrix) {
            let line = format!("{head}{v}{tail}");
            if !out.contains(&line) && out.len() < 64 {
                out.push(line);
            }
        }
    }
    out
}

fn gitlab(file: &str, doc: &Node, out: &mut Vec<CiCommand>) {
    const RESERVED: &[&str] = &[
        "stages",
        "variables",
        "default",
        "include",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "pages",
    ];
    let mut top_env = BTreeMap::new();
    env_of(doc.get("variables"), &mut top_env);
    for (name, job) in doc.entries() {
        if RESERVED.contains(&name.as_str()) || name.starts_with('.') || job.get("script").is_none()
        {
            continue;
        }
        let mut env = top_env.clone();
        env_of(job.get("variables"), &mut env);
        let ignored = if job.text("allow_failure") == Some("true") {
            Some("CI ignores its failure (allow_failure)".to_string())
        } else if job.text("when") == Some("manual") {
            Some("a manual job".to_string())
        } else {
            None
        };
        for key in ["before_script", "script"] {
            scripts(file, job.get(key), &env, &ignored, out);
        }
    }
}

fn travis(file: &str, doc: &Node, out: &mut Vec<CiCommand>) {
    let env = BTreeMap::new();
    for key in ["before_install", "install", "before_script", "script"] {
        scripts(file, doc.get(key), &env, &None, out);
    }
    for list in ["jobs", "matrix"] {
        for job in doc
            .get(list)
            .and_then(|j| j.get("include"))
            .map(Node::items)
            .unwrap_or_default()
        {
            for key in ["before_install", "install", "before_script", "script"] {
                scripts(file, job.get(key), &env, &None, out);
            }
        }
    }
}

fn circleci(file: &str, doc: &Node, out: &mut Vec<CiCommand>) {
    let env = BTreeMap::new();
    for (_, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        for step in job.get("steps").map(Node::items).unwrap_or_default() {
            let Some(run) = step.get("run") else {
                continue;
            };
            let command = run.get("command").unwrap_or(run);
            scripts(file, Some(command), &env, &None, out);
        }
    }
}

/// A `script:`-style list (or one string) of shell commands.
fn scripts(
    file: &str,
    node: Option<&Node>,
    env: &BTreeMap<String, String>,
    ignored: &Option<String>,
    out: &mut Vec<CiCommand>,
) {
    for item in node.map(Node::items).unwrap_or_default() {
        let Some(script) = item.str() else {
            continue;
        };
        for (offset, text) in script_lines(script) {
            out.push(CiCommand {
                file: file.to_string(),
                line: item.line + offset,
                text: expand(&text, &BTreeMap::new()).remove(0),
                cwd: None,
                env: env.clone(),
                ignored: ignored.clone(),
                job: file.to_string(),
            });
        }
    }
}

/// A script's logical lines with the offset of the line each starts on: comments and blank
/// lines left out, `\` continuations joined, and a compound command (`if … fi`, loops,
/// `case`, braces, an open quote) kept together until it closes.
pub fn script_lines(script: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut depth: i32 = 0;
    let mut heredoc: Option<String> = None;
    for (i, line) in script.lines().enumerate() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = line.trim();
        if current.is_empty() {
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            start = i;
        } else {
            current.push('\n');
        }
        current.push_str(line.trim_end().trim_end_matches('\\').trim_end());
        if let Some(pos) = trimmed.find("<<") {
            let tag = trimmed[pos + 2..]
                .trim_start_matches(['-', '~'])
                .trim()
                .trim_matches(['\'', '"']);
            let tag: String = tag
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() {
                heredoc = Some(tag);
            }
        }
        depth += block_depth(trimmed);
        let continued = trimmed.ends_with('\\')
            || trimmed.ends_with("&&")
            || trimmed.ends_with("||")
            || trimmed.ends_with('|')
            || unbalanced_quotes(&current);
        if depth <= 0 && !continued {
            out.push((start, std::mem::take(&mut current)));
            depth = 0;
        }
    }
    if !current.trim().is_empty() {
        out.push((start, current));
    }
    out
}

/// How much a line opens (`if`, `for`, `while`, `until`, `case`, `{`) or closes (`fi`,
/// `done`, `esac`, `}`) compound commands.
fn block_depth(line: &str) -> i32 {
    let mut depth = 0;
    for word in line
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
    {
        match word {
            "if" | "for" | "while" | "until" | "case" | "{" => depth += 1,
            "fi" | "done" | "esac" | "}" => depth -= 1,
            _ => {}
        }
    }
    depth
}

fn unbalanced_quotes(text: &str) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    single || double
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_blocks_split_into_commands() {
        let lines = script_lines(
            "# comment\ngo vet ./...\ngo test -v ./... | tee out.json || true\n\nif [ \"$(gofmt -s -l . | wc -l)\" -gt 0 ]; then\n  gofmt -s -l .\n  exit 1\nfi\ncargo clippy \\\n  --workspace\ncat <<EOF\nnot a command\nEOF\n",
        );
        let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts[0], "go vet ./...");
        assert_eq!(texts[1], "go test -v ./... | tee out.json || true");
        assert!(
            texts[2].starts_with("if [") && texts[2].ends_with("fi"),
            "{}",
            texts[2]
        );
        assert_eq!(texts[3], "cargo clippy\n  --workspace");
        assert_eq!(texts[4], "cat <<EOF");
        assert_eq!(texts.len(), 5);
        assert_eq!(lines[2].0, 4);
    }

    #[test]
    fn checking_actions_stand_for_their_commands() {
        let doc = yaml::parse(
            "jobs:\n  lint:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: pre-commit/action@v3.0.1\n      - uses: golangci/golangci-lint-action@v6\n        with:\n          version: latest\n",
        )
        .unwrap();
        let mut out = Vec::new();
        github(".github/workflows/lint.yml", &doc, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, "pre-commit run --all-files");
        assert_eq!(out[0].origin(), ".github/workflows/lint.yml:5");
        assert_eq!(out[0].ignored, None);
        assert_eq!(out[1].text, "golangci-lint run");
        assert!(
            out[1]
                .ignored
                .as_deref()
                .unwrap()
                .contains("downloads golangci-lint")
        );
    }

    #[test]
    fn matrix_values_expand() {
        let doc =
            yaml::parse("matrix:\n  task: [format, lint]\n  include:\n    - {task: typecheck}\n")
                .unwrap();
        let m = matrix(doc.get("matrix"));
        assert_eq!(
            expand("pnpm run ${{ matrix.task }}", &m),
            ["pnpm run format", "pnpm run lint", "pnpm run typecheck"]
        );
        assert_eq!(
            expand("tox -e ${{ matrix.tox || 'py' }}", &m),
            [format!("tox -e {UNKNOWN}")]
        );
        assert_eq!(
            expand("echo ${{ secrets.X }}", &m),
            [format!("echo {UNKNOWN}")]
        );
    }
}

//! `noxfile.py`, read without running Python: its sessions and, in each, the `session.run(…)`
//! calls whose arguments are string literals, plus what `session.install(…)` installs.

use std::path::Path;

/// One nox session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// Its name.
    pub name: String,
    /// The line of its `def`.
    pub line: usize,
    /// Commands of `session.run(...)` calls with only literal arguments.
    pub commands: Vec<String>,
    /// Packages of `session.install(...)` calls.
    pub installs: Vec<String>,
}

/// The sessions of `root/noxfile.py` and the default selection (`nox.options.sessions`).
pub fn sessions(root: &Path) -> Option<(Vec<Session>, Vec<String>)> {
    let text = std::fs::read_to_string(root.join("noxfile.py")).ok()?;
    Some(parse(&text))
}

fn parse(text: &str) -> (Vec<Session>, Vec<String>) {
    let mut sessions: Vec<Session> = Vec::new();
    let mut defaults = Vec::new();
    let mut decorated: Option<Option<String>> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.starts_with("nox.options.sessions") {
            defaults = literals(trimmed);
        } else if trimmed.starts_with("@nox.session") {
            let name = trimmed
                .split_once("name=")
                .and_then(|(_, rest)| literals(rest).into_iter().next());
            decorated = Some(name);
        } else if let Some(rest) = trimmed.strip_prefix("def ")
            && let Some(name) = decorated.take()
        {
            let def_name = rest.split('(').next().unwrap_or("").trim().to_string();
            sessions.push(Session {
                name: name.unwrap_or(def_name),
                line: i + 1,
                ..Session::default()
            });
        } else if !line.starts_with([' ', '\t']) && !trimmed.is_empty() && !trimmed.starts_with('@')
        {
            decorated = None;
        }
        for (call, is_run) in [("session.run(", true), ("session.install(", false)] {
            if let Some(start) = trimmed.find(call) {
                // Gather the call up to its closing parenthesis, across lines.
                let mut call_text = trimmed[start + call.len()..].to_string();
                let mut j = i;
                while call_text.matches('(').count() >= call_text.matches(')').count()
                    && j + 1 < lines.len()
                {
                    j += 1;
                    call_text.push(' ');
                    call_text.push_str(lines[j].trim());
                }
                let args = arguments(&call_text);
                if let Some(session) = sessions.last_mut() {
                    if is_run {
                        if let Some(words) = args {
                            session.commands.push(super::classify::join(&words));
                        }
                    } else {
                        session.installs.extend(
                            args.unwrap_or_default()
                                .into_iter()
                                .filter(|a| !a.starts_with('-')),
                        );
                    }
                }
                i = j;
            }
        }
        i += 1;
    }
    (sessions, defaults)
}

/// The positional arguments of a call (text after its `(`), when all are string literals.
fn arguments(call: &str) -> Option<Vec<String>> {
    let mut depth = 1;
    let mut end = call.len();
    for (i, c) in call.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let mut words = Vec::new();
    for arg in call[..end].split(',') {
        let arg = arg.trim();
        if arg.is_empty() || arg.contains('=') || arg.starts_with('*') {
            continue;
        }
        let unquoted = arg
            .strip_prefix('"')
            .and_then(|a| a.strip_suffix('"'))
            .or_else(|| arg.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))?;
        words.push(unquoted.to_string());
    }
    (!words.is_empty()).then_some(words)
}

/// The string literals in `text`.
fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let s: String = chars.by_ref().take_while(|d| *d != c).collect();
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_runs() {
        let (sessions, defaults) = parse(
            "import nox\nnox.options.sessions = [\"tests\", \"lint\"]\n\n@nox.session(python=[\"3.11\"])\ndef tests(session):\n    session.install(\"-e\", \".\", \"pytest\")\n    session.run(\"pytest\", \"-q\", *session.posargs)\n\n@nox.session(name=\"lint\")\ndef lint_it(session):\n    session.run(\n        \"flake8\",\n        \"src\",\n    )\n",
        );
        assert_eq!(defaults, ["tests", "lint"]);
        assert_eq!(sessions[0].name, "tests");
        assert_eq!(
            sessions[0].commands,
            ["pytest -q"],
            "`*session.posargs` is left out"
        );
        assert_eq!(sessions[0].installs, [".", "pytest"]);
        assert_eq!(sessions[1].name, "lint");
        assert_eq!(sessions[1].commands, ["flake8 src"]);
    }
}

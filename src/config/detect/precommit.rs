//! `.pre-commit-config.yaml`: the hooks that are checks we can run directly (ruff, black,
//! isort, flake8, mypy, and `local` hooks with a `system` entry). pre-commit itself installs
//! each hook's environment from the network, and many hooks rewrite files, so the gate runs the
//! tools instead.

use std::path::Path;

use super::yaml::{self, Node};

/// The file's name.
pub const FILE: &str = ".pre-commit-config.yaml";

/// A hook, as a command to classify.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// The command that checks what the hook checks, without changing files.
    pub command: String,
    /// `.pre-commit-config.yaml:LINE (hook ID)`.
    pub origin: String,
}

/// The hooks of `root`'s pre-commit configuration that map to commands, and the ids of the
/// others. `mypy_has_files`: the project's mypy configuration names what to check, so the
/// mypy hook runs `mypy` alone.
pub fn hooks(root: &Path, mypy_has_files: bool) -> Option<(Vec<Hook>, Vec<String>)> {
    let doc = yaml::parse(&std::fs::read_to_string(root.join(FILE)).ok()?)?;
    let mut found = Vec::new();
    let mut other = Vec::new();
    for repo in doc.get("repos").map(Node::items).unwrap_or_default() {
        let local = repo.text("repo") == Some("local");
        for hook in repo.get("hooks").map(Node::items).unwrap_or_default() {
            let id = hook.text("id").unwrap_or_default().to_string();
            let command = if local && hook.text("language") == Some("system") {
                hook.text("entry").map(|entry| {
                    let args: Vec<&str> = hook
                        .get("args")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| a.str())
                        .collect();
                    let mut command = entry.to_string();
                    for a in args {
                        command.push(' ');
                        command.push_str(&super::classify::quote(a));
                    }
                    if hook.text("pass_filenames") != Some("false") {
                        command.push_str(" .");
                    }
                    command
                })
            } else {
                known(&id, mypy_has_files)
            };
            match command {
                Some(command) => found.push(Hook {
                    command,
                    origin: format!("{FILE}:{} (hook {id})", hook.line),
                }),
                None => other.push(id),
            }
        }
    }
    Some((found, other))
}

/// The direct command for a well-known hook id.
fn known(id: &str, mypy_has_files: bool) -> Option<String> {
    Some(
        match id {
            "ruff" | "ruff-check" => "ruff check --no-fix .",
            "ruff-format" => "ruff format --check .",
            "black" => "black --check .",
            "isort" => "isort --check-only .",
            "flake8" => "flake8",
            "mypy" if mypy_has_files => "mypy",
            "mypy" => "mypy .",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_local_hooks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.11.11\n    hooks:\n      - id: ruff\n        args: [--fix]\n      - id: ruff-format\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n    hooks:\n      - id: trailing-whitespace\n  - repo: local\n    hooks:\n      - id: fmt\n        name: fmt\n        entry: cargo fmt --check\n        language: system\n        pass_filenames: false\n",
        )
        .unwrap();
        let (hooks, other) = hooks(dir.path(), false).unwrap();
        let commands: Vec<&str> = hooks.iter().map(|h| h.command.as_str()).collect();
        assert_eq!(
            commands,
            [
                "ruff check --no-fix .",
                "ruff format --check .",
                "cargo fmt --check"
            ]
        );
        assert_eq!(hooks[0].origin, ".pre-commit-config.yaml:5 (hook ruff)");
        assert_eq!(other, ["trailing-whitespace"]);
    }
}

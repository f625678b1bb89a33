//! Finding programs on PATH without running a shell.

use std::path::{Path, PathBuf};

/// The full path of `program` on PATH, if it is an executable file there.
pub fn find(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The first line `program --version` prints, if it runs.
pub fn version(program: &str) -> Option<String> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    };
    String::from_utf8_lossy(text)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
}

/// The program a shell command starts with, skipping `VAR=value` prefixes; `None` for shell
/// syntax we cannot attribute to one program (builtins, subshells).
pub fn program_of(command: &str) -> Option<String> {
    const BUILTINS: &[&str] = &[
        "cd", "test", "[", "echo", "export", "set", "exit", "true", "false", "if", "for", "while",
        "exec", "eval", ":", "printf", "source", ".", "(", "{",
    ];
    let word = command
        .split_whitespace()
        .find(|w| !w.contains('=') || w.starts_with('='))?;
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    (!BUILTINS.contains(&word) && !word.starts_with('$') && !word.is_empty())
        .then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_of_skips_env_prefixes_and_builtins() {
        assert_eq!(
            program_of("RUST_LOG=1 cargo test").as_deref(),
            Some("cargo")
        );
        assert_eq!(program_of("cd sub && make"), None);
        assert_eq!(program_of("npm run lint").as_deref(), Some("npm"));
    }

    #[test]
    fn finds_sh() {
        assert!(find("sh").is_some());
        assert!(find("surely-not-a-program-xyz").is_none());
    }
}

//! Programs: finding them on PATH without running a shell, asking their version, what to do
//! when one is missing, and which ones a shell command needs (through Makefile recipes and
//! `package.json` scripts).

pub mod hints;
pub mod makefile;
pub mod needs;
pub mod node;
pub mod shell;

use std::path::{Path, PathBuf};

pub use needs::Tool;

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

/// `git -C root`, ready for its arguments: the one way sdetkit starts git. Git's path is
/// looked up once per process: each start would search PATH again, trying every directory
/// before git's own (a daily lane starts git eight times). Not found, it stays `git`, and
/// starting it fails as it always did.
pub fn git(root: &Path) -> std::process::Command {
    static GIT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let program = GIT.get_or_init(|| find("git").unwrap_or_else(|| PathBuf::from("git")));
    let mut cmd = std::process::Command::new(program);
    cmd.arg("-C").arg(root);
    cmd
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The first line `program` prints when asked its version (with the flag it understands:
/// `go version`, not `go --version`), if it runs.
pub fn version(program: &Path) -> Option<String> {
    let name = program.file_name()?.to_string_lossy().into_owned();
    let args = hints::version_args(&name)?;
    let out = std::process::Command::new(program)
        .args(args)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh() {
        assert!(find("sh").is_some());
        assert!(find("surely-not-a-program-xyz").is_none());
    }
}

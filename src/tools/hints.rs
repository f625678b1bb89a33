//! What to do when a program is missing, and how to ask it its version: one table, shared by
//! detection (a detected step's `requires`), the runner (a configured step that exits 127) and
//! the doctor (`tools`).

/// `(program, install hint, version arguments)`; an empty argument list means the program has
/// no version flag worth calling.
const TABLE: &[(&str, &str, &[&str])] = &[
    ("cargo", RUSTUP, &["--version"]),
    ("rustc", RUSTUP, &["--version"]),
    ("rustup", RUSTUP, &["--version"]),
    ("rustfmt", "rustup component add rustfmt", &["--version"]),
    (
        "cargo-clippy",
        "rustup component add clippy",
        &["--version"],
    ),
    (
        "cargo-nextest",
        "cargo install cargo-nextest --locked",
        &["--version"],
    ),
    (
        "cargo-hack",
        "cargo install cargo-hack --locked",
        &["--version"],
    ),
    ("go", GO, &["version"]),
    ("gofmt", GO, &[]),
    (
        "golangci-lint",
        "install golangci-lint (https://golangci-lint.run/welcome/install/)",
        &["--version"],
    ),
    (
        "staticcheck",
        "go install honnef.co/go/tools/cmd/staticcheck@latest",
        &["-version"],
    ),
    ("node", NODE, &["--version"]),
    ("npm", NODE, &["--version"]),
    ("npx", NODE, &["--version"]),
    (
        "pnpm",
        "npm install -g pnpm (or `corepack enable`)",
        &["--version"],
    ),
    (
        "yarn",
        "npm install -g yarn (or `corepack enable`)",
        &["--version"],
    ),
    ("bun", "install Bun (https://bun.sh)", &["--version"]),
    (
        "python",
        "install Python 3, or activate the project's virtualenv (it provides `python`)",
        &["--version"],
    ),
    (
        "python3",
        "install Python 3 (e.g. `apt-get install python3`)",
        &["--version"],
    ),
    (
        "pip",
        "python3 -m ensurepip, or activate the project's virtualenv",
        &["--version"],
    ),
    ("pip3", "python3 -m ensurepip", &["--version"]),
    ("pytest", "pip install pytest", &["--version"]),
    ("py.test", "pip install pytest", &["--version"]),
    (
        "flake8",
        "pip install flake8 (and the plugins the project's tox.ini or requirements name)",
        &["--version"],
    ),
    ("mypy", "pip install mypy", &["--version"]),
    ("ruff", "pip install ruff", &["--version"]),
    ("black", "pip install black", &["--version"]),
    ("isort", "pip install isort", &["--version"]),
    ("pylint", "pip install pylint", &["--version"]),
    ("pyright", "pip install pyright", &["--version"]),
    ("tox", "pip install tox", &["--version"]),
    ("nox", "pip install nox", &["--version"]),
    ("pre-commit", "pip install pre-commit", &["--version"]),
    ("uv", "pip install uv", &["--version"]),
    ("poetry", "pip install poetry", &["--version"]),
    (
        "make",
        "install GNU make (e.g. `apt-get install make`)",
        &["--version"],
    ),
    (
        "cc",
        "install a C compiler (e.g. `apt-get install gcc`)",
        &["--version"],
    ),
    ("gcc", "apt-get install gcc", &["--version"]),
    ("g++", "apt-get install g++", &["--version"]),
    ("clang", "apt-get install clang", &["--version"]),
    ("clang-tidy", "apt-get install clang-tidy", &["--version"]),
    (
        "clang-format",
        "apt-get install clang-format",
        &["--version"],
    ),
    ("cmake", "apt-get install cmake", &["--version"]),
    (
        "tree-sitter",
        "cargo install tree-sitter-cli --locked (or `npm install -g tree-sitter-cli`)",
        &["--version"],
    ),
    ("shellcheck", "apt-get install shellcheck", &["--version"]),
    ("git", "apt-get install git", &["--version"]),
    (
        "docker",
        "install Docker (https://docs.docker.com/engine/install/)",
        &["--version"],
    ),
];

const RUSTUP: &str = "install Rust with rustup (https://rustup.rs)";
const GO: &str = "install Go (https://go.dev/doc/install)";
const NODE: &str = "install Node.js (it ships npm)";

/// How to install `program`, when it is a program we know.
pub fn install_hint(program: &str) -> Option<&'static str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    TABLE
        .iter()
        .find(|(p, _, _)| *p == name)
        .map(|(_, hint, _)| *hint)
        .or_else(|| name.starts_with("python3.").then_some(TABLE_PYTHON3))
}

const TABLE_PYTHON3: &str = "install that Python version, or use the project's virtualenv";

/// The arguments that make `program` print its version (`go version`, not `go --version`);
/// `None` when it has no such flag.
pub fn version_args(program: &str) -> Option<&'static [&'static str]> {
    let name = program.rsplit('/').next().unwrap_or(program);
    match TABLE.iter().find(|(p, _, _)| *p == name) {
        Some((_, _, [])) => None,
        Some((_, _, args)) => Some(args),
        None => Some(&["--version"]),
    }
}

/// The hint for a program we do not know.
pub fn generic_hint(program: &str) -> String {
    format!("install `{program}` or fix the step's command")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_and_version_flags() {
        assert!(
            install_hint("clang-tidy")
                .unwrap()
                .contains("apt-get install clang-tidy")
        );
        assert!(install_hint("/usr/bin/go").unwrap().contains("go.dev"));
        assert_eq!(install_hint("surely-unknown"), None);
        assert_eq!(version_args("go"), Some(&["version"][..]));
        assert_eq!(version_args("gofmt"), None);
        assert_eq!(version_args("whatever"), Some(&["--version"][..]));
    }
}

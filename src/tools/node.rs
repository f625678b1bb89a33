//! Node projects: which package manager a directory uses (by its lockfile), how to install its
//! dependencies, and how to read and call its `package.json` scripts.

use std::path::Path;

/// A Node package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// npm (`package-lock.json`, or no lockfile).
    Npm,
    /// pnpm (`pnpm-lock.yaml`).
    Pnpm,
    /// Yarn (`yarn.lock`).
    Yarn,
    /// Bun (`bun.lock`, `bun.lockb`).
    Bun,
}

impl PackageManager {
    /// The package manager of the project in `dir`: by lockfile, then by the `packageManager`
    /// field of `package.json`; npm otherwise.
    pub fn of(dir: &Path) -> PackageManager {
        if dir.join("pnpm-lock.yaml").is_file() {
            return PackageManager::Pnpm;
        }
        if dir.join("yarn.lock").is_file() {
            return PackageManager::Yarn;
        }
        if dir.join("bun.lock").is_file() || dir.join("bun.lockb").is_file() {
            return PackageManager::Bun;
        }
        let declared = manifest(dir)
            .and_then(|m| m.get("packageManager")?.as_str().map(str::to_string))
            .unwrap_or_default();
        match declared.split('@').next().unwrap_or("") {
            "pnpm" => PackageManager::Pnpm,
            "yarn" => PackageManager::Yarn,
            "bun" => PackageManager::Bun,
            _ => PackageManager::Npm,
        }
    }

    /// The program's name.
    pub fn program(self) -> &'static str {
        match self {
            PackageManager::Npm => "npm",
            PackageManager::Pnpm => "pnpm",
            PackageManager::Yarn => "yarn",
            PackageManager::Bun => "bun",
        }
    }

    /// The command that installs the dependencies exactly as locked (`npm install` when an npm
    /// project has no lockfile).
    pub fn install(self, dir: &Path) -> &'static str {
        match self {
            PackageManager::Npm if dir.join("package-lock.json").is_file() => "npm ci",
            PackageManager::Npm if dir.join("npm-shrinkwrap.json").is_file() => "npm ci",
            PackageManager::Npm => "npm install",
            PackageManager::Pnpm => "pnpm install --frozen-lockfile",
            PackageManager::Yarn => "yarn install --frozen-lockfile",
            PackageManager::Bun => "bun install --frozen-lockfile",
        }
    }

    /// The command that runs script `name`.
    pub fn run_script(self, name: &str) -> String {
        match (self, name) {
            (PackageManager::Npm, "test") => "npm test".into(),
            (pm, _) => format!("{} run {name}", pm.program()),
        }
    }
}

/// The hint for a tool that should come from `node_modules/.bin`.
pub fn deps_hint(dir: &Path) -> String {
    format!(
        "dependencies are not installed: run `{}`",
        PackageManager::of(dir).install(dir)
    )
}

/// `package.json` in `dir`, parsed; `None` when absent or not JSON.
pub fn manifest(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The body of script `name` in `dir`'s `package.json`.
pub fn script(dir: &Path, name: &str) -> Option<String> {
    manifest(dir)?
        .get("scripts")?
        .get(name)?
        .as_str()
        .map(str::to_string)
}

/// Commands of each package manager that are its own, not a script's name (`pnpm install`).
const OWN_COMMANDS: &[&str] = &[
    "install",
    "i",
    "ci",
    "add",
    "remove",
    "rm",
    "uninstall",
    "update",
    "up",
    "upgrade",
    "exec",
    "dlx",
    "x",
    "publish",
    "pack",
    "link",
    "unlink",
    "audit",
    "outdated",
    "prune",
    "dedupe",
    "init",
    "create",
    "config",
    "set",
    "cache",
    "store",
    "why",
    "list",
    "ls",
    "version",
    "view",
    "info",
    "login",
    "logout",
    "whoami",
    "rebuild",
    "import",
    "fetch",
    "setup",
    "patch",
    "workspace",
    "workspaces",
    "global",
    "bin",
    "root",
    "help",
    "env",
    "doctor",
    "clean",
];

/// What a package-manager command line (`npm run lint`, `pnpm typecheck`, `yarn test`,
/// `npx eslint .`) calls.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// A `package.json` script, by name.
    Script(String),
    /// A tool from `node_modules/.bin` (`npx eslint`, `pnpm exec tsc`): its name.
    Bin(String),
    /// The package manager's own command (`install`, `publish`…): its name.
    Own(String),
}

/// What `words` (a simple command starting with npm, pnpm, yarn, bun or npx) calls, given the
/// scripts `dir` defines.
pub fn invocation(words: &[String], dir: &Path) -> Option<Invocation> {
    let program = words.first()?.rsplit('/').next()?;
    let args: Vec<&String> = words[1..].iter().filter(|w| !w.starts_with('-')).collect();
    let first = args.first().map(|s| s.as_str());
    let second = args.get(1).map(|s| s.to_string());
    match (program, first) {
        ("npx", Some(tool)) | ("pnpx", Some(tool)) => Some(Invocation::Bin(tool.to_string())),
        ("npm" | "pnpm" | "yarn" | "bun", Some("run" | "run-script")) => {
            second.map(Invocation::Script)
        }
        ("npm" | "pnpm" | "yarn" | "bun", Some("test" | "t" | "tst")) => {
            Some(Invocation::Script("test".into()))
        }
        ("npm", Some("start")) => Some(Invocation::Script("start".into())),
        ("npm" | "pnpm" | "yarn" | "bun", Some("exec" | "x" | "dlx")) => {
            second.map(Invocation::Bin)
        }
        ("pnpm" | "yarn" | "bun", Some(name)) if script(dir, name).is_some() => {
            Some(Invocation::Script(name.to_string()))
        }
        ("pnpm" | "yarn" | "bun", Some(name)) if !OWN_COMMANDS.contains(&name) => {
            Some(Invocation::Bin(name.to_string()))
        }
        ("yarn", None) => Some(Invocation::Own("install".into())),
        (_, Some(name)) => Some(Invocation::Own(name.to_string())),
        (_, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn invocations() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"scripts": {"typecheck": "tsc --noEmit"}}"#,
        )
        .unwrap();
        let d = dir.path();
        let s = |n: &str| Some(Invocation::Script(n.into()));
        assert_eq!(invocation(&words("npm run lint"), d), s("lint"));
        assert_eq!(invocation(&words("npm test"), d), s("test"));
        assert_eq!(invocation(&words("pnpm typecheck"), d), s("typecheck"));
        assert_eq!(invocation(&words("pnpm run --silent lint"), d), s("lint"));
        assert_eq!(
            invocation(&words("npx eslint ."), d),
            Some(Invocation::Bin("eslint".into()))
        );
        assert_eq!(
            invocation(&words("pnpm exec tsc"), d),
            Some(Invocation::Bin("tsc".into()))
        );
        assert_eq!(
            invocation(&words("npm ci --legacy-peer-deps"), d),
            Some(Invocation::Own("ci".into()))
        );
        assert_eq!(
            invocation(&words("pnpm install"), d),
            Some(Invocation::Own("install".into()))
        );
    }

    #[test]
    fn package_manager_by_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(PackageManager::of(dir.path()), PackageManager::Npm);
        assert_eq!(PackageManager::Npm.install(dir.path()), "npm install");
        std::fs::write(dir.path().join("pnpm-lock.yaml"), "").unwrap();
        let pm = PackageManager::of(dir.path());
        assert_eq!(pm.install(dir.path()), "pnpm install --frozen-lockfile");
        assert_eq!(pm.run_script("format:check"), "pnpm run format:check");
        assert_eq!(PackageManager::Npm.run_script("test"), "npm test");
    }
}

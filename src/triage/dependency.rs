//! Package managers that could not resolve or fetch a dependency: pip, npm, pnpm, cargo, and
//! Python's own `ModuleNotFoundError`.
//!
//! The message is the line that names what is missing (npm's `404 Not Found - GET <url>`,
//! not its `code E404`), the location is where the dependency is declared (`package.json`,
//! the lockfile entry) when the repository is at hand, and the rerun asks the registry for
//! exactly that version (`npm view pkg@1.2.3 version`), which fails the same way.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Follow, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

/// Phrases that only a failed resolution prints.
const PHRASES: &[&str] = &[
    "Could not find a version that satisfies the requirement",
    "No matching distribution found for",
    "ResolutionImpossible",
    "failed to select a version for",
    "no matching package named",
    "ModuleNotFoundError: No module named",
];

/// `npm error code E404` (npm 7+: `npm error`, before: `npm ERR!`).
static NPM_CODE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^npm (?:error|ERR!) code (E404|ETARGET|ERESOLVE|EINTEGRITY)$"));
static NPM_404: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^npm (?:error|ERR!) 404 +Not Found - GET (\S+)"));
static NPM_NOTARGET: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^npm (?:error|ERR!) notarget No matching version found for (\S+?)\.?$")
});
static PNPM: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*(ERR_PNPM_[A-Z_]+)\s+(.+)$"));
static PNPM_SPEC: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"No matching version found for (\S+?)(?: while|$)"));
static PNPM_MISMATCH: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\s*- (\S+) \(lockfile: [^,]*, manifest: [^)]*\)$"));
static PIP_SPEC: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?:satisfies the requirement|distribution found for) (\S+)"));
/// A tarball URL: `…/name/-/name-1.2.3.tgz` or `…/@scope/name/-/name-1.2.3.tgz`.
static TARBALL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"/((?:@[^/]+/)?[^/]+)/-/([^/]+)\.tgz$"));

/// Kinds of failure, kept in the hit's notes until the rerun is built.
const NPM: &str = "npm";
const PNPM_TOOL: &str = "pnpm";
const PIP: &str = "pip";

/// Dependency resolution failures.
pub struct Dependency;

impl Matcher for Dependency {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        let mut hit = Hit::new(Layer::Runner, Classification::Dependency, line.trim());
        if NPM_CODE.is_match(line) {
            // The lines after the code say what is missing.
            hit.scratch.names.push(NPM.to_string());
            return Some(hit);
        }
        if let Some(c) = PNPM.captures(line) {
            hit.message = format!("{}  {}", &c[1], c[2].trim());
            hit.scratch.names.push(PNPM_TOOL.to_string());
            hit.scratch.names.push(c[1].to_string());
            if let Some(s) = PNPM_SPEC.captures(&c[2]) {
                hit.scratch.names.push(s[1].to_string());
            }
            return Some(hit);
        }
        if let Some(spec) = npm_spec(line) {
            hit.scratch.names = vec![NPM.to_string(), spec];
            return Some(hit);
        }
        if !PHRASES.iter().any(|p| line.contains(p)) {
            return None;
        }
        if let Some(c) = PIP_SPEC.captures(line) {
            hit.message = short_pip(line.trim());
            hit.scratch.names = vec![PIP.to_string(), c[1].to_string()];
        }
        Some(hit)
    }

    fn follow(&self, hit: &mut Hit, line: &str) -> Follow {
        match hit.scratch.names.first().map(String::as_str) {
            Some(NPM) if hit.scratch.names.len() == 1 => {
                if let Some(spec) = npm_spec(line) {
                    hit.message = line.trim().to_string();
                    hit.scratch.names.push(spec);
                    return Follow::Done;
                }
                if line.starts_with("npm error") || line.starts_with("npm ERR!") {
                    Follow::More
                } else {
                    Follow::Done
                }
            }
            Some(PNPM_TOOL) if hit.scratch.names.len() == 2 => {
                // The outdated lockfile's first mismatched dependency.
                if let Some(c) = PNPM_MISMATCH.captures(line) {
                    hit.scratch.names.push(c[1].to_string());
                    hit.closed = true;
                    return Follow::Done;
                }
                if PNPM.is_match(line) {
                    return Follow::Done;
                }
                Follow::More
            }
            _ => Follow::Done,
        }
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let names = hit.scratch.names.clone();
        match names.first().map(String::as_str) {
            Some(NPM) => {
                let Some(spec) = names.get(1) else {
                    return;
                };
                hit.next_command = Some(format!("npm view {} version", shell_quote(spec)));
                let (name, _) = split_spec(spec);
                let pinned = hit.message.contains("404");
                declared(hit, step, name, pinned);
            }
            Some(PNPM_TOOL) => {
                let code = names.get(1).map_or("", String::as_str);
                let dep = names.get(2);
                hit.next_command = match (code, dep) {
                    ("ERR_PNPM_OUTDATED_LOCKFILE", _) => {
                        Some("pnpm install --frozen-lockfile".to_string())
                    }
                    (_, Some(spec)) => Some(format!("pnpm view {} version", shell_quote(spec))),
                    _ => None,
                };
                if let Some(dep) = dep {
                    let (name, _) = split_spec(dep);
                    declared(hit, step, name, false);
                }
            }
            Some(PIP) => {
                if let Some(spec) = names.get(1) {
                    hit.next_command = Some(format!("pip install {}", shell_quote(spec)));
                }
            }
            _ => {}
        }
    }
}

/// The `name@version` an npm error line is about (a missing tarball, a missing version).
fn npm_spec(line: &str) -> Option<String> {
    if let Some(c) = NPM_NOTARGET.captures(line) {
        return Some(c[1].to_string());
    }
    let url = NPM_404.captures(line)?;
    let c = TARBALL.captures(&url[1])?;
    let name = c[1].replace("%2f", "/").replace("%2F", "/");
    // The file is `<name without scope>-<version>.tgz`.
    let base = name.rsplit('/').next().unwrap_or(&name);
    let version = c[2].strip_prefix(&format!("{base}-"))?;
    Some(format!("{name}@{version}"))
}

/// `name@version` is `name` and `version` (a scoped `@scope/name@1.0.0` too).
fn split_spec(spec: &str) -> (&str, &str) {
    match spec.get(1..).and_then(|s| s.rfind('@')) {
        Some(at) => (&spec[..at + 1], &spec[at + 2..]),
        None => (spec, ""),
    }
}

/// Where `name` is declared: its entry in `package.json`, or in `package-lock.json` for a
/// version the lockfile pins (`pinned`: a tarball that could not be fetched), which is
/// then looked up first.
fn declared(hit: &mut Hit, step: &Step, name: &str, pinned: bool) {
    let key = format!("\"{name}\":");
    let entry = format!("\"node_modules/{name}\":");
    let manifest = || {
        step.line_in("package.json", |l| l.trim_start().starts_with(&key))
            .map(|at| ("package.json", at))
    };
    let lock = || {
        step.line_in("package-lock.json", |l| l.trim_start().starts_with(&entry))
            .map(|at| ("package-lock.json", at))
    };
    let found = if pinned {
        lock().or_else(manifest)
    } else {
        manifest()
    };
    if let Some((file, at)) = found {
        hit.file = Some(file.to_string());
        hit.line = Some(at);
    }
}

/// pip's "(from versions: …)" lists every release; a few at each end say enough.
fn short_pip(line: &str) -> String {
    let Some((head, list)) = line.split_once("(from versions: ") else {
        return line.to_string();
    };
    let versions: Vec<&str> = list.trim_end_matches(')').split(", ").collect();
    if versions.len() <= 6 {
        return line.to_string();
    }
    let first = versions[..3].join(", ");
    let last = versions[versions.len() - 3..].join(", ");
    format!("{head}(from versions: {first}, …, {last})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_from_npm_lines() {
        assert_eq!(
            npm_spec(
                "npm error 404 Not Found - GET https://registry.npmjs.org/zshy/-/zshy-0.3.0.tgz"
            )
            .as_deref(),
            Some("zshy@0.3.0")
        );
        assert_eq!(
            npm_spec(
                "npm ERR! 404 Not Found - GET https://r.org/@scope%2fpkg/-/pkg-1.2.3-beta.1.tgz"
            )
            .as_deref(),
            Some("@scope/pkg@1.2.3-beta.1")
        );
        assert_eq!(
            npm_spec("npm error notarget No matching version found for eslint@99.99.99.")
                .as_deref(),
            Some("eslint@99.99.99")
        );
        assert_eq!(split_spec("@scope/pkg@1.0.0"), ("@scope/pkg", "1.0.0"));
        assert_eq!(split_spec("jest@99.99.99"), ("jest", "99.99.99"));
    }

    #[test]
    fn pip_version_lists_are_cut() {
        let line = "ERROR: Could not find a version that satisfies the requirement x==9 (from versions: 1, 2, 3, 4, 5, 6, 7)";
        assert_eq!(
            short_pip(line),
            "ERROR: Could not find a version that satisfies the requirement x==9 (from versions: 1, 2, 3, …, 5, 6, 7)"
        );
    }
}

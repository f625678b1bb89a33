//! Auto-detection of fast-gate steps from the repository's manifests (PRODUCT §4.1), used
//! when there is no `sdetkit.toml`. Every step says why it is there.

use std::path::Path;

use serde::Serialize;

use super::{Config, DoctorOptions, ReleaseOptions, StepSpec, builtin_thresholds};

/// One detected ecosystem and the evidence for it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// `rust`, `python`, `node`, `go` or `make`.
    pub ecosystem: String,
    /// The file that gave it away.
    pub evidence: String,
    /// The steps it contributed, by id.
    pub steps: Vec<String>,
    /// Anything left out, and why.
    pub notes: Vec<String>,
}

/// A detector: the finding and steps of one ecosystem, if present.
type Detector = fn(&Path) -> Option<(Finding, Vec<StepSpec>)>;

/// The configuration auto-detection gives for `root`.
pub fn config(root: &Path) -> Config {
    let (fast, detected) = steps(root);
    Config {
        source: None,
        setup: None,
        fast,
        release: ReleaseOptions::default(),
        release_steps: Vec::new(),
        doctor: DoctorOptions::default(),
        doctor_steps: Vec::new(),
        thresholds: builtin_thresholds(),
        jobs: None,
        kill_grace: super::DEFAULT_KILL_GRACE,
        detected,
        history: super::HistoryOptions::default(),
    }
}

/// Detects the fast-gate steps of every ecosystem present (a polyglot repo gets them all).
pub fn steps(root: &Path) -> (Vec<StepSpec>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut all = Vec::new();
    let detectors: [Detector; 4] = [rust, python, node, go];
    for detect in detectors {
        if let Some((finding, steps)) = detect(root) {
            findings.push(finding);
            all.extend(steps);
        }
    }
    // A Makefile's test/lint targets usually wrap the same commands as the manifests above;
    // running both would do the work twice, so make targets are used only on their own.
    if let Some((mut finding, steps)) = make(root) {
        if all.is_empty() {
            all.extend(steps);
        } else {
            finding.notes.push(format!(
                "make targets not added: {} ecosystem steps already cover the repository; list `make` steps in sdetkit.toml to run them too",
                findings.iter().map(|f| f.ecosystem.as_str()).collect::<Vec<_>>().join("/")
            ));
            finding.steps.clear();
        }
        findings.push(finding);
    }
    (all, findings)
}

fn finding(ecosystem: &str, evidence: &str, steps: &[StepSpec], notes: Vec<String>) -> Finding {
    Finding {
        ecosystem: ecosystem.into(),
        evidence: evidence.into(),
        steps: steps.iter().map(|s| s.id.clone()).collect(),
        notes,
    }
}

fn rust(root: &Path) -> Option<(Finding, Vec<StepSpec>)> {
    root.join("Cargo.toml").is_file().then_some(())?;
    const RUSTUP: &str = "install Rust with rustup (https://rustup.rs)";
    let steps = vec![
        StepSpec::new("cargo-fmt", "cargo fmt --check")
            .requires("cargo", RUSTUP)
            .requires("rustfmt", "rustup component add rustfmt"),
        StepSpec::new("cargo-clippy", "cargo clippy --all-targets -- -D warnings")
            .requires("cargo", RUSTUP)
            .requires("cargo-clippy", "rustup component add clippy"),
        StepSpec::new("cargo-test", "cargo test").requires("cargo", RUSTUP),
    ];
    Some((finding("rust", "Cargo.toml", &steps, Vec::new()), steps))
}

fn python(root: &Path) -> Option<(Finding, Vec<StepSpec>)> {
    let evidence = ["pyproject.toml", "setup.py"]
        .into_iter()
        .find(|f| root.join(f).is_file())?;
    let pyproject = std::fs::read_to_string(root.join("pyproject.toml")).unwrap_or_default();
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let ruff_configured = pyproject.contains("[tool.ruff")
        || root.join("ruff.toml").is_file()
        || root.join(".ruff.toml").is_file();
    if ruff_configured || crate::tools::find("ruff").is_some() {
        steps.push(StepSpec::new("ruff", "ruff check .").requires("ruff", "pip install ruff"));
    } else {
        notes.push(
            "ruff not added: not configured ([tool.ruff] or ruff.toml) and not installed".into(),
        );
    }
    if has_python_tests(root, &pyproject) {
        let step = if crate::tools::find("pytest").is_some() {
            StepSpec::new("pytest", "pytest").requires("pytest", "pip install pytest")
        } else {
            StepSpec::new("pytest", "python3 -m pytest")
                .requires("python3", "install Python 3")
                .requires("pytest", "pip install pytest")
        };
        steps.push(step);
    } else {
        notes.push(
            "pytest not added: no tests/ directory, test_*.py file or [tool.pytest] section".into(),
        );
    }
    Some((finding("python", evidence, &steps, notes), steps))
}

fn has_python_tests(root: &Path, pyproject: &str) -> bool {
    if pyproject.contains("[tool.pytest")
        || root.join("pytest.ini").is_file()
        || root.join("tests").is_dir()
    {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
    })
}

fn node(root: &Path) -> Option<(Finding, Vec<StepSpec>)> {
    let text = std::fs::read_to_string(root.join("package.json")).ok()?;
    let mut notes = Vec::new();
    let manifest: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            notes.push(format!(
                "package.json is not valid JSON ({e}); no npm steps added"
            ));
            return Some((finding("node", "package.json", &[], notes), Vec::new()));
        }
    };
    let (tool, hint) = if root.join("pnpm-lock.yaml").is_file() {
        ("pnpm", "npm install -g pnpm")
    } else if root.join("yarn.lock").is_file() {
        ("yarn", "npm install -g yarn")
    } else {
        ("npm", "install Node.js (it ships npm)")
    };
    let scripts = manifest.get("scripts").and_then(|s| s.as_object());
    let mut steps = Vec::new();
    for script in ["lint", "test"] {
        let Some(body) = scripts.and_then(|s| s.get(script)).and_then(|b| b.as_str()) else {
            notes.push(format!("no `{script}` script in package.json"));
            continue;
        };
        // `npm init` writes a test script that always fails; it checks nothing.
        if body.contains("no test specified") {
            notes.push(format!(
                "`{script}` script is the npm placeholder; not added"
            ));
            continue;
        }
        let run = match (tool, script) {
            ("npm", "test") => "npm test".to_string(),
            ("yarn", _) => format!("yarn {script}"),
            _ => format!("{tool} run {script}"),
        };
        steps.push(StepSpec::new(&format!("{tool}-{script}"), &run).requires(tool, hint));
    }
    Some((finding("node", "package.json", &steps, notes), steps))
}

fn go(root: &Path) -> Option<(Finding, Vec<StepSpec>)> {
    root.join("go.mod").is_file().then_some(())?;
    const GO: &str = "install Go (https://go.dev/doc/install)";
    let gofmt = "files=$(gofmt -l .) || exit $?; if [ -n \"$files\" ]; then echo \"gofmt: these files need formatting (run gofmt -w .):\"; echo \"$files\"; exit 1; fi";
    let steps = vec![
        StepSpec::new("gofmt", gofmt).requires("gofmt", GO),
        StepSpec::new("go-vet", "go vet ./...").requires("go", GO),
        StepSpec::new("go-test", "go test ./...").requires("go", GO),
    ];
    Some((finding("go", "go.mod", &steps, Vec::new()), steps))
}

fn make(root: &Path) -> Option<(Finding, Vec<StepSpec>)> {
    let name = ["GNUmakefile", "Makefile", "makefile"]
        .into_iter()
        .find(|f| root.join(f).is_file())?;
    let text = std::fs::read_to_string(root.join(name)).ok()?;
    let steps: Vec<StepSpec> = ["lint", "check", "test"]
        .into_iter()
        .filter(|target| has_target(&text, target))
        .map(|target| {
            StepSpec::new(&format!("make-{target}"), &format!("make {target}"))
                .requires("make", "install GNU make")
        })
        .collect();
    if steps.is_empty() {
        return None;
    }
    Some((finding("make", name, &steps, Vec::new()), steps))
}

/// Whether a Makefile defines `target:` (not `target :=`, a variable).
fn has_target(makefile: &str, target: &str) -> bool {
    makefile.lines().any(|line| {
        line.split_once(':').is_some_and(|(names, rest)| {
            !rest.starts_with('=')
                && names.split_whitespace().any(|n| n == target)
                && !line.starts_with(['\t', '#'])
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_targets_are_not_variables() {
        assert!(has_target("test: build\n\tcargo test\n", "test"));
        assert!(has_target(".PHONY: x\nlint check: \n", "check"));
        assert!(!has_target("test := 1\n", "test"));
        assert!(!has_target("\ttest: x\n", "test"));
    }
}

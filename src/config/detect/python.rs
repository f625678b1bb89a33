//! Python: CI's checks when it runs any (its `tox`, `nox` and `pre-commit` runs followed into
//! their configuration); otherwise the project's own tox or nox configuration; otherwise the
//! linters its configuration names (flake8, ruff, mypy, black, isort, and pre-commit hooks for
//! them) and its tests, wherever they are, run by pytest or by unittest.

use std::path::Path;

use super::ini::Ini;
use super::tox::Tox;
use super::{Candidate, Eco, EcoSteps, Kind, Place, Signals, absorb, ci, default, from_ci};

/// Environment names that are not checks, whatever their commands.
const NOT_CHECKS: &[&str] = &[
    "docs",
    "doc",
    "doctest",
    "docs-auto",
    "check-manifest",
    "build",
    "release",
    "publish",
    "upload",
    "clean",
    "coverage",
    "coverage-report",
    "report",
    "dev",
    "devenv",
    "pkg",
    "fix",
    "format",
    "serve",
    "bench",
    "benchmark",
];

fn not_a_check(name: &str) -> bool {
    NOT_CHECKS.contains(&name)
        || name.starts_with("docs")
        || name.starts_with("update")
        || name.starts_with("upgrade")
}

/// Follows `tox [-e envs]` into the tox configuration.
pub(super) fn follow_tox(
    root: &Path,
    envs: &[String],
    at: &Place,
    signals: &mut Signals,
    depth: usize,
) {
    let Some(tox) = Tox::find(root) else {
        signals
            .left_out
            .push(format!("`tox` ({}): no tox configuration found", at.from));
        return;
    };
    let mut names: Vec<String> = if envs.is_empty() {
        tox.envlist.clone()
    } else {
        envs.to_vec()
    };
    if names.is_empty() {
        names.push("py".into());
    }
    let mut seen = Vec::new();
    for name in names {
        // `tox -e ${{ matrix.tox || format('py{0}', …) }}`: the test environment of a Python
        // version matrix.
        let name = if name.contains(ci::UNKNOWN) {
            "py".to_string()
        } else {
            name
        };
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        if not_a_check(&name) {
            signals.left_out.push(format!(
                "tox environment `{name}` ({}): not a fast check",
                tox.origin(&name)
            ));
            continue;
        }
        let env = tox.env(&name);
        signals.python_deps.extend(env.deps.iter().cloned());
        let mut vars = at.env.clone();
        vars.extend(env.setenv.clone());
        let place = Place {
            from: format!("{} via {}", tox.origin(&name), at.from),
            cwd: env.changedir.clone().filter(|d| d != "."),
            env: vars,
            job: None,
        };
        for command in &env.commands {
            absorb(root, command, &place, signals, depth + 1);
        }
    }
}

/// Follows `nox [-s sessions]` into `noxfile.py`.
pub(super) fn follow_nox(
    root: &Path,
    wanted: &[String],
    at: &Place,
    signals: &mut Signals,
    depth: usize,
) {
    let Some((sessions, defaults)) = super::nox::sessions(root) else {
        signals
            .left_out
            .push(format!("`nox` ({}): no noxfile.py found", at.from));
        return;
    };
    let chosen: Vec<&str> = if !wanted.is_empty() {
        wanted.iter().map(String::as_str).collect()
    } else if !defaults.is_empty() {
        defaults.iter().map(String::as_str).collect()
    } else {
        sessions.iter().map(|s| s.name.as_str()).collect()
    };
    for session in sessions
        .iter()
        .filter(|s| chosen.contains(&s.name.as_str()))
    {
        if not_a_check(&session.name) {
            signals.left_out.push(format!(
                "nox session `{}` (noxfile.py:{}): not a fast check",
                session.name, session.line
            ));
            continue;
        }
        signals.python_deps.extend(
            session
                .installs
                .iter()
                .filter(|i| *i != "." && *i != "-e")
                .cloned(),
        );
        let place = Place {
            from: format!(
                "noxfile.py:{} (session {}) via {}",
                session.line, session.name, at.from
            ),
            env: at.env.clone(),
            ..Place::default()
        };
        for command in &session.commands {
            absorb(root, command, &place, signals, depth + 1);
        }
    }
}

/// Follows `pre-commit run` into `.pre-commit-config.yaml`.
pub(super) fn follow_precommit(root: &Path, at: &Place, signals: &mut Signals, depth: usize) {
    let Some((hooks, other)) = super::precommit::hooks(root, mypy_has_files(root)) else {
        signals.left_out.push(format!(
            "`pre-commit run` ({}): no {} found",
            at.from,
            super::precommit::FILE
        ));
        return;
    };
    for hook in hooks {
        let place = Place {
            from: if at.from.is_empty() {
                hook.origin.clone()
            } else {
                format!("{} via {}", hook.origin, at.from)
            },
            ..Place::default()
        };
        absorb(root, &hook.command, &place, signals, depth + 1);
    }
    if !other.is_empty() {
        signals.left_out.push(format!(
            "pre-commit hooks {} ({}): they run in pre-commit's own environments (installed from the network) and some rewrite files",
            other.join(", "),
            super::precommit::FILE
        ));
    }
}

/// The files that make a Python project, first found is the evidence.
const MARKERS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "noxfile.py",
];

pub(super) fn steps(root: &Path, ci: Vec<Candidate>, deps: &mut Vec<String>) -> Option<EcoSteps> {
    let marker = MARKERS.iter().find(|m| root.join(m).is_file());
    if marker.is_none() && ci.is_empty() {
        return None;
    }
    let evidence = marker.map_or("CI".to_string(), |m| m.to_string());
    let config = Configured::read(root);
    let mut notes = Vec::new();
    let tests = tests(root, &config);
    if !ci.is_empty() {
        let steps = from_ci(ci, &mut notes, tests.clone(), false);
        for (tool, kind) in config.linters() {
            if !steps
                .iter()
                .any(|c| c.check.kind == kind && c.check.run.contains(tool))
            {
                notes.push(format!(
                    "{tool} is configured but CI does not run it; not added"
                ));
            }
        }
        return Some(EcoSteps {
            evidence,
            steps,
            notes,
        });
    }
    // The project's own runner configuration is its convention.
    let mut own = Signals::default();
    let place = Place::default();
    if Tox::find(root).is_some() {
        follow_tox(
            root,
            &[],
            &Place {
                from: "tox's default envlist".into(),
                ..place.clone()
            },
            &mut own,
            0,
        );
    } else if root.join("noxfile.py").is_file() {
        follow_nox(
            root,
            &[],
            &Place {
                from: "nox's default sessions".into(),
                ..place.clone()
            },
            &mut own,
            0,
        );
    }
    let mut steps: Vec<Candidate> = own
        .checks
        .into_iter()
        .filter(|c| c.check.eco == Eco::Python)
        .collect();
    deps.extend(own.python_deps);
    notes.extend(own.left_out.into_iter().map(|l| format!("left out {l}")));
    if steps.is_empty() {
        if root.join(super::precommit::FILE).is_file() {
            let mut hooks = Signals::default();
            follow_precommit(root, &place, &mut hooks, 0);
            steps.extend(
                hooks
                    .checks
                    .into_iter()
                    .filter(|c| c.check.eco == Eco::Python),
            );
        }
        for (tool, kind, run, from) in config.defaults() {
            if !steps.iter().any(|c| c.check.run.contains(tool)) {
                steps.push(default(Eco::Python, kind, tool, &run, &from));
            }
        }
        match tests {
            Some(t) => steps.push(t),
            None => notes.push(
                "no tests found (no test_*.py or *_test.py file, no pytest configuration)".into(),
            ),
        }
        for tool in ["ruff", "flake8", "mypy"] {
            if !steps.iter().any(|c| c.check.run.contains(tool)) {
                notes.push(format!(
                    "{tool} not added: not configured and not run by CI or pre-commit"
                ));
            }
        }
    } else {
        steps = from_ci(steps, &mut notes, tests, false);
    }
    Some(EcoSteps {
        evidence,
        steps,
        notes,
    })
}

/// Which Python tools the repository configures, and where.
#[derive(Debug, Default)]
struct Configured {
    flake8: Option<String>,
    ruff: Option<String>,
    mypy: Option<String>,
    black: Option<String>,
    isort: Option<String>,
    pytest: Option<String>,
    mypy_files: bool,
}

impl Configured {
    fn read(root: &Path) -> Configured {
        let pyproject = std::fs::read_to_string(root.join("pyproject.toml")).unwrap_or_default();
        let setup_cfg = Ini::read(&root.join("setup.cfg")).unwrap_or_default();
        let tox_ini = Ini::read(&root.join("tox.ini")).unwrap_or_default();
        let file = |names: &[&str]| {
            names
                .iter()
                .find(|n| root.join(n).is_file())
                .map(|n| n.to_string())
        };
        let table = |name: &str| {
            pyproject
                .lines()
                .any(|l| {
                    l.trim() == format!("[{name}]") || l.trim().starts_with(&format!("[{name}."))
                })
                .then(|| format!("pyproject.toml [{name}]"))
        };
        let section = |ini: &Ini, file: &str, name: &str| {
            ini.section(name).map(|_| format!("{file} [{name}]"))
        };
        let mypy_files = pyproject.contains("[tool.mypy]")
            && pyproject
                .split("[tool.mypy]")
                .nth(1)
                .is_some_and(|t| t.split("\n[").next().unwrap_or("").contains("files"))
            || setup_cfg.get("mypy", "files").is_some()
            || Ini::read(&root.join("mypy.ini")).is_some_and(|i| i.get("mypy", "files").is_some());
        Configured {
            flake8: file(&[".flake8"])
                .or_else(|| section(&setup_cfg, "setup.cfg", "flake8"))
                .or_else(|| section(&tox_ini, "tox.ini", "flake8"))
                .or_else(|| table("tool.flake8")),
            ruff: table("tool.ruff").or_else(|| file(&["ruff.toml", ".ruff.toml"])),
            mypy: table("tool.mypy")
                .or_else(|| file(&["mypy.ini", ".mypy.ini"]))
                .or_else(|| section(&setup_cfg, "setup.cfg", "mypy")),
            black: table("tool.black"),
            isort: table("tool.isort")
                .or_else(|| file(&[".isort.cfg"]))
                .or_else(|| section(&setup_cfg, "setup.cfg", "isort")),
            pytest: table("tool.pytest.ini_options")
                .or_else(|| table("tool.pytest"))
                .or_else(|| file(&["pytest.ini"]))
                .or_else(|| section(&setup_cfg, "setup.cfg", "tool:pytest"))
                .or_else(|| section(&tox_ini, "tox.ini", "pytest")),
            mypy_files,
        }
    }

    /// `(tool, kind)` of every configured linter.
    fn linters(&self) -> Vec<(&'static str, Kind)> {
        self.defaults()
            .into_iter()
            .map(|(t, k, _, _)| (t, k))
            .collect()
    }

    /// `(tool, kind, command, from)` for every configured linter.
    fn defaults(&self) -> Vec<(&'static str, Kind, String, String)> {
        let mut out = Vec::new();
        let mut add = |tool, kind, run: &str, from: &Option<String>| {
            if let Some(from) = from {
                out.push((tool, kind, run.to_string(), from.clone()));
            }
        };
        add("flake8", Kind::Lint, "flake8", &self.flake8);
        add("ruff", Kind::Lint, "ruff check --no-fix .", &self.ruff);
        add("black", Kind::Format, "black --check .", &self.black);
        add("isort", Kind::Format, "isort --check-only .", &self.isort);
        add(
            "mypy",
            Kind::Types,
            if self.mypy_files { "mypy" } else { "mypy ." },
            &self.mypy,
        );
        out
    }
}

/// Whether `mypy` alone knows what to check (a `files` setting).
fn mypy_has_files(root: &Path) -> bool {
    Configured::read(root).mypy_files
}

/// The test step for the tests the repository has, wherever they are: pytest when the project
/// uses it, `python3 -m unittest discover -s DIR` for unittest-only test directories.
fn tests(root: &Path, config: &Configured) -> Option<Candidate> {
    let files = super::files(root);
    let test_files: Vec<&String> = files
        .iter()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap_or(f);
            f.ends_with(".py")
                && (name.starts_with("test_") || name.ends_with("_test.py"))
                && !f.split('/').any(|part| {
                    part.starts_with('.')
                        || ["node_modules", "site-packages", "venv", "build", "dist"]
                            .contains(&part)
                })
        })
        .collect();
    let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap_or_default();
    let mentions_pytest = |f: &str| read(f).contains("pytest");
    let uses_pytest = config.pytest.is_some()
        || files.iter().any(|f| f.ends_with("conftest.py"))
        || [
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "tox.ini",
            "noxfile.py",
        ]
        .iter()
        .any(|f| mentions_pytest(f))
        || files
            .iter()
            .filter(|f| {
                f.rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("requirements") && n.ends_with(".txt"))
            })
            .any(|f| mentions_pytest(f))
        || test_files.iter().any(|f| mentions_pytest(f));
    if test_files.is_empty() && config.pytest.is_none() {
        return None;
    }
    // The top-most directories holding tests.
    let mut dirs: Vec<String> = Vec::new();
    for f in &test_files {
        let dir = f
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string());
        if !dirs
            .iter()
            .any(|d| d.is_empty() || dir == *d || dir.starts_with(&format!("{d}/")))
        {
            dirs.retain(|d| !d.starts_with(&format!("{dir}/")));
            dirs.push(dir);
        }
    }
    dirs.sort();
    let conventional =
        root.join("tests").is_dir() || root.join("test").is_dir() || config.pytest.is_some();
    let from = match (&config.pytest, test_files.first()) {
        (Some(cfg), _) => cfg.clone(),
        (None, Some(f)) => format!("tests found ({f})"),
        (None, None) => "tests".into(),
    };
    let unittest_only = !uses_pytest && test_files.iter().all(|f| read(f).contains("unittest"));
    let run = if unittest_only {
        dirs.iter()
            .map(|d| {
                if d.is_empty() {
                    "python3 -m unittest discover".to_string()
                } else {
                    format!(
                        "python3 -m unittest discover -s {}",
                        super::classify::quote(d)
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(" && ")
    } else if conventional || dirs.iter().any(String::is_empty) {
        "python3 -m pytest".to_string()
    } else {
        let quoted: Vec<String> = dirs.iter().map(|d| super::classify::quote(d)).collect();
        format!("python3 -m pytest {}", quoted.join(" "))
    };
    let id = if unittest_only { "unittest" } else { "pytest" };
    Some(default(Eco::Python, Kind::Test, id, &run, &from))
}

/// The requirements of dependency group `name`, following `{include-group = "…"}`; a
/// requirement with an environment marker is left to the project's own tools.
fn group_requirements(pyproject: &toml::Table, name: &str, depth: usize) -> Vec<String> {
    let Some(items) = pyproject
        .get("dependency-groups")
        .and_then(|g| g.get(name))
        .and_then(|g| g.as_array())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            toml::Value::String(r) if !r.contains(';') => out.push(r.trim().to_string()),
            toml::Value::Table(t) if depth < 4 => {
                if let Some(inner) = t.get("include-group").and_then(|g| g.as_str()) {
                    out.extend(group_requirements(pyproject, inner, depth + 1));
                }
            }
            _ => {}
        }
    }
    out
}

/// The distribution name a requirement names (`ruff>=0.5` → `ruff`).
fn package_name(requirement: &str) -> String {
    requirement
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect()
}

fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// `(name, version)` of every package `uv.lock` pins.
fn uv_lock(root: &Path) -> Vec<(String, String)> {
    let Some(lock) = std::fs::read_to_string(root.join("uv.lock"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    lock.get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_string(),
                p.get("version")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The Python part of `[setup]`: the project in editable mode with its test extras, its
/// development requirement files and dependency groups, and what the tox / nox environments
/// taken install.
pub(super) fn setup(root: &Path, deps: &[String]) -> Option<String> {
    let packaged = ["pyproject.toml", "setup.py", "setup.cfg"]
        .iter()
        .any(|f| root.join(f).is_file());
    let requirements = [
        "requirements-dev.txt",
        "requirements_dev.txt",
        "dev-requirements.txt",
        "requirements-test.txt",
        "requirements_test.txt",
        "test-requirements.txt",
        "requirements-tests.txt",
        "requirements/dev.txt",
        "requirements/test.txt",
        "requirements/tests.txt",
    ];
    let mut reqs: Vec<&str> = requirements
        .iter()
        .copied()
        .filter(|r| root.join(r).is_file())
        .collect();
    if !packaged && reqs.is_empty() && root.join("requirements.txt").is_file() {
        reqs.push("requirements.txt");
    }
    if !packaged && reqs.is_empty() && deps.is_empty() {
        return None;
    }
    let pyproject: toml::Table = std::fs::read_to_string(root.join("pyproject.toml"))
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    const TEST_NAMES: &[&str] = &["test", "tests", "testing", "dev", "typing", "lint"];
    let names = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(|v| v.as_table())
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .filter(|k| TEST_NAMES.contains(&k.as_str()))
            .collect()
    };
    let mut extras = names(
        pyproject
            .get("project")
            .and_then(|p| p.get("optional-dependencies")),
    );
    if let Some(cfg) = Ini::read(&root.join("setup.cfg"))
        && let Some(section) = cfg.section("options.extras_require")
    {
        extras.extend(
            section
                .iter()
                .map(|(k, _)| k.clone())
                .filter(|k| TEST_NAMES.contains(&k.as_str())),
        );
    }
    let groups = names(pyproject.get("dependency-groups"));
    let locked = uv_lock(root);
    let mut words: Vec<String> = vec![
        "python3".into(),
        "-m".into(),
        "pip".into(),
        "install".into(),
    ];
    if packaged {
        words.push("-e".into());
        words.push(if extras.is_empty() {
            ".".into()
        } else {
            format!(".[{}]", extras.join(","))
        });
    }
    for r in reqs {
        words.push("-r".into());
        words.push(r.into());
    }
    // Dependency groups (PEP 735) as their requirements, pinned to uv.lock when there is one:
    // the project's CI runs the locked versions, and a newer linter may judge differently.
    for group in &groups {
        for requirement in group_requirements(&pyproject, group, 0) {
            let name = package_name(&requirement);
            let pinned = locked
                .iter()
                .find(|(n, _)| normalize(n) == normalize(&name))
                .map(|(n, v)| format!("{n}=={v}"))
                .unwrap_or(requirement);
            if !words.contains(&pinned) {
                words.push(pinned);
            }
        }
    }
    for d in deps {
        let parts: Vec<&str> = d.split_whitespace().collect();
        match parts.as_slice() {
            ["-r", file] | ["-c", file] => {
                words.push(parts[0].into());
                words.push((*file).into());
            }
            [single]
                if !words.iter().any(|w| w == single)
                    && *single != "."
                    && !single.starts_with('-') =>
            {
                words.push((*single).into())
            }
            _ => {}
        }
    }
    Some(super::classify::join(&words))
}

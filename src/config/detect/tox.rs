//! tox configuration (`tox.ini`, `setup.cfg [tox:tox]`, `pyproject.toml [tool.tox]`, native or
//! `legacy_tox_ini`): the environments it lists and the commands and dependencies of each, so
//! the gate runs what `tox` would run, in the current environment (tox itself builds
//! virtualenvs from the network).

use std::collections::BTreeMap;
use std::path::Path;

use super::ini::Ini;

/// The file name of a native `[tool.tox]` table.
const NATIVE: &str = "pyproject.toml [tool.tox]";

/// One environment's settings.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Its commands, substitutions resolved (words that only tox can fill are left out).
    pub commands: Vec<String>,
    /// Its `deps`.
    pub deps: Vec<String>,
    /// Its `setenv`.
    pub setenv: BTreeMap<String, String>,
    /// Its `changedir`, relative to the root.
    pub changedir: Option<String>,
}

/// A tox configuration.
#[derive(Debug, Default)]
pub struct Tox {
    /// The file it was read from.
    pub file: String,
    /// The default environment list.
    pub envlist: Vec<String>,
    base: Env,
    envs: BTreeMap<String, Env>,
}

impl Tox {
    /// The tox configuration of `root`, if it has one.
    pub fn find(root: &Path) -> Option<Tox> {
        if let Some(ini) = Ini::read(&root.join("tox.ini")) {
            return Some(from_ini("tox.ini", &ini, "tox"));
        }
        let pyproject = std::fs::read_to_string(root.join("pyproject.toml")).unwrap_or_default();
        if let Ok(doc) = pyproject.parse::<toml::Table>()
            && let Some(tox) = doc.get("tool").and_then(|t| t.get("tox"))
        {
            if let Some(legacy) = tox.get("legacy_tox_ini").and_then(|v| v.as_str()) {
                return Some(from_ini(
                    "pyproject.toml [tool.tox]",
                    &Ini::parse(legacy),
                    "tox",
                ));
            }
            return Some(from_toml(tox));
        }
        let cfg = Ini::read(&root.join("setup.cfg"))?;
        cfg.section("tox:tox")?;
        Some(from_ini("setup.cfg", &cfg, "tox:tox"))
    }

    /// Environment `name`: its own section, else the base (`py313`, `py3.12`, `pypy3` use the
    /// base `[testenv]`).
    pub fn env(&self, name: &str) -> Env {
        let mut env = self.envs.get(name).cloned().unwrap_or_default();
        if env.commands.is_empty() {
            env.commands = self.base.commands.clone();
        }
        if env.deps.is_empty() {
            env.deps = self.base.deps.clone();
        }
        for (k, v) in &self.base.setenv {
            env.setenv.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if env.changedir.is_none() {
            env.changedir = self.base.changedir.clone();
        }
        env.commands = env
            .commands
            .iter()
            .filter_map(|c| factor_filter(c, name))
            .collect();
        env
    }

    /// Where environment `name` is defined, for a person.
    pub fn origin(&self, name: &str) -> String {
        let native = self.file == NATIVE;
        match (self.envs.contains_key(name), native) {
            (true, true) => format!("pyproject.toml [tool.tox.env.{name}]"),
            (false, true) => "pyproject.toml [tool.tox.env_run_base]".into(),
            (true, false) => format!("{} [testenv:{name}]", self.file),
            (false, false) => format!("{} [testenv]", self.file),
        }
    }
}

/// `py38: pytest` runs only in environments with factor `py38`; other lines always.
fn factor_filter(command: &str, env: &str) -> Option<String> {
    if let Some((factors, rest)) = command.split_once(": ")
        && !factors.contains(' ')
        && factors
            .chars()
            .all(|c| c.is_alphanumeric() || "-,_.!".contains(c))
    {
        let parts: Vec<&str> = env.split('-').collect();
        let wanted = factors.split(',').any(|f| match f.strip_prefix('!') {
            Some(neg) => !parts.contains(&neg),
            None => parts.contains(&f),
        });
        return wanted.then(|| rest.trim().to_string());
    }
    Some(command.to_string())
}

fn from_ini(file: &str, ini: &Ini, main: &str) -> Tox {
    let mut tox = Tox {
        file: file.into(),
        ..Tox::default()
    };
    let list = ini
        .get(main, "envlist")
        .or_else(|| ini.get(main, "env_list"))
        .unwrap_or_default();
    tox.envlist = split_outside_braces(&list)
        .iter()
        .flat_map(|e| braces(e.trim()))
        .filter(|e| !e.is_empty())
        .collect();
    let env = |section: &str| Env {
        commands: ini
            .get(section, "commands")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| substitute(l.trim()))
            .collect(),
        deps: ini
            .get(section, "deps")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|d| !d.is_empty() && !d.contains('{'))
            .map(str::to_string)
            .collect(),
        setenv: ini
            .get(section, "setenv")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(_, v)| !v.contains('{'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
        changedir: ini
            .get(section, "changedir")
            .and_then(|d| substitute(d.trim())),
    };
    tox.base = env("testenv");
    for name in ini.sections() {
        if let Some(env_name) = name.strip_prefix("testenv:") {
            for expanded in braces(env_name) {
                tox.envs.insert(expanded, env(name));
            }
        }
    }
    tox
}

fn from_toml(tox: &toml::Value) -> Tox {
    let env = |table: Option<&toml::Value>| {
        let Some(t) = table else {
            return Env::default();
        };
        let commands = t
            .get("commands")
            .and_then(|c| c.as_array())
            .map(|cmds| {
                cmds.iter()
                    .filter_map(|cmd| cmd.as_array())
                    .filter_map(|args| {
                        let mut words = Vec::new();
                        for a in args {
                            match a {
                                toml::Value::String(s) => words.push(s.clone()),
                                // `{replace = "posargs", default = [...]}`
                                toml::Value::Table(r) => words.extend(
                                    r.get("default")
                                        .and_then(|d| d.as_array())
                                        .into_iter()
                                        .flatten()
                                        .filter_map(|d| d.as_str().map(str::to_string)),
                                ),
                                _ => {}
                            }
                        }
                        let words: Vec<String> =
                            words.into_iter().filter_map(|w| resolve_word(&w)).collect();
                        (!words.is_empty()).then(|| super::classify::join(&words))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let strings = |key: &str| -> Vec<String> {
            t.get(key)
                .and_then(|d| d.as_array())
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        };
        Env {
            commands,
            deps: strings("deps"),
            setenv: t
                .get("set_env")
                .and_then(|s| s.as_table())
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            changedir: t
                .get("change_dir")
                .and_then(|d| d.as_str())
                .map(str::to_string),
        }
    };
    let envlist = tox
        .get("env_list")
        .or_else(|| tox.get("envlist"))
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    let envs = tox
        .get("env")
        .and_then(|e| e.as_table())
        .into_iter()
        .flatten()
        .map(|(name, t)| (name.clone(), env(Some(t))))
        .collect();
    Tox {
        file: NATIVE.into(),
        envlist,
        base: env(tox.get("env_run_base")),
        envs,
    }
}

/// A tox command line with its substitutions resolved; `-` (ignore errors) lines are not checks.
fn substitute(line: &str) -> Option<String> {
    if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
        return None;
    }
    let mut text = line.to_string();
    // `{posargs:default}` → default; `{posargs}` → nothing.
    while let Some(start) = text.find("{posargs") {
        let end = text[start..]
            .find('}')
            .map_or(text.len(), |e| start + e + 1);
        let inner = &text[start + 1..end - 1];
        let default = inner
            .split_once(':')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        text.replace_range(start..end, &default);
    }
    let words: Vec<String> = crate::tools::shell::commands(&text)
        .into_iter()
        .next()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|w| resolve_word(&w))
        .collect();
    (!words.is_empty()).then(|| super::classify::join(&words))
}

/// One word with tox's directory substitutions: the root is `.`, the env's python is
/// `python3`; a word holding anything else only tox can fill (`--basetemp={envtmpdir}`) is
/// left out.
fn resolve_word(word: &str) -> Option<String> {
    let w = word
        .replace("{toxinidir}", ".")
        .replace("{tox_root}", ".")
        .replace("{envpython}", "python3")
        .replace("{env_python}", "python3")
        .replace("{envbindir}/", "")
        .replace("{env_bin_dir}/", "");
    (!w.contains('{')).then_some(w)
}

/// Splits an env list at commas and newlines that are not inside `{…}`.
fn split_outside_braces(list: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0;
    for c in list.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' | '\n' if depth == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().expect("never empty").push(c);
    }
    out
}

/// `py{38,39}-django` → `py38-django`, `py39-django`.
fn braces(name: &str) -> Vec<String> {
    let Some(open) = name.find('{') else {
        return vec![name.to_string()];
    };
    let Some(close) = name[open..].find('}').map(|c| open + c) else {
        return vec![name.to_string()];
    };
    let (head, tail) = (&name[..open], &name[close + 1..]);
    name[open + 1..close]
        .split(',')
        .flat_map(|alt| braces(&format!("{head}{}{tail}", alt.trim())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_envs_commands_and_substitutions() {
        let ini = Ini::parse(
            "[tox]\nenvlist = check-manifest,docs,flake8,py{310,311}\n\n[testenv]\ndeps =\n    pytest\n    pytest-cov\nsetenv =\n    THREADING_TESTS = 1\ncommands =\n    py.test --basetemp={envtmpdir} --cov=x {posargs}\n\n[testenv:flake8]\ndeps =\n    flake8\ncommands =\n    flake8\n    - coverage erase\nskip_install = true\n",
        );
        let tox = from_ini("tox.ini", &ini, "tox");
        assert_eq!(
            tox.envlist,
            ["check-manifest", "docs", "flake8", "py310", "py311"]
        );
        let py = tox.env("py311");
        assert_eq!(py.commands, ["py.test --cov=x"]);
        assert_eq!(py.setenv["THREADING_TESTS"], "1");
        assert_eq!(py.deps, ["pytest", "pytest-cov"]);
        assert_eq!(tox.env("flake8").commands, ["flake8"]);
        assert_eq!(tox.origin("flake8"), "tox.ini [testenv:flake8]");
    }

    #[test]
    fn native_toml() {
        let doc: toml::Table = "[tool.tox]\nenv_list = [\"py3.13\", \"typing\"]\n[tool.tox.env_run_base]\ncommands = [[\"pytest\", \"-v\", \"--basetemp={env_tmp_dir}\", {replace = \"posargs\", default = [], extend = true}]]\n[tool.tox.env.typing]\ncommands = [[\"mypy\"], [\"pyright\"]]\n".parse().unwrap();
        let tox = from_toml(&doc["tool"]["tox"]);
        assert_eq!(tox.envlist, ["py3.13", "typing"]);
        assert_eq!(tox.env("py3.13").commands, ["pytest -v"]);
        assert_eq!(tox.env("typing").commands, ["mypy", "pyright"]);
    }

    #[test]
    fn factors() {
        assert_eq!(
            factor_filter("py38: pytest", "py38-x").as_deref(),
            Some("pytest")
        );
        assert_eq!(factor_filter("py38: pytest", "py39"), None);
        assert_eq!(
            factor_filter("pytest -k 'a: b'", "py39").as_deref(),
            Some("pytest -k 'a: b'")
        );
    }
}

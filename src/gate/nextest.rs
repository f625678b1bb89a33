//! `cargo nextest run` steps report every test. nextest writes JUnit only for a profile that
//! asks for it, so a step that runs `cargo nextest run …` is launched with sdetkit's profile:
//! `--profile sdetkit --tool-config-file sdetkit:<file>`, the file being
//! [`crate::artifacts::nextest`]'s, below the repository's own configuration. That profile
//! inherits the one the step would have run with (named by its command, else
//! `NEXTEST_PROFILE` in its `env` or sdetkit's environment, else nextest's default), so the
//! tests run as the repository configured them; the gate then reads the report as the step's
//! tests, each with its status and duration.
//!
//! The options are added where the step is launched only ([`StepSpec::launch`]): the step's
//! command, which is its identity in the cache key and the input digest, what the artifacts
//! show and what a rerun says, stays as written and free of this machine's paths.
//!
//! A step runs as written where it declares its own `junit` or a tool configuration, or
//! where the options have no safe place: more than one simple command, or a named profile
//! in a command with quotes, escapes or redirections (its option cannot be taken out
//! word for word).

use std::ops::Range;
use std::path::Path;

use crate::artifacts::nextest::{self, PROFILE};
use crate::config::StepSpec;
use crate::error::Result;

/// The command a step must start with.
const NEXTEST_RUN: &str = "cargo nextest run";

/// The tool name nextest shows for the configuration (in its errors, for instance).
const TOOL: &str = "sdetkit";

/// The variable by which nextest takes a profile from the environment.
const PROFILE_VAR: &str = "NEXTEST_PROFILE";

/// `specs` as they are to be launched in gate `gate` (`fast`, `release`, `doctor`): each step
/// that takes sdetkit's profile with its [`StepSpec::launch`] and its `junit` report, the
/// others unchanged. Writes their tool configurations under the out-dir `out`, after
/// removing the gate's earlier ones and their reports.
pub fn prepare(out: &Path, gate: &str, specs: &[StepSpec]) -> Result<Vec<StepSpec>> {
    let outside = std::env::var(PROFILE_VAR).ok();
    let plans: Vec<Option<Plan>> = specs.iter().map(|s| plan(s, outside.as_deref())).collect();
    // nextest reads only UTF-8 paths: under another out-dir the steps run as written.
    if out.to_str().is_none() || plans.iter().all(Option::is_none) {
        return Ok(specs.to_vec());
    }
    let dir = nextest::fresh_dir(out, gate)?;
    let mut launched = specs.to_vec();
    for (spec, plan) in launched.iter_mut().zip(plans) {
        let Some(plan) = plan else { continue };
        let files = nextest::write(out, &dir, &spec.id, plan.profile.as_deref())?;
        let tool = crate::triage::shell_quote(&format!("{TOOL}:{}", files.config.display()));
        spec.launch = Some(format!(
            "{NEXTEST_RUN} --profile {PROFILE} --tool-config-file {tool}{}",
            plan.rest
        ));
        spec.junit = Some(files.report);
    }
    Ok(launched)
}

/// How a step runs with sdetkit's profile.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// The profile it would have run with, when one is named.
    profile: Option<String>,
    /// Its command after `cargo nextest run`, without the option naming that profile.
    rest: String,
}

/// The plan for `spec`, or `None` when it runs as written; `outside` is sdetkit's own
/// `NEXTEST_PROFILE`.
fn plan(spec: &StepSpec, outside: Option<&str>) -> Option<Plan> {
    let rest = spec.run.trim_start().strip_prefix(NEXTEST_RUN)?;
    let commands = crate::tools::shell::commands(&spec.run);
    let [words] = commands.as_slice() else {
        return None;
    };
    let args = words.get(3..)?;
    let options = &args[..args.iter().position(|w| w == "--").unwrap_or(args.len())];
    let says_how = spec.junit.is_some()
        || options
            .iter()
            .any(|w| option(w, "--tool-config-file").is_some());
    if says_how || !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    match named_profile(options)? {
        None => Some(Plan {
            profile: ambient(spec, outside),
            rest: rest.to_string(),
        }),
        Some((name, at)) => without(&spec.run, args, at).map(|rest| Plan {
            profile: Some(name.to_string()),
            rest,
        }),
    }
}

/// The profile the environment names: the step's `env`, else sdetkit's own (`outside`).
fn ambient(spec: &StepSpec, outside: Option<&str>) -> Option<String> {
    let named = spec.env.get(PROFILE_VAR).map(String::as_str);
    named.or(outside).map(str::to_string)
}

/// `args` (the words after `cargo nextest run`) but those `at`, each after a space; `None`
/// unless `run` is nothing but its words between spaces, where taking words out could change
/// what the others mean (quotes, escapes, redirections).
fn without(run: &str, args: &[String], at: Range<usize>) -> Option<String> {
    let words = NEXTEST_RUN
        .split(' ')
        .chain(args.iter().map(String::as_str));
    let plain = run.split_whitespace().eq(words);
    let kept = args.iter().enumerate().filter(|(i, _)| !at.contains(i));
    plain.then(|| kept.map(|(_, w)| format!(" {w}")).collect())
}

/// The profile nextest's `options` name, with the positions of the words naming it:
/// `Some(None)` when they name none, `None` when they may name one in a way not read here (a
/// cluster of short flags holding `P`).
fn named_profile(options: &[String]) -> Option<Option<(&str, Range<usize>)>> {
    for (i, word) in options.iter().enumerate() {
        let attached = option(word, "--profile").or_else(|| word.strip_prefix("-P"));
        match attached {
            Some("") => return Some(Some((options.get(i + 1)?, i..i + 2))),
            Some(name) => return Some(Some((name.trim_start_matches('='), i..i + 1))),
            None if word.starts_with('-') && !word.starts_with("--") && word.contains('P') => {
                return None;
            }
            None => {}
        }
    }
    Some(None)
}

/// The value of long option `name` in `word`: `""` when it is the option alone (the value
/// is the next word), the text after `=` when attached; `None` for another word.
fn option<'a>(word: &'a str, name: &str) -> Option<&'a str> {
    let rest = word.strip_prefix(name)?;
    (rest.is_empty() || rest.starts_with('=')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(run: &str) -> StepSpec {
        StepSpec::new("cargo-nextest", run)
    }

    fn plan_of(run: &str) -> Option<Plan> {
        plan(&spec(run), None)
    }

    fn takes(profile: Option<&str>, rest: &str) -> Option<Plan> {
        Some(Plan {
            profile: profile.map(str::to_string),
            rest: rest.to_string(),
        })
    }

    #[test]
    fn nextest_commands_take_the_profile_before_their_own_options() {
        assert_eq!(plan_of("cargo nextest run"), takes(None, ""));
        assert_eq!(
            plan_of("  cargo nextest run --workspace -- --skip slow"),
            takes(None, " --workspace -- --skip slow")
        );
        // Quotes and redirections stay as written when no profile has to come out.
        assert_eq!(
            plan_of("cargo nextest run -E 'test(a b)' > nextest.txt"),
            takes(None, " -E 'test(a b)' > nextest.txt")
        );
    }

    #[test]
    fn the_profile_a_step_would_have_run_with_is_inherited() {
        for (run, rest) in [
            ("cargo nextest run --profile ci --workspace", " --workspace"),
            ("cargo nextest run --workspace --profile=ci", " --workspace"),
            ("cargo nextest run -P ci", ""),
            ("cargo nextest run -Pci -- -P x", " -- -P x"),
        ] {
            assert_eq!(plan_of(run), takes(Some("ci"), rest), "{run}");
        }
        let mut env = spec("cargo nextest run");
        env.env.insert(PROFILE_VAR.into(), "ci".into());
        assert_eq!(plan(&env, Some("outer")), takes(Some("ci"), ""));
        assert_eq!(
            plan(&spec("cargo nextest run"), Some("outer")),
            takes(Some("outer"), "")
        );
    }

    #[test]
    fn a_step_where_the_options_have_no_safe_place_runs_as_written() {
        for run in [
            "cargo nextest run --tool-config-file x:/abs/x.toml",
            "cargo nextest run --profile 'ci'",
            "cargo nextest run --profile ci > out.txt",
            "cargo nextest run -vP ci",
            "cargo nextest run --profile",
            "NEXTEST_PROFILE=ci cargo nextest run",
            "cargo nextest run && cargo test --doc",
            "cd sub && cargo nextest run",
            "cargo nextest list",
            "cargo nextest runner",
            "cargo test",
        ] {
            assert_eq!(plan_of(run), None, "{run}");
        }
        let mut declared = spec("cargo nextest run");
        declared.junit = Some("target/nextest/ci/junit.xml".into());
        assert_eq!(plan(&declared, None), None);
    }

    #[test]
    fn prepared_steps_launch_with_the_profile_and_read_its_report() {
        let out = tempfile::tempdir().unwrap();
        let specs = [
            spec("cargo nextest run --profile ci --workspace"),
            spec("cargo fmt --check"),
        ];
        let dir = out.path().join("first-proof/nextest/fast");
        let stale = dir.join("cargo-nextest.xml");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&stale, "<testsuites/>").unwrap();
        let launched = prepare(out.path(), "fast", &specs).unwrap();
        assert!(!stale.exists(), "an earlier run's report is gone");
        let config = dir.join("cargo-nextest.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(text.contains("inherits = \"ci\""), "{text}");
        assert_eq!(launched[0].run, specs[0].run, "the step's identity stays");
        assert_eq!(
            launched[0].launch,
            Some(format!(
                "cargo nextest run --profile sdetkit --tool-config-file sdetkit:{} --workspace",
                config.display()
            ))
        );
        assert_eq!(launched[0].junit.as_deref(), Some(stale.as_path()));
        assert_eq!(
            (launched[1].launch.as_deref(), launched[1].junit.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn a_path_with_spaces_is_one_word_of_the_launch() {
        let out = tempfile::Builder::new().prefix("my out").tempdir().unwrap();
        let launched = prepare(out.path(), "fast", &[spec("cargo nextest run")]).unwrap();
        let launch = launched[0].launch.clone().unwrap();
        let words = crate::tools::shell::commands(&launch).remove(0);
        assert_eq!(words.len(), 7, "{launch}");
        assert!(words[6].starts_with("sdetkit:/") && words[6].contains("my out"));
    }

    #[test]
    fn gates_without_a_nextest_step_write_nothing() {
        let out = tempfile::tempdir().unwrap();
        let launched = prepare(out.path(), "fast", &[spec("cargo test")]).unwrap();
        assert_eq!(launched[0].launch, None);
        assert!(!out.path().join("first-proof").exists());
    }
}

//! What sdetkit says about itself: `--help`, shell completions, manual pages, and colour as
//! `NO_COLOR` and `CLICOLOR_FORCE` ask.

use std::process::Command;

use assert_cmd::assert::OutputAssertExt;

use crate::support::{green_repo, output_of, sdetkit};

/// Every command line with a help page of its own.
const COMMANDS: [&[&str]; 17] = [
    &[],
    &["init"],
    &["gate", "fast"],
    &["gate", "release"],
    &["doctor"],
    &["ops", "proof"],
    &["ops", "daily"],
    &["ops", "premerge"],
    &["ops", "weekly"],
    &["ops", "status"],
    &["ops", "next"],
    &["investigate", "failure"],
    &["evidence", "verify"],
    &["portfolio"],
    &["completions"],
    &["man"],
    &["config", "schema"],
];

/// A directory that is not a repository and holds a broken sdetkit.toml: completions and the
/// manual pages need neither a repository nor a valid configuration.
fn elsewhere() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sdetkit.toml"), "[gate\n").unwrap();
    dir
}

#[test]
fn help_has_global_options_apart_examples_and_no_internal_words() {
    for command in COMMANDS {
        let help = output_of(sdetkit().args(command).arg("--help"));
        assert!(help.contains("Global options:"), "{command:?}:\n{help}");
        assert!(help.contains("\nExamples:\n  "), "{command:?}:\n{help}");
        for word in [
            "seed",
            "first-proof",
            "reinstall lane",
            "control tower",
            "→",
        ] {
            assert!(!help.contains(word), "{command:?} says {word:?}:\n{help}");
        }
    }
    // The command's own options come first, the global ones under their heading after them.
    let help = output_of(sdetkit().args(["ops", "daily", "--help"]));
    let (own, rest) = help.split_once("Global options:").unwrap();
    let global = rest.split("Examples:").next().unwrap();
    assert!(
        own.contains("--no-setup") && !help.contains("--fast"),
        "{help}"
    );
    assert!(
        global.contains("--out-dir") && !global.contains("--no-setup"),
        "{help}"
    );
    let help = output_of(sdetkit().args(["ops", "premerge", "--help"]));
    assert!(
        help.contains("--rehearsal") && !help.contains("--fast"),
        "{help}"
    );
    // The documented default is the real one.
    assert!(
        help.contains("[default: twice the CPUs, at least 8]"),
        "{help}"
    );
}

#[test]
fn bash_completions_load_in_bash_and_know_every_command() {
    let dir = elsewhere();
    let script = output_of(
        sdetkit()
            .current_dir(dir.path())
            .args(["completions", "bash"]),
    );
    for word in [
        "premerge",
        "weekly",
        "investigate",
        "--no-cache",
        "--stable-json",
    ] {
        assert!(script.contains(word), "no {word}");
    }
    let file = dir.path().join("sdetkit.bash");
    std::fs::write(&file, &script).unwrap();
    let registered = output_of(
        Command::new("bash")
            .arg("-c")
            .arg(format!("source {} && complete -p sdetkit", file.display())),
    );
    assert!(
        registered.contains("-F _sdetkit") && registered.ends_with(" sdetkit\n"),
        "{registered}"
    );
}

#[test]
fn zsh_fish_and_other_shells_get_their_own_dialect() {
    let dir = elsewhere();
    let script = |shell| {
        output_of(
            sdetkit()
                .current_dir(dir.path())
                .args(["completions", shell]),
        )
    };
    assert!(script("zsh").starts_with("#compdef sdetkit\n"));
    assert!(script("fish").contains("complete -c sdetkit -n \"__fish_sdetkit_needs_command\""));
    assert!(
        script("powershell").contains("Register-ArgumentCompleter -Native -CommandName 'sdetkit'")
    );
    assert!(script("elvish").contains("set edit:completion:arg-completer[sdetkit]"));
    sdetkit()
        .args(["completions", "tcsh"])
        .output()
        .map(|out| assert_eq!(out.status.code(), Some(2)))
        .unwrap();
}

#[test]
fn man_prints_the_top_page_or_writes_a_page_per_command() {
    let dir = elsewhere();
    let page = output_of(sdetkit().current_dir(dir.path()).arg("man"));
    assert!(page.contains(".TH sdetkit 1"), "{page}");
    assert!(
        page.contains(".SH SUBCOMMANDS") && page.contains("sdetkit\\-ops(1)"),
        "{page}"
    );

    let pages = dir.path().join("man1");
    std::fs::create_dir(&pages).unwrap();
    output_of(
        sdetkit()
            .current_dir(dir.path())
            .arg("man")
            .arg("--dir")
            .arg(&pages),
    );
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in [
        "sdetkit.1",
        "sdetkit-ops-daily.1",
        "sdetkit-gate-fast.1",
        "sdetkit-man.1",
    ] {
        assert!(names.iter().any(|n| n == name), "no {name} in {names:?}");
    }
    let daily = std::fs::read_to_string(pages.join("sdetkit-ops-daily.1")).unwrap();
    assert!(
        daily.contains(".TH sdetkit-ops-daily 1") && daily.contains("\\-\\-no\\-cache"),
        "{daily}"
    );

    // A directory that cannot be written: one line, exit 2.
    let out = sdetkit()
        .arg("man")
        .arg("--dir")
        .arg(dir.path().join("missing/man1"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("sdetkit: error: cannot write to ") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn colour_follows_clicolor_force_and_no_color_when_piped() {
    let repo = green_repo();
    let run = |env: &[(&str, &str)]| {
        // `Repo::sdetkit` says `--color never`; here the environment decides.
        let mut cmd = sdetkit();
        cmd.arg("--root")
            .arg(repo.path())
            .args(["-q", "gate", "fast", "--no-cache"]);
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        output_of(&mut cmd)
    };
    assert!(
        !run(&[]).contains('\x1b'),
        "piped output is plain by default"
    );
    assert!(
        run(&[("CLICOLOR_FORCE", "1")]).contains("\x1b[32m"),
        "CLICOLOR_FORCE colours"
    );
    assert!(
        !run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'),
        "NO_COLOR wins"
    );
}

#[test]
fn config_schema_is_a_json_schema_that_takes_the_config_init_writes() {
    let dir = elsewhere();
    let text = output_of(sdetkit().current_dir(dir.path()).args(["config", "schema"]));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema");
    // What `sdetkit init` writes for a repository is valid under it; a typo is not.
    let repo = crate::support::Repo::releasable("");
    std::fs::remove_file(repo.file("sdetkit.toml")).unwrap();
    repo.write("package.json", "{\"name\": \"demo\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test\", \"lint\": \"eslint .\"}}\n");
    repo.sdetkit(&["init"]).assert().success();
    let written = std::fs::read_to_string(repo.file("sdetkit.toml")).unwrap();
    let config: serde_json::Value = toml::from_str(&written).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&config)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{written}");
    let typo: serde_json::Value = toml::from_str("[gate.fast]\nstep = []\n").unwrap();
    assert!(!validator.is_valid(&typo));
}

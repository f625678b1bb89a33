//! CI-native output: GitHub Actions workflow commands and job summary, GitLab's JUnit and
//! Code Quality reports and sections, `--junit-out` / `--sarif-out` (the SARIF validated
//! against the published 2.1.0 schema), the verdict as the exit code in CI, and the pre-push
//! hook.

use std::path::Path;
use std::process::Command;

use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{Repo, git_in, output_of};

/// The failing step's command: a compiler error at `src/widget.c:12`.
const BUILD: &str = "echo 'src/widget.c:12:5: error: use of undeclared identifier x' >&2; exit 1";

/// A releasable repository whose `build` step fails with a located error, with an untracked
/// file (the dry-run release gate demotes the clean tree to a warning) and no npm lockfile
/// (a doctor warning).
fn failing_repo() -> Repo {
    let repo = Repo::releasable(&format!(
        "[[gate.fast.steps]]\nid = \"build\"\nrun = \"{BUILD}\"\n"
    ));
    repo.write("notes.txt", "draft\n");
    repo
}

/// The annotations of [`failing_repo`]'s proof, exactly.
const ANNOTATIONS: &str = "\
::error file=src/widget.c,line=12,title=gate-fast/build::use of undeclared identifier x%0Arerun: echo 'src/widget.c:12:5: error: use of undeclared identifier x' >&2; exit 1
::warning title=gate-release/clean-tree::dry run: 1 uncommitted path(s): notes.txt (would block a real release)%0Ahint: commit or stash your changes, then rerun
::warning title=doctor/lockfile::package.json without a committed package-lock.json / pnpm-lock.yaml / yarn.lock / bun.lockb / bun.lock%0Ahint: commit the lockfile so every build resolves the same dependencies
";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn github_annotations_and_job_summary() {
    let repo = failing_repo();
    let summary = repo.path().join("build/step-summary.md");
    std::fs::create_dir_all(summary.parent().unwrap()).unwrap();
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = repo
        .sdetkit(&["ops", "daily", "--fast"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with(ANNOTATIONS), "{err}");
    assert!(
        err.ends_with(
            "sdetkit: lane failed: NO-SHIP in CI (the verdict is the exit code; --no-strict exits 0)\n"
        ),
        "{err}"
    );
    let rerun = BUILD;
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!(
            "earlier step\n## sdetkit ops daily: NO-SHIP\n\n\
             | gate | verdict | failed steps |\n|---|---|---|\n\
             | gate-fast | FAIL | build |\n| gate-release | OK (dry run) |  |\n| doctor | OK |  |\n\n\
             First failure: `build` at `src/widget.c:12`: use of undeclared identifier x\n\n\
             Reproduce: `{rerun}`\n\n`FIRST_PROOF_DECISION=NO-SHIP`\n\n\
             #### Next actions\n\n\
             1. [P0] **Recover to SHIP on the failing gate** — Run `sdetkit ops daily` after fixing the first failing step and do not merge until decision is SHIP.\n\
             2. [P1] **Resolve first failing step** — Focus on `gate-fast` first; it is blocking deterministic release confidence. First failure: step `build`: use of undeclared identifier x. Reproduce with `{rerun}`.\n\n"
        )
    );

    // The weekly lane adds its KPI line to the job summary.
    let weekly = repo.path().join("build/weekly-summary.md");
    repo.sdetkit(&["ops", "weekly"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &weekly)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&weekly).unwrap();
    assert!(
        text.starts_with("## sdetkit ops weekly: 0 open incident(s)\n\nKPIs (7d, as of "),
        "{text}"
    );
    assert!(
        text.contains("ship rate: insufficient data") && text.ends_with("; incidents open: 0\n\n"),
        "{text}"
    );
}

#[test]
fn github_groups_fold_the_step_logs_printed() {
    let repo = failing_repo();
    let out = repo
        .sdetkit(&["--verbose", "gate", "fast"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "::group::build log excerpt\n                 | src/widget.c:12:5: error: use of undeclared identifier x\n::endgroup::\n"
        ),
        "{text}"
    );
    assert_eq!(
        stderr(&out),
        ANNOTATIONS.lines().next().unwrap().to_string() + "\n"
    );
}

#[test]
fn gitlab_junit_code_quality_and_sections() {
    let repo = failing_repo();
    let out = repo
        .sdetkit(&["--verbose", "gate", "fast"])
        .env("GITLAB_CI", "true")
        .env("SDETKIT_NOW", "2026-11-25T12:00:00Z")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "\x1b[0Ksection_start:1795608000:gate-fast-build[collapsed=true]\r\x1b[0Kbuild log excerpt\n"
        ) && text.contains("\x1b[0Ksection_end:1795608000:gate-fast-build\r\x1b[0K\n"),
        "{text:?}"
    );
    assert_eq!(
        stderr(&out),
        "sdetkit: GitLab reports: build/ci/junit.xml (artifacts:reports:junit), \
         build/ci/gl-code-quality-report.json (artifacts:reports:codequality)\n"
    );
    let issues = repo.json("build/ci/gl-code-quality-report.json");
    let fingerprint = issues[0]["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 64);
    assert_eq!(
        issues,
        json!([{
            "check_name": "gate-fast/build",
            "description": format!("use of undeclared identifier x\nrerun: {BUILD}"),
            "fingerprint": fingerprint,
            "location": {"lines": {"begin": 12}, "path": "src/widget.c"},
            "severity": "major",
        }])
    );
    let junit = std::fs::read_to_string(repo.file("build/ci/junit.xml")).unwrap();
    assert!(
        junit.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sdetkit\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
        ),
        "{junit}"
    );
    assert!(
        junit.contains(
            "<failure message=\"use of undeclared identifier x\" type=\"build\">at src/widget.c:12\n"
        ),
        "{junit}"
    );
    well_formed(&junit);

    // The proof's reports hold every gate; the same fingerprint for the same finding.
    repo.sdetkit(&["ops", "proof"])
        .env("GITLAB_CI", "true")
        .assert()
        .code(1);
    let issues = repo.json("build/ci/gl-code-quality-report.json");
    let checks: Vec<&str> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "gate-fast/build",
            "gate-release/clean-tree",
            "doctor/lockfile"
        ]
    );
    assert_eq!(issues[0]["fingerprint"], fingerprint.as_str());
    assert_eq!(
        issues[1]["location"],
        json!({"lines": {"begin": 1}, "path": "sdetkit.toml"})
    );
    let junit = std::fs::read_to_string(repo.file("build/ci/junit.xml")).unwrap();
    for suite in ["gate-fast", "gate-release", "doctor"] {
        assert!(
            junit.contains(&format!("<testsuite name=\"{suite}\"")),
            "{junit}"
        );
    }
    well_formed(&junit);
}

#[test]
fn outside_ci_or_with_ci_none_nothing_of_it() {
    let repo = failing_repo();
    let summary = repo.path().join("build/step-summary.md");
    for (var, extra) in [
        ("GITHUB_ACTIONS", &["--ci", "none"][..]),
        ("GITLAB_CI", &["--ci", "none"][..]),
        ("NOT_A_CI", &[][..]),
    ] {
        let mut args = extra.to_vec();
        args.extend(["--verbose", "ops", "proof", "--no-strict"]);
        let out = repo
            .sdetkit(&args)
            .env(var, "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{var}: {}", stderr(&out));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(
            !all.contains("::") && !all.contains("section_start") && all.contains("NO-SHIP"),
            "{var}: {all}"
        );
        assert!(
            !summary.exists() && !repo.file("build/ci").exists(),
            "{var}"
        );
    }
    // Outside CI a NO-SHIP exits 0 unless --strict says otherwise.
    repo.sdetkit(&["ops", "proof"]).assert().success();
    repo.sdetkit(&["ops", "proof", "--strict"]).assert().code(1);
}

#[test]
fn in_ci_the_verdict_is_the_exit_code_unless_no_strict() {
    let repo = failing_repo();
    for var in ["GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE"] {
        repo.sdetkit(&["ops", "proof"])
            .env(var, "true")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "sdetkit: exit 1: NO-SHIP in CI (the verdict is the exit code; --no-strict exits 0)",
            ));
        repo.sdetkit(&["ops", "proof", "--no-strict"])
            .env(var, "true")
            .assert()
            .success();
    }
    // The last of --strict / --no-strict wins.
    repo.sdetkit(&["ops", "proof", "--no-strict", "--strict"])
        .assert()
        .code(1);
    repo.sdetkit(&["ops", "daily", "--fast", "--no-strict"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .success();
    repo.sdetkit(&["ops", "premerge", "--fast"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(1);
    repo.sdetkit(&["ops", "premerge", "--fast", "--no-strict"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .success();
}

#[test]
fn junit_out_has_a_case_per_step_and_per_failing_test() {
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"lint\"\nrun = \"true\"\n\n\
         [[gate.fast.steps]]\nid = \"unit\"\nrun = \"sh t.sh\"\njunit = \"build/unit.xml\"\n",
    );
    repo.write(
        "t.sh",
        "mkdir -p build\ncat > build/unit.xml <<'X'\n\
         <testsuite name=\"calc\"><testcase classname=\"calc\" name=\"adds\" time=\"0.01\"/>\
         <testcase classname=\"calc\" name=\"divides\" file=\"tests/calc.py\" line=\"7\" time=\"0.02\">\
         <failure message=\"ZeroDivisionError: division by zero\">tests/calc.py:7: ZeroDivisionError</failure>\
         </testcase></testsuite>\nX\nexit 1\n",
    );
    repo.commit("tests");
    let junit = repo.path().join("build/out/junit.xml");
    repo.sdetkit(&["gate", "fast", "--junit-out"])
        .arg(&junit)
        .assert()
        .code(1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    well_formed(&xml);
    assert!(
        xml.contains(
            "<testsuite name=\"gate-fast\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"gate-fast\" name=\"lint\" time="),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"gate-fast\" name=\"unit\" time="),
        "{xml}"
    );
    // The failing test is a case of its own, with the first failure as its message; the
    // passing one is not repeated.
    let case = xml
        .split("<testcase classname=\"gate-fast.unit\" ")
        .nth(1)
        .unwrap_or_else(|| panic!("no failing-test case: {xml}"));
    assert!(
        case.contains("<failure message=\"ZeroDivisionError: division by zero\" type=\"test\">"),
        "{case}"
    );
    assert!(
        !xml.contains("name=\"calc.adds\"") && !xml.contains("name=\"adds\""),
        "{xml}"
    );
}

/// `tests/fixtures/sarif-schema-2.1.0.json` is the SARIF 2.1.0 schema as Microsoft's SARIF SDK
/// publishes it (`sarif-2.1.0.json` of the npm package `@microsoft/sarif-multitool-linux`
/// 5.7.0, MIT), in the JSON Schema 2020-12 dialect; formats are validated too.
#[test]
fn sarif_out_validates_against_the_sarif_2_1_0_schema() {
    let repo = failing_repo();
    repo.write(
        "src/merge.c",
        "int a;\n<<<<<<< HEAD\nint b;\n=======\nint c;\n>>>>>>> x\n",
    );
    repo.git(&["add", "src/merge.c"]);
    repo.git(&["commit", "-q", "-m", "conflict"]);
    let sarif = repo.path().join("build/out/findings.sarif");
    repo.sdetkit(&["ops", "proof", "--sarif-out"])
        .arg(&sarif)
        .assert()
        .success();
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
    // A document the schema rejects is rejected: the check is real.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!validator.is_valid(&broken));

    let results = log["runs"][0]["results"].as_array().unwrap();
    let place = |rule: &str| {
        let r = results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule}: {log:#}"));
        let loc = &r["locations"][0]["physicalLocation"];
        (
            r["level"].as_str().unwrap().to_string(),
            loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            loc["region"]["startLine"].as_u64().unwrap(),
        )
    };
    assert_eq!(
        place("gate-fast/build"),
        ("error".into(), "src/widget.c".into(), 12)
    );
    assert_eq!(
        place("doctor/conflict-markers"),
        ("error".into(), "src/merge.c".into(), 2)
    );
    assert_eq!(
        place("doctor/lockfile"),
        ("warning".into(), "sdetkit.toml".into(), 1)
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

#[test]
fn pre_push_hook_runs_the_fast_gate() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -e broken\"\n");
    repo.sdetkit(&["init", "--hook", "pre-push"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("wrote .git/hooks/pre-push: "));
    let hook = repo.file(".git/hooks/pre-push");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&hook).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .ends_with("exec sdetkit gate fast\n")
    );
    // An existing hook is kept unless --force.
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    repo.sdetkit(&["init", "--hook", "pre-push"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exists; rerun with --force",
        ));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    repo.sdetkit(&["init", "--hook", "pre-push", "--force"])
        .assert()
        .success();
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "only the hook is written"
    );

    // A push runs the gate: red stops it, green lets it through.
    let remote = tempfile::tempdir().unwrap();
    git_in(remote.path(), &["init", "-q", "--bare"]);
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    let bin = assert_cmd::cargo::cargo_bin("sdetkit");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let push = || {
        let mut cmd = Command::new("git");
        cmd.current_dir(repo.path())
            .args(["push", "-q", "origin", "main"])
            .env("PATH", &path);
        for var in crate::support::CI_VARS
            .iter()
            .chain(&crate::support::TOOL_VARS)
        {
            cmd.env_remove(var);
        }
        cmd
    };
    repo.write("broken", "");
    repo.commit("break");
    let out = push().output().unwrap();
    assert!(!out.status.success(), "a red gate stops the push");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("gate-fast: FAIL"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(git_in(remote.path(), &["branch", "--list", "main"]).is_empty());
    repo.git(&["rm", "-q", "broken"]);
    repo.commit("fix");
    output_of(&mut push());
    assert_eq!(
        git_in(remote.path(), &["rev-parse", "main"]).trim(),
        repo.git(&["rev-parse", "HEAD"])
    );
}

/// Fails unless `xml` is well-formed XML.
fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}\n{xml}", reader.buffer_position()),
        }
    }
}

/// The fenced ```yaml blocks of `docs/ci.md` under heading `heading`, each parsed (so a typo
/// in a copy-pasteable pipeline fails here).
fn documented_yaml(heading: &str) -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let section = doc
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("docs/ci.md has no `## {heading}`"));
    let section = section.split("\n## ").next().unwrap();
    let blocks: Vec<String> = section
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect();
    for block in &blocks {
        yaml_rust2::YamlLoader::load_from_str(block)
            .unwrap_or_else(|e| panic!("docs/ci.md, {heading}: {e}\n{block}"));
    }
    blocks
}

/// The `sdetkit --out-dir …` commands of a pipeline, as written.
fn lane_commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| {
            l.find("sdetkit --out-dir")
                .map(|i| l[i..].trim().to_string())
        })
        .collect()
}

/// Runs `command` with bash in `dir`, `sdetkit` on PATH, outside any CI but for `env`.
fn run_documented(dir: &Path, command: &str, env: &[(&str, &Path)], ci: &str) {
    let bin = assert_cmd::cargo::cargo_bin("sdetkit");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.current_dir(dir)
        .args(["-euc", command])
        .env("PATH", path);
    for var in crate::support::CI_VARS
        .iter()
        .chain(&crate::support::TOOL_VARS)
    {
        cmd.env_remove(var);
    }
    cmd.env(ci, "true")
        .env("GIT_AUTHOR_NAME", "ci")
        .env("GIT_AUTHOR_EMAIL", "ci@example.com")
        .env("GIT_COMMITTER_NAME", "ci")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{command}: exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

#[test]
fn the_documented_pipelines_run_against_a_bare_remote() {
    let remote = tempfile::tempdir().unwrap();
    git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let seed = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo ok\"\n\n[history]\nstore = \"git\"\n",
    );
    seed.write(".gitignore", "/build/\n/.sdetkit/\n");
    seed.write("package-lock.json", "{}\n");
    seed.commit("ci");
    seed.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    seed.git(&["push", "-q", "origin", "main"]);

    // GitHub Actions: every lane command of the workflow, each in a fresh checkout.
    let github = documented_yaml("GitHub Actions");
    let commands = lane_commands(&github[0]);
    assert_eq!(commands.len(), 3, "{commands:?}");
    for command in &commands {
        let clone = Repo::clone_of(remote.path());
        let temp = tempfile::tempdir().unwrap();
        let summary = temp.path().join("summary.md");
        run_documented(
            clone.path(),
            command,
            &[
                ("RUNNER_TEMP", temp.path()),
                ("GITHUB_STEP_SUMMARY", &summary),
            ],
            "GITHUB_ACTIONS",
        );
        let text = std::fs::read_to_string(&summary).unwrap();
        assert!(text.starts_with("## sdetkit ops "), "{command}: {text}");
        if command.contains("--sarif-out") {
            assert!(temp.path().join("sdetkit.sarif").is_file(), "{command}");
        }
        assert!(
            clone.git(&["status", "--porcelain"]).is_empty(),
            "{command}"
        );
    }

    // GitLab CI: the lanes, and the reports where `artifacts:reports` looks for them.
    let gitlab = &documented_yaml("GitLab CI")[0];
    let reports: Vec<&str> = gitlab
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("junit: ")
                .or_else(|| l.strip_prefix("codequality: "))
        })
        .collect();
    assert_eq!(reports.len(), 2, "{gitlab}");
    let commands = lane_commands(gitlab);
    assert_eq!(commands.len(), 3, "{commands:?}");
    for command in &commands {
        let clone = Repo::clone_of(remote.path());
        run_documented(
            clone.path(),
            command,
            &[("CI_PROJECT_DIR", clone.path())],
            "GITLAB_CI",
        );
        if !command.contains("ops weekly") {
            for report in &reports {
                assert!(clone.file(report).is_file(), "{command}: no {report}");
            }
        }
        assert!(
            clone.git(&["status", "--porcelain"]).is_empty(),
            "{command}"
        );
    }

    // Every daily and pre-merge run reached the remote's history.
    let files = git_in(
        remote.path(),
        &["ls-tree", "-r", "--name-only", "refs/sdetkit/history"],
    );
    let rows: usize = files
        .lines()
        .map(|f| {
            git_in(
                remote.path(),
                &["show", &format!("refs/sdetkit/history:{f}")],
            )
            .lines()
            .count()
        })
        .sum();
    assert_eq!(rows, 4, "{files}");
}

#[test]
fn the_action_installs_and_runs_a_lane() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let action = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let script = |i: usize| steps[i]["run"].as_str().unwrap().to_string();
    for input in ["lane", "args", "version"] {
        assert!(!action["inputs"][input].is_badvalue(), "input {input}");
    }
    let repo = crate::support::green_repo();
    let temp = tempfile::tempdir().unwrap();
    let output = temp.path().join("output");
    let dir = temp.path().to_str().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sdetkit");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let step = |i: usize, env: &[(&str, &str)]| {
        let mut cmd = Command::new("bash");
        cmd.current_dir(repo.path())
            .args(["-c", &script(i)])
            .env("PATH", &path)
            .env("RUNNER_TEMP", dir)
            .env("GITHUB_OUTPUT", &output);
        for var in crate::support::CI_VARS
            .iter()
            .chain(&crate::support::TOOL_VARS)
        {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = step(0, &[("VERSION", "installed")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let junit = temp.path().join("junit.xml");
    let args = format!("--junit-out {}", junit.display());
    let out = step(
        1,
        &[
            ("LANE", "proof"),
            ("ARGS", &args),
            ("OUT_DIR", ""),
            ("GITHUB_ACTIONS", "true"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("FIRST_PROOF_DECISION=SHIP\n"));
    assert!(
        junit.is_file()
            && temp
                .path()
                .join("sdetkit/first-proof/first-proof-summary.json")
                .is_file()
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        format!("out-dir={dir}/sdetkit\n")
    );
    let out = step(1, &[("LANE", "nightly"), ("ARGS", ""), ("OUT_DIR", "")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("::error title=sdetkit action::unknown lane 'nightly'")
    );
}

//! Bad input, table-driven: malformed config files, corrupt artifacts and histories, bad
//! flags. Each is exit 2 with one line naming the file (and line); nothing panics.

use crate::support::{Repo, green_repo};

fn assert_exit_2(repo: &Repo, args: &[&str], names: &str) {
    let out = repo.sdetkit(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {stderr}"
    );
    assert!(
        stderr.starts_with("sdetkit: error: ") || stderr.starts_with("error: "),
        "{stderr}"
    );
    assert!(
        stderr.contains(names),
        "{args:?}: `{names}` not in {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn malformed_config_files() {
    let cases: [(&str, &str); 11] = [
        ("not toml at all ===", "sdetkit.toml:1:"),
        ("[gate.fast]\nsteps = \"nope\"\n", "sdetkit.toml:2:"),
        (
            "[[gate.fast.steps]]\nid = \"\"\nrun = \"x\"\n",
            "sdetkit.toml:2:",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"  \"\n",
            "sdetkit.toml:3:",
        ),
        ("[runner]\njobs = 0\n", "sdetkit.toml:2:"),
        ("[gate.release]\nskip = [\"nonsense\"]\n", "sdetkit.toml:2:"),
        ("[thresholds.main]\nmin_ship_rate = 7\n", "sdetkit.toml:1:"),
        ("[setup]\nrun = 3\n", "sdetkit.toml:2:"),
        (
            "[[gate.release.steps]]\nid = \"tag\"\nrun = \"x\"\n",
            "clashes with a built-in check",
        ),
        (
            "[[gate.fast.steps]]\nid = \"a\"\nrun = \"true\"\ntimeout = \"5124095576030431h\"\n",
            "sdetkit.toml:4: invalid duration",
        ),
        (
            &format!(
                "[[gate.fast.steps]]\nid = \"{}\"\nrun = \"true\"\n",
                "a".repeat(300)
            ),
            "sdetkit.toml:2: gate.fast step id is 300 bytes long",
        ),
    ];
    for (toml, names) in cases {
        let repo = green_repo();
        repo.write("sdetkit.toml", toml);
        assert_exit_2(&repo, &["ops", "proof"], names);
    }
}

#[test]
fn corrupt_artifacts_name_their_file_and_line() {
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "build/first-proof/gate-fast.json",
            "{\n  \"ok\": tru",
            &["gate", "release"],
        ),
        (
            "build/first-proof/first-proof-summary.json",
            "{\"run_id\": ",
            &["evidence", "pack"],
        ),
        ("build/ops/premerge-gate.json", "[1, 2", &["ops", "status"]),
        (
            "build/first-proof/weekly-trend.json",
            "{\"generated_at\": }",
            &["ops", "status"],
        ),
    ];
    for (file, body, args) in cases {
        let repo = green_repo();
        if args == ["ops", "status"] {
            repo.sdetkit(&["ops", "daily"]).output().unwrap();
        }
        repo.write(file, body);
        let name = file.rsplit('/').next().unwrap();
        assert_exit_2(&repo, args, &format!("{name}:"));
    }
}

#[test]
fn bad_flags() {
    let repo = green_repo();
    let cases: [&[&str]; 6] = [
        &["gate", "fast", "--format", "xml"],
        &["gate", "fast", "--jobs", "0"],
        &["ops", "next", "--limit", "many"],
        &["ops", "proof", "--release-dry-run=maybe"],
        &["evidence", "verify"],
        &["investigate", "failure"],
    ];
    for args in cases {
        let out = repo.sdetkit(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
    let out = repo
        .sdetkit(&["ops", "proof"])
        .env("FIRST_PROOF_RELEASE_DRY_RUN", "perhaps")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FIRST_PROOF_RELEASE_DRY_RUN=perhaps"));
}

#[test]
fn bad_times_are_one_line_errors() {
    let repo = green_repo();
    for offset in ["+25:00", "-24:00", "+23:60"] {
        let as_of = format!("2026-01-01T00:00:00{offset}");
        assert_exit_2(&repo, &["ops", "weekly", "--as-of", &as_of], &as_of);
    }
    for now in ["garbage", "2026-01-01T00:00:00+25:00"] {
        let out = repo
            .sdetkit(&["ops", "daily"])
            .env("SDETKIT_NOW", now)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{now}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("SDETKIT_NOW={now}")), "{stderr}");
        assert!(!repo.file("build/first-proof").exists(), "nothing ran");
    }
}

#[test]
fn an_out_dir_holding_tracked_files_is_refused() {
    let repo = green_repo();
    repo.write("first-proof/gate-fast.json", "{\"tracked\": true}\n");
    repo.commit("a tracked directory named like an artifact");
    let tracked = std::fs::read(repo.file("first-proof/gate-fast.json")).unwrap();
    let parent = repo.path().parent().unwrap().to_str().unwrap().to_string();
    let root = repo.path().to_str().unwrap().to_string();
    for out_dir in [
        root.as_str(),
        parent.as_str(),
        &format!("{root}/first-proof/.."),
    ] {
        assert_exit_2(&repo, &["--out-dir", out_dir, "gate", "fast"], "--out-dir");
    }
    assert_exit_2(
        &repo,
        &["--out-dir", &format!("{root}/first-proof"), "ops", "daily"],
        "holds tracked files",
    );
    assert_eq!(
        std::fs::read(repo.file("first-proof/gate-fast.json")).unwrap(),
        tracked
    );
    // An ignored or fresh directory inside the repository, and one outside it, are fine.
    let elsewhere = tempfile::tempdir().unwrap();
    for out_dir in [
        format!("{root}/build"),
        elsewhere.path().display().to_string(),
    ] {
        let out = repo
            .sdetkit(&["--out-dir", &out_dir, "gate", "fast"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out_dir}: {out:?}");
    }
}

/// Runs `cmd` to its end; one that is still running after a minute has hung on its input
/// and is killed (its exit code is then not 2, which the caller's assertion reports).
fn output_unhung(cmd: &mut std::process::Command) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let (done, waiting) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if waiting
            .recv_timeout(std::time::Duration::from_secs(60))
            .is_err()
        {
            // SAFETY: kill(2) on the child's pid; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = done.send(());
    watchdog.join().unwrap();
    out
}

fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
}

#[test]
fn devices_fifos_and_directories_as_inputs_are_one_line_errors() {
    let repo = green_repo();
    mkfifo(&repo.file("pipe"));
    repo.write("text.xml", "these are not the tests you are looking for\n");
    repo.write("empty.xml", "");
    repo.write("step.log", "error: boom\n");
    let cases: [(&[&str], &str); 9] = [
        (
            &["--config", "/dev/zero", "gate", "fast"],
            "/dev/zero: is a device",
        ),
        (&["--config", "pipe", "gate", "fast"], "pipe: is a FIFO"),
        (
            &["investigate", "failure", "--log", "/dev/zero"],
            "/dev/zero: is a device",
        ),
        (
            &["investigate", "failure", "--log", "pipe"],
            "pipe: is a FIFO",
        ),
        (&["investigate", "failure", "--log", "."], "is a directory"),
        (
            &[
                "investigate",
                "failure",
                "--log",
                "step.log",
                "--junit",
                "pipe",
            ],
            "pipe: is a FIFO",
        ),
        (
            &[
                "investigate",
                "failure",
                "--log",
                "step.log",
                "--junit",
                "text.xml",
            ],
            "text.xml:1: not a JUnit report",
        ),
        (
            &[
                "investigate",
                "failure",
                "--log",
                "step.log",
                "--junit",
                "empty.xml",
            ],
            "empty.xml:1: not a JUnit report",
        ),
        (
            &[
                "investigate",
                "failure",
                "--log",
                "step.log",
                "--junit",
                "/dev/zero",
            ],
            "/dev/zero: is a device",
        ),
    ];
    for (args, names) in cases {
        let out = output_unhung(repo.sdetkit(args).current_dir(repo.path()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains(names),
            "{args:?}: `{names}` not in {stderr}"
        );
    }
}

#[test]
fn a_version_file_or_changelog_that_is_not_a_file_is_a_config_error() {
    let cases = [
        ("version_file = \"pipe\"", "sdetkit.toml:3: version_file: "),
        (
            "version_file = \"/dev/zero\"",
            "sdetkit.toml:3: version_file: ",
        ),
        ("changelog = \"pipe\"", "sdetkit.toml:3: changelog: "),
        ("changelog = \"/dev/zero\"", "sdetkit.toml:3: changelog: "),
        ("changelog = \"src\"", "sdetkit.toml:3: changelog: "),
    ];
    for (setting, names) in cases {
        let repo = green_repo();
        mkfifo(&repo.file("pipe"));
        repo.write("src/lib.rs", "\n");
        let toml = format!(
            "[gate.release]\n\n{setting}\n[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo ok\"\n"
        );
        repo.write("sdetkit.toml", &toml);
        let out = output_unhung(&mut repo.sdetkit(&["gate", "release", "--dry-run"]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{setting}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(names),
            "{setting}: `{names}` not in {stderr}"
        );
    }
}

#[test]
fn junit_entities_are_never_expanded() {
    let repo = green_repo();
    repo.write("step.log", "error: boom\n");
    let laughs: String = (1..10)
        .map(|i| format!("<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10)))
        .collect();
    repo.write(
        "xxe.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n\
         <testsuite name=\"s\"><testcase name=\"t\"><failure message=\"leak &xxe; end\">&xxe;</failure></testcase></testsuite>\n",
    );
    repo.write(
        "laughs.xml",
        &format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE t [<!ENTITY l0 \"ha\">{laughs}]>\n\
             <testsuite name=\"s\"><testcase name=\"t\"><failure message=\"&l9;\">&l9;</failure></testcase></testsuite>\n"
        ),
    );
    for junit in ["xxe.xml", "laughs.xml"] {
        let out = output_unhung(
            repo.sdetkit(&[
                "investigate",
                "failure",
                "--format",
                "json",
                "--log",
                "step.log",
                "--junit",
                junit,
            ])
            .current_dir(repo.path()),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{junit}: {out:?}");
        assert!(
            !stdout.contains("root:"),
            "{junit}: a file was read: {stdout}"
        );
        assert!(stdout.len() < 10_000, "{junit}: entities were expanded");
    }
}

//! Secrets: a token in the environment, a token-shaped string, a private key, URL
//! credentials and base64 of a known secret never reach a log, an artifact, a history, an
//! evidence pack or the console, whichever way they come in (a step's output, a JUnit file,
//! the command itself).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::Repo;

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            all_files(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

/// Every text under `dir` (files, and the entries of the zips among them) with its name;
/// returns how many packs it opened.
fn texts_under(dir: &Path) -> (Vec<(String, String)>, usize) {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    let mut texts = Vec::new();
    let mut packs = 0;
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let name = file.display().to_string();
        if file.extension().is_some_and(|e| e == "zip") {
            packs += 1;
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                texts.push((format!("{name}!{}", entry.name().unwrap()), text));
            }
        }
        texts.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    (texts, packs)
}

/// No text under `dir` and no console output holds any of `secrets`; returns how many packs
/// were looked into.
fn assert_no_leak(dir: &Path, outputs: &[&Output], secrets: &[&str]) -> usize {
    let (mut texts, packs) = texts_under(dir);
    for (i, out) in outputs.iter().enumerate() {
        texts.push((
            format!("console output #{i}"),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }
    for (name, text) in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{name} leaks `{secret}`:\n{text}");
        }
    }
    packs
}

/// A token-shaped string built at run time, so that no source file holds one.
fn shaped() -> String {
    format!("gh{}_{}", "p", "Zx9".repeat(12))
}

#[test]
fn tokens_never_reach_logs_artifacts_histories_or_packs() {
    let env_secret = "s3cr3t-deploy-token-value";
    let shaped = shaped();
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"leaky\"\nrun = \"echo \\\"error: auth failed with $DEPLOY_TOKEN and $SHAPED\\\" >&2; exit 1\"\n",
    );
    let run = |args: &[&str]| {
        repo.sdetkit(args)
            .env("DEPLOY_TOKEN", env_secret)
            .env("SHAPED", &shaped)
            .output()
            .unwrap()
    };
    let daily = run(&["ops", "daily"]);
    let packed = run(&["evidence", "pack"]);
    assert_eq!(
        packed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let gate = std::fs::read_to_string(repo.file("build/first-proof/gate-fast.json")).unwrap();
    assert!(
        gate.contains("auth failed with [REDACTED] and [REDACTED]"),
        "the failure is still explained: {gate}"
    );
    let packs = assert_no_leak(
        &repo.file("build"),
        &[&daily, &packed],
        &[env_secret, &shaped],
    );
    assert_eq!(packs, 1);
}

/// A step whose command holds a token literally and whose JUnit report carries the
/// environment's token in a failure message and body: the command, the failure, the tests,
/// the follow-up, the release room, the pre-merge gate, the weekly reports, the packs and
/// every console report say `[REDACTED]`.
#[test]
fn junit_messages_and_commands_are_redacted_in_every_artifact() {
    let env_secret = "gh-actions-token-0451";
    let shaped = shaped();
    let repo = Repo::releasable(&format!(
        "[[gate.fast.steps]]\nid = \"auth\"\nrun = \"sh junit.sh {shaped}\"\njunit = \"reports/junit.xml\"\n"
    ));
    repo.write(".gitignore", "/build/\n/reports/\n");
    repo.write(
        "junit.sh",
        "mkdir -p reports\ncat > reports/junit.xml <<EOF\n<testsuite name=\"api\" tests=\"1\" failures=\"1\">\
         <testcase classname=\"api.auth\" name=\"test_login\" file=\"tests/test_auth.py\">\
         <failure message=\"token $GITHUB_TOKEN rejected\">AssertionError: sent $GITHUB_TOKEN with $1</failure>\
         </testcase></testsuite>\nEOF\necho 'FAILED tests/test_auth.py::test_login'\nexit 1\n",
    );
    repo.commit("auth step");
    let run = |args: &[&str]| {
        repo.sdetkit(args)
            .env("GITHUB_TOKEN", env_secret)
            .output()
            .unwrap()
    };
    let outputs = [
        run(&["ops", "daily", "--evidence"]),
        run(&["-v", "gate", "fast"]),
        run(&["gate", "fast", "--format", "json"]),
        run(&["ops", "premerge"]),
        run(&["ops", "weekly"]),
        run(&["ops", "next"]),
        run(&["ops", "followup"]),
        run(&["ops", "status"]),
        run(&[
            "investigate",
            "failure",
            "--log",
            "build/first-proof/logs/fast/auth.log",
            "--junit",
            "reports/junit.xml",
            "--cmd",
            &format!("sh junit.sh {shaped}"),
        ]),
        run(&[
            "investigate",
            "failure",
            "--format",
            "json",
            "--log",
            "build/first-proof/logs/fast/auth.log",
            "--junit",
            "reports/junit.xml",
        ]),
    ];
    let gate = std::fs::read_to_string(repo.file("build/first-proof/gate-fast.json")).unwrap();
    assert!(
        gate.contains("token [REDACTED] rejected") && gate.contains("sh junit.sh [REDACTED]"),
        "the failure and the command are still there, redacted: {gate}"
    );
    let outputs: Vec<&Output> = outputs.iter().collect();
    let packs = assert_no_leak(&repo.file("build"), &outputs, &[env_secret, &shaped]);
    assert!(packs >= 2, "the daily and the pre-merge packs");
}

/// Secrets that span lines or hide in encodings: a PEM private key (its whole body), an
/// environment value of several lines, one ending in a newline, URL credentials, base64 of a
/// known secret (alone and inside a larger value), and secrets cut by the log's 1 MiB split of
/// an endless line.
#[test]
fn multi_line_and_encoded_secrets_are_redacted() {
    let body: Vec<String> = (0..6)
        .map(|i| {
            (0..64)
                .map(|j| {
                    let alphabet =
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                    alphabet[(i * 31 + j * 7 + 3) % 64] as char
                })
                .collect()
        })
        .collect();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        body.join("\n")
    );
    let multi = "first-line-of-secret\nsecond-line-of-secret\nthird-line-of-secret";
    let trailing = "trailing-newline-secret\n";
    let token = "s3cr3t-deploy-token-value";
    let shaped = shaped();
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"leak\"\nrun = \"sh leak.sh\"\n");
    repo.write("key.txt", &pem);
    repo.write(
        "leak.sh",
        "cat key.txt\n\
         printf 'config:\\n%s\\n' \"$MULTI_SECRET\"\n\
         echo \"value: $TRAILING_PASSWORD end\"\n\
         echo 'cloning https://deploy:hunter2pass@git.example.com/x.git'\n\
         printf %s \"$DEPLOY_TOKEN\" | base64\n\
         printf 'user:%s' \"$DEPLOY_TOKEN\" | base64\n\
         head -c 1048570 /dev/zero | tr '\\0' x; printf '%s\\n' \"$DEPLOY_TOKEN\"\n\
         head -c 1048560 /dev/zero | tr '\\0' y; printf '%s\\n' \"$SHAPED\"\n\
         exit 1\n",
    );
    repo.commit("leaky step");
    let b64 = |text: &str| {
        let out = std::process::Command::new("sh")
            .args(["-c", "printf %s \"$1\" | base64 -w0", "sh", text])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let run = |args: &[&str]| {
        repo.sdetkit(args)
            .env("MULTI_SECRET", multi)
            .env("TRAILING_PASSWORD", trailing)
            .env("DEPLOY_TOKEN", token)
            .env("SHAPED", &shaped)
            .output()
            .unwrap()
    };
    let daily = run(&["ops", "daily", "--evidence"]);
    let log = std::fs::read_to_string(repo.file("build/first-proof/logs/fast/leak.log")).unwrap();
    assert!(
        log.contains("https://[REDACTED]@git.example.com/x.git"),
        "URL credentials go, the host stays: {log:.400}"
    );
    let b64_token = b64(token);
    let b64_user = b64(&format!("user:{token}"));
    let mut secrets: Vec<&str> = body.iter().map(String::as_str).collect();
    secrets.extend(multi.lines());
    secrets.extend([
        trailing.trim_end(),
        "hunter2pass",
        token,
        &shaped,
        &b64_token,
        &b64_user[8..],
    ]);
    assert_no_leak(&repo.file("build"), &[&daily], &secrets);
}

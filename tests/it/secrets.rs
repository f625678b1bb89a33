//! Secrets: a token in the environment and a token-shaped string printed by a failing step
//! never reach a log, an artifact, a history or an evidence pack.

use std::io::Read;
use std::path::Path;

use crate::support::Repo;

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            all_files(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

#[test]
fn tokens_never_reach_logs_artifacts_histories_or_packs() {
    let env_secret = "s3cr3t-deploy-token-value";
    // Built at run time so this source file holds no token-shaped string.
    let shaped = format!("gh{}_{}", "p", "Zx9".repeat(12));
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
    for out in [&daily, &packed] {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains(env_secret) && !text.contains(&shaped),
            "console output leaks: {text}"
        );
    }
    let mut files = Vec::new();
    all_files(&repo.file("build"), &mut files);
    let gate = std::fs::read_to_string(repo.file("build/first-proof/gate-fast.json")).unwrap();
    assert!(
        gate.contains("auth failed with [REDACTED] and [REDACTED]"),
        "the failure is still explained: {gate}"
    );
    let mut packs = 0;
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let mut texts = vec![String::from_utf8_lossy(&bytes).into_owned()];
        if file.extension().is_some_and(|e| e == "zip") {
            packs += 1;
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                texts.push(text);
            }
        }
        for text in texts {
            assert!(
                !text.contains(env_secret),
                "{} leaks the env token",
                file.display()
            );
            assert!(
                !text.contains(&shaped),
                "{} leaks the token-shaped string",
                file.display()
            );
        }
    }
    assert_eq!(packs, 1);
}

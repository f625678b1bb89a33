//! `evidence pack` / `evidence verify`: determinism, tamper detection, redaction.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::support::Repo;
use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

fn proved_repo() -> Repo {
    let repo =
        Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo secret=$API_TOKEN\"\n");
    repo.sdetkit(&["ops", "proof"])
        .env("API_TOKEN", "tok-value-123456")
        .assert()
        .success();
    repo
}

fn pack(repo: &Repo) -> PathBuf {
    repo.sdetkit(&["evidence", "pack"])
        .env("API_TOKEN", "tok-value-123456")
        .assert()
        .success();
    let dir = repo.file("build/evidence");
    let mut packs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(packs.len(), 1);
    packs.remove(0)
}

fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// An entry editor: the new bytes, or `None` to drop the entry.
type Edit = Box<dyn Fn(&str, Vec<u8>) -> Option<Vec<u8>>>;
/// A tampering case: name, editor, an extra entry, the expected problem.
type Case<'a> = (&'a str, Edit, Option<(&'a str, &'a [u8])>, &'a str);

fn rewrite(
    from: &Path,
    to: &Path,
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: Option<(&str, &[u8])>,
) {
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for (name, bytes) in entries(from) {
        if let Some(bytes) = edit(&name, bytes) {
            out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    if let Some((name, bytes)) = extra {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn packing_the_same_run_twice_gives_identical_bytes() {
    let repo = proved_repo();
    let first = std::fs::read(pack(&repo)).unwrap();
    let second = std::fs::read(pack(&repo)).unwrap();
    assert_eq!(first, second);
    let names: Vec<String> = entries(&pack(&repo)).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names[0], "manifest.json");
    assert!(names.contains(&"first-proof/first-proof-summary.json".to_string()));
    assert!(names.contains(&"first-proof/logs/fast/unit.log".to_string()));
    let mut sorted = names[1..].to_vec();
    sorted.sort();
    assert_eq!(sorted, names[1..]);
}

#[test]
fn verify_passes_and_works_after_moving_the_pack() {
    let repo = proved_repo();
    let path = pack(&repo);
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("moved.zip");
    std::fs::copy(&path, &moved).unwrap();
    repo.sdetkit(&["evidence", "verify", moved.to_str().unwrap()])
        .current_dir(elsewhere.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("evidence verify: OK"));
}

#[test]
fn tampered_missing_and_unlisted_entries_fail_naming_the_entry() {
    let repo = proved_repo();
    let path = pack(&repo);
    let dir = tempfile::tempdir().unwrap();
    let cases: [Case; 3] = [
        (
            "tampered",
            Box::new(|n: &str, b: Vec<u8>| {
                Some(if n.ends_with("unit.log") {
                    b"edited\n".to_vec()
                } else {
                    b
                })
            }),
            None,
            "first-proof/logs/fast/unit.log: sha256 does not match",
        ),
        (
            "missing",
            Box::new(|n: &str, b: Vec<u8>| (!n.ends_with("doctor.json")).then_some(b)),
            None,
            "first-proof/doctor.json: listed in the manifest but missing",
        ),
        (
            "unlisted",
            Box::new(|_: &str, b: Vec<u8>| Some(b)),
            Some(("extra.txt", b"x")),
            "extra.txt: in the pack but not listed",
        ),
    ];
    for (name, edit, extra, expected) in cases {
        let bad = dir.path().join(format!("{name}.zip"));
        rewrite(&path, &bad, edit, extra);
        repo.sdetkit(&["evidence", "verify", bad.to_str().unwrap()])
            .assert()
            .code(1)
            .stdout(predicate::str::contains(expected));
    }
}

#[test]
fn a_decision_that_the_gates_do_not_support_fails() {
    let repo = proved_repo();
    let path = pack(&repo);
    let bad = tempfile::tempdir().unwrap().keep().join("flipped.zip");
    rewrite(
        &path,
        &bad,
        |n, b| {
            if n != "manifest.json" {
                return Some(b);
            }
            let text = String::from_utf8(b).unwrap();
            let flipped = if text.contains("\"decision\": \"SHIP\"") {
                text.replace("\"decision\": \"SHIP\"", "\"decision\": \"NO-SHIP\"")
            } else {
                text.replace("\"decision\": \"NO-SHIP\"", "\"decision\": \"SHIP\"")
            };
            Some(flipped.into_bytes())
        },
        None,
    );
    repo.sdetkit(&["evidence", "verify", bad.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("manifest.json: records decision"));
}

#[test]
fn secrets_stay_redacted_inside_the_pack() {
    let repo = proved_repo();
    for (name, bytes) in entries(&pack(&repo)) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("tok-value-123456"), "{name} leaks the token");
    }
}

#[test]
fn packing_another_run_or_no_run_is_a_clear_error() {
    let repo = proved_repo();
    repo.sdetkit(&["evidence", "pack", "--run", "20000101T000000Z-000000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not the latest run"));
    let empty = Repo::new();
    empty
        .sdetkit(&["evidence", "pack"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no run to pack"));
    empty
        .sdetkit(&["evidence", "verify", "nope.zip"])
        .assert()
        .code(2);
}

#[test]
fn daily_with_evidence_packs_verifies_and_records_the_run() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n");
    repo.sdetkit(&["ops", "daily", "--evidence"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(verified)"));
    let summary = repo.json("build/first-proof/first-proof-summary.json");
    let run_id = summary["run_id"].as_str().unwrap();
    assert!(
        repo.file(&format!("build/evidence/evidence-{run_id}.zip"))
            .exists()
    );
    let names: Vec<String> = entries(&repo.file(&format!("build/evidence/evidence-{run_id}.zip")))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.contains(&"ops/followup.json".to_string()),
        "lane artifacts are packed: {names:?}"
    );
    let verified =
        std::fs::read_to_string(repo.file("build/evidence/verified-packs.jsonl")).unwrap();
    assert!(verified.contains(run_id));
}

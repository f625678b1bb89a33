//! What every artifact the tool writes has in common: its JSON keys are sorted (the event-log
//! scanner depends on it, and `--stable-json` bytes do too), whichever lane wrote it.

use std::path::Path;

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::support::green_repo;

/// Whether `text` is `value` in one of the two canonical forms the tool writes: pretty
/// (documents) or compact (rows, checkpoints), both with sorted keys.
fn canonical(text: &str, value: &Value) -> bool {
    let pretty = format!("{}\n", serde_json::to_string_pretty(value).unwrap());
    let compact = format!("{}\n", serde_json::to_string(value).unwrap());
    text == pretty || text == compact
}

fn check(path: &Path, checked: &mut usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.to_string_lossy();
    if name.ends_with(".jsonl") {
        for line in text.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            assert!(canonical(&format!("{line}\n"), &value), "{name}: {line}");
        }
    } else {
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(canonical(&text, &value), "{name} is not in canonical form");
    }
    *checked += 1;
}

fn walk(dir: &Path, checked: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, checked);
        } else if path
            .extension()
            .is_some_and(|e| e == "json" || e == "jsonl")
        {
            check(&path, checked);
        }
    }
}

#[test]
fn every_json_the_lanes_write_has_sorted_keys() {
    let repo = green_repo();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test ! -f FAIL\"\n",
    );
    repo.commit("config");
    repo.sdetkit(&["ops", "daily", "--evidence"])
        .assert()
        .success();
    repo.write("FAIL", "");
    repo.sdetkit(&["ops", "daily"]).assert().success();
    std::fs::remove_file(repo.file("FAIL")).unwrap();
    repo.sdetkit(&["ops", "premerge", "--fast"])
        .assert()
        .success();
    repo.sdetkit(&["ops", "weekly"]).assert().success();
    repo.sdetkit(&["ops", "record", "release", "--version", "1.0.0"])
        .assert()
        .success();
    let mut checked = 0;
    walk(&repo.file("build"), &mut checked);
    assert!(checked >= 20, "only {checked} JSON files written");
}

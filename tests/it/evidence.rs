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
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
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

/// One entry of a zip made by hand ([`raw_zip`]): what zip writers refuse to write
/// (duplicate names, names with `..`) and data they would never produce (a zip bomb).
struct Raw {
    name: Vec<u8>,
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
    unix_mode: u32,
}

/// The entries of `pack` as stored (compressed bytes, CRC, size).
fn raw_entries(pack: &Path) -> Vec<Raw> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(pack).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index_raw(i).unwrap();
            let mut data = Vec::new();
            let (crc, size) = (e.crc32(), e.size() as u32);
            let method = match e.compression() {
                zip::CompressionMethod::Stored => 0,
                _ => 8,
            };
            let name = e.name_raw().to_vec();
            e.read_to_end(&mut data).unwrap();
            Raw {
                name,
                method,
                crc,
                size,
                data,
                unix_mode: 0o100644,
            }
        })
        .collect()
}

/// A zip archive of `entries`, written field by field.
fn raw_zip(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for e in entries {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        for x in [20, 0, e.method, 0, 0x21] {
            le16(&mut out, x);
        }
        le32(&mut out, e.crc);
        le32(&mut out, e.data.len() as u32);
        le32(&mut out, e.size);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&e.data);
        le32(&mut central, 0x0201_4b50);
        for x in [(3 << 8) | 20, 20, 0, e.method, 0, 0x21] {
            le16(&mut central, x);
        }
        le32(&mut central, e.crc);
        le32(&mut central, e.data.len() as u32);
        le32(&mut central, e.size);
        le16(&mut central, e.name.len() as u16);
        for _ in 0..4 {
            le16(&mut central, 0);
        }
        le32(&mut central, e.unix_mode << 16);
        le32(&mut central, offset);
        central.extend_from_slice(&e.name);
    }
    let (start, len) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    for x in [0, 0, entries.len() as u16, entries.len() as u16] {
        le16(&mut out, x);
    }
    le32(&mut out, len);
    le32(&mut out, start);
    le16(&mut out, 0);
    out
}

/// Raw deflate of `1 + 258 * k` zero bytes in `13 * k` bits: one literal, then `k` copies
/// of the longest match at distance 1 (fixed Huffman codes).
fn deflated_zeros(k: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut len) = (0u64, 0u32);
    let mut put = |value: u64, bits: u32, out: &mut Vec<u8>| {
        acc |= value << len;
        len += bits;
        while len >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            len -= 8;
        }
    };
    // Huffman codes go most significant bit first.
    let code = |c: u64, bits: u32| c.reverse_bits() >> (64 - bits);
    put(1, 1, &mut out); // the last block
    put(1, 2, &mut out); // fixed codes
    put(code(0x30, 8), 8, &mut out); // literal 0
    let copy = code(0b1100_0101, 8) | (code(0, 5) << 8); // length 258, distance 1
    for _ in 0..k {
        put(copy, 13, &mut out);
    }
    put(code(0, 7), 7, &mut out); // end of block
    put(0, 7, &mut out);
    out
}

/// `evidence verify` of the zip made of `entries`: exit code and stdout.
fn verify_raw(repo: &Repo, entries: &[Raw]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hand-made.zip");
    std::fs::write(&path, raw_zip(entries)).unwrap();
    let out = repo
        .sdetkit(&["evidence", "verify", path.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn hostile_entry_names_fail_and_are_printed_escaped() {
    let repo = proved_repo();
    let path = pack(&repo);
    // The hand-made copy of a good pack verifies: the cases below fail for their one change.
    assert_eq!(verify_raw(&repo, &raw_entries(&path)).0, Some(0));
    let cases: [(&[u8], u32, &str); 6] = [
        (
            b"/etc/cron.d/x",
            0o100644,
            "/etc/cron.d/x: an absolute name",
        ),
        (
            b"../outside.txt",
            0o100644,
            "../outside.txt: a name with `..`",
        ),
        (
            b"first-proof/../../up.txt",
            0o100644,
            "first-proof/../../up.txt: a name with `..`",
        ),
        (
            b"C:\\windows\\x",
            0o100644,
            "C:\\\\windows\\\\x: an absolute name",
        ),
        (
            b"bad\x1b[31mname",
            0o100644,
            "bad\\u{1b}[31mname: a control character",
        ),
        (b"link", 0o120777, "link: a symbolic link"),
    ];
    for (name, mode, expected) in cases {
        let mut entries = raw_entries(&path);
        entries.push(Raw {
            name: name.to_vec(),
            method: 0,
            crc: 0x8cdc_1683, // crc32 of "x"
            size: 1,
            data: b"x".to_vec(),
            unix_mode: mode,
        });
        let (code, stdout) = verify_raw(&repo, &entries);
        assert_eq!(code, Some(1), "{expected}: {stdout}");
        assert!(stdout.contains(expected), "{expected} not in {stdout}");
        assert!(
            !stdout.contains('\x1b'),
            "a control character is printed raw"
        );
    }
    let mut entries = raw_entries(&path);
    let again = entries
        .iter()
        .position(|e| e.name.ends_with(b"unit.log"))
        .unwrap();
    let duplicate = Raw {
        data: entries[again].data.clone(),
        name: entries[again].name.clone(),
        ..entries[again]
    };
    entries.push(duplicate);
    let (code, stdout) = verify_raw(&repo, &entries);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("duplicate"), "{stdout}");
}

#[test]
fn a_zip_bomb_is_read_in_bounded_memory() {
    let repo = proved_repo();
    let path = pack(&repo);
    let mut entries = raw_entries(&path);
    let log = entries
        .iter_mut()
        .find(|e| e.name.ends_with(b"unit.log"))
        .unwrap();
    let k = 4 << 20; // 1 GiB of zeros in 6.5 MiB
    log.data = deflated_zeros(k);
    log.method = 8;
    log.size = (1 + 258 * k) as u32;
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.zip");
    std::fs::write(&bomb, raw_zip(&entries)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sdetkit");
    // 512 MiB of address space: reading the entry whole would need twice that.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" --quiet evidence verify \"$1\"")
        .arg(&bin)
        .arg(&bomb)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{out:?}");
    assert!(
        stdout.contains("first-proof/logs/fast/unit.log: larger than the manifest says"),
        "{stdout}"
    );
}

#[test]
fn a_file_that_is_not_a_pack_is_one_line_and_exit_2() {
    let repo = proved_repo();
    let good = std::fs::read(pack(&repo)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let fifo = dir.path().join("fifo.zip");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let cases = [
        (write("text.zip", b"just some text\n"), "not a zip archive"),
        (write("empty.zip", b""), "empty"),
        (
            write("cut.zip", &good[..good.len() / 2]),
            "not a zip archive",
        ),
        (dir.path().to_path_buf(), "is a directory"),
        (fifo, "is a FIFO"),
        (std::path::PathBuf::from("/dev/zero"), "is a device"),
    ];
    for (path, expected) in cases {
        let out = repo
            .sdetkit(&["evidence", "verify", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{path:?}: {stderr}");
    }
}

#[test]
fn a_pack_holds_one_run_and_never_a_later_runs_files() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"echo run $N\"\n");
    let run = |args: &[&str], n: &str| repo.sdetkit(args).env("N", n).output().unwrap();
    assert_eq!(run(&["ops", "daily"], "1").status.code(), Some(0));
    assert_eq!(run(&["evidence", "pack"], "1").status.code(), Some(0));
    let path = std::fs::read_dir(repo.file("build/evidence"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .unwrap();
    let first = std::fs::read(&path).unwrap();
    assert_eq!(run(&["evidence", "pack"], "1").status.code(), Some(0));
    assert_eq!(std::fs::read(&path).unwrap(), first, "same run, same bytes");
    // A later `gate fast` rewrites the fast gate's artifact and logs, not the run.
    assert_eq!(run(&["gate", "fast"], "2").status.code(), Some(0));
    let out = run(&["evidence", "pack"], "2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("first-proof/") && stderr.contains("changed since run"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        first,
        "the run's pack is left as it was"
    );
}

#[test]
fn the_premerge_verdict_carries_its_packs_digest_and_packing_again_is_identical() {
    let repo = Repo::releasable("[[gate.fast.steps]]\nid = \"unit\"\nrun = \"true\"\n");
    assert_eq!(
        repo.sdetkit(&["ops", "premerge"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let gate = repo.json("build/ops/premerge-gate.json");
    let pack = repo.file(gate["evidence_pack"].as_str().unwrap());
    let sealed = std::fs::read(&pack).unwrap();
    let sha = std::process::Command::new("sha256sum")
        .arg(&pack)
        .output()
        .unwrap();
    let sha = String::from_utf8_lossy(&sha.stdout);
    assert_eq!(
        gate["evidence_sha256"].as_str(),
        sha.split_whitespace().next()
    );
    repo.sdetkit(&["evidence", "pack"]).assert().success();
    assert_eq!(std::fs::read(&pack).unwrap(), sealed);
}

//! `evidence verify`: re-hash every entry against the manifest (streamed, bounded), find
//! missing, unlisted and hostile entries, and re-derive the decision from the packed gate
//! artifacts.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::artifacts::evidence::{MANIFEST, Manifest};
use crate::artifacts::proof::{GateKind, GateReport, SUMMARY, Summary};
use crate::digest::sha256_of;
use crate::error::{Error, Result};
use crate::files::Links;
use crate::gate::Verdict;

/// One problem found, naming the entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The entry (or `(archive)`).
    pub entry: String,
    /// What is wrong with it.
    pub problem: String,
}

/// The verification result.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// `sdetkit.evidence-verify.v1`.
    pub schema_version: &'static str,
    /// No problem found.
    pub ok: bool,
    /// The pack as given.
    pub pack: String,
    /// The pack's own sha256.
    pub sha256: String,
    /// The run the manifest names.
    pub run_id: Option<String>,
    /// The decision the manifest records.
    pub decision: Option<String>,
    /// The decision re-derived from the packed gate artifacts.
    pub derived_decision: Option<String>,
    /// Entries in the pack.
    pub entries: usize,
    /// Everything wrong, each naming its entry.
    pub problems: Vec<Problem>,
}

/// The most of an entry read: packs hold step logs of at most 16 MiB.
const ENTRY_CAP: u64 = 64 << 20;

/// Verifies the pack at `path`, reading one entry at a time and never more of an entry than
/// the manifest says it holds, so a zip bomb costs no memory. A file that is not a zip
/// archive (empty, truncated, a directory, a FIFO) is an error; everything wrong inside the
/// archive is a problem in the result.
pub fn verify(path: &Path) -> Result<Verification> {
    let file = crate::files::open(path, Links::Follow)?.ok_or_else(|| {
        Error::io(
            path,
            "cannot open",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        )
    })?;
    if file.metadata().is_ok_and(|m| m.len() == 0) {
        return Err(Error::input(path, "is empty, not an evidence pack"));
    }
    let (sha256, _) = sha256_of(&file).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| {
        Error::input(
            path,
            format!(
                "not a zip archive ({e}); an evidence pack is what `sdetkit evidence pack` writes"
            ),
        )
    })?;
    let mut result = Verification {
        schema_version: "sdetkit.evidence-verify.v1",
        ok: false,
        pack: path.display().to_string(),
        sha256,
        run_id: None,
        decision: None,
        derived_decision: None,
        entries: archive.len(),
        problems: Vec::new(),
    };
    let names = names(&mut archive, &mut result.problems);
    let manifest = match read_small(&mut archive, MANIFEST) {
        Err(why) => {
            result.problems.push(problem(MANIFEST, &why));
            return Ok(result);
        }
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => m,
            Err(e) => {
                result
                    .problems
                    .push(problem(MANIFEST, &format!("not a valid manifest: {e}")));
                return Ok(result);
            }
        },
    };
    result.run_id = Some(manifest.run_id.clone());
    result.decision = Some(manifest.decision.clone());
    check_hashes(&mut archive, &manifest, &names, &mut result.problems);
    let derived = derive_decision(&mut archive, &mut result.problems);
    if let Some(d) = &derived {
        if *d != manifest.decision {
            result.problems.push(problem(
                MANIFEST,
                &format!(
                    "records decision {} but the packed gate artifacts give {d}",
                    manifest.decision
                ),
            ));
        }
        check_summary(&mut archive, d, &mut result.problems);
    }
    result.derived_decision = derived;
    result.ok = result.problems.is_empty();
    Ok(result)
}

type Archive = zip::ZipArchive<std::fs::File>;

fn problem(entry: &str, text: &str) -> Problem {
    Problem {
        entry: entry.escape_debug().to_string(),
        problem: text.to_string(),
    }
}

/// The names of the archive's entries that are safe to name; every other one is a problem:
/// a name that is absolute, climbs out with `..`, holds a control character or is not UTF-8,
/// a symbolic link, and names used twice (one entry would hide another).
fn names(archive: &mut Archive, problems: &mut Vec<Problem>) -> BTreeSet<String> {
    if archive.has_duplicate_names() {
        problems.push(problem(
            "(archive)",
            "duplicate entry names: one entry would hide another",
        ));
    }
    let mut names = BTreeSet::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            problems.push(problem("(archive)", &format!("entry {i} is unreadable")));
            continue;
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let why = if std::str::from_utf8(entry.name_raw()).is_err() {
            Some("a name that is not UTF-8")
        } else if name.chars().any(char::is_control) {
            Some("a control character in the name")
        } else if name.starts_with(['/', '\\']) || name.get(1..3) == Some(":\\") {
            Some("an absolute name")
        } else if name.split(['/', '\\']).any(|part| part == "..") {
            Some("a name with `..`, which climbs out of wherever the pack is read")
        } else if entry.is_symlink() {
            Some("a symbolic link, which sdetkit never packs")
        } else {
            None
        };
        match why {
            Some(why) => problems.push(problem(&name, why)),
            None => {
                names.insert(name);
            }
        }
    }
    names
}

/// A small entry (the manifest, a gate artifact, the summary) read whole, at most
/// [`ENTRY_CAP`] bytes of it.
fn read_small(archive: &mut Archive, name: &str) -> std::result::Result<Vec<u8>, String> {
    let entry = archive
        .by_name(name)
        .map_err(|_| "missing: this is not an sdetkit evidence pack".to_string())?;
    let mut bytes = Vec::new();
    entry
        .take(ENTRY_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be decompressed: {e}"))?;
    if bytes.len() as u64 > ENTRY_CAP {
        return Err(format!(
            "larger than {} MiB: not what sdetkit packs",
            ENTRY_CAP >> 20
        ));
    }
    Ok(bytes)
}

/// Every listed entry is there and hashes to the manifest's sha256, read as a stream of at
/// most the bytes the manifest gives it; every entry is listed.
fn check_hashes(
    archive: &mut Archive,
    manifest: &Manifest,
    names: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    for listed in &manifest.files {
        if !names.contains(&listed.path) {
            problems.push(problem(
                &listed.path,
                "listed in the manifest but missing from the pack",
            ));
            continue;
        }
        let Ok(entry) = archive.by_name(&listed.path) else {
            problems.push(problem(&listed.path, "unreadable"));
            continue;
        };
        let limit = listed.bytes.min(ENTRY_CAP);
        let verdict = match sha256_of(entry.take(limit + 1)) {
            Err(e) => Some(format!("cannot be decompressed: {e}")),
            Ok((_, n)) if n > limit => Some("larger than the manifest says".to_string()),
            Ok((sha, _)) if sha != listed.sha256 => {
                Some("sha256 does not match the manifest (modified after packing)".to_string())
            }
            Ok(_) => None,
        };
        if let Some(why) = verdict {
            problems.push(problem(&listed.path, &why));
        }
    }
    for name in names {
        if name != MANIFEST && !manifest.files.iter().any(|f| f.path == *name) {
            problems.push(problem(name, "in the pack but not listed in the manifest"));
        }
    }
}

/// The decision the packed gate artifacts give, by the proof's own rule
/// ([`crate::decision::decide`]); each gate's `ok` must also agree with its own steps
/// ([`Verdict`]), and the fast gate must be there.
fn derive_decision(archive: &mut Archive, problems: &mut Vec<Problem>) -> Option<String> {
    let mut gates = Vec::new();
    let mut fast = false;
    for kind in GateKind::ALL {
        let path = kind.doc().rel;
        if archive.index_for_name(path).is_none() {
            continue;
        }
        fast |= kind == GateKind::Fast;
        let bytes = match read_small(archive, path) {
            Ok(bytes) => bytes,
            Err(why) => {
                problems.push(problem(path, &why));
                return None;
            }
        };
        let gate: GateReport = match serde_json::from_slice(&bytes) {
            Ok(g) => g,
            Err(e) => {
                problems.push(problem(path, &format!("not a gate artifact: {e}")));
                return None;
            }
        };
        if gate.ok != Verdict::of(&gate.steps, gate.interrupted).ok {
            problems.push(problem(path, "`ok` contradicts the gate's own steps"));
        }
        gates.push(gate);
    }
    if !fast {
        problems.push(problem(
            GateKind::Fast.doc().rel,
            "missing: no fast-gate artifact to derive the decision from",
        ));
        return None;
    }
    Some(crate::decision::decide(&gates).as_str().to_string())
}

/// The packed summary must agree with the derived decision and list only packed gates.
fn check_summary(archive: &mut Archive, derived: &str, problems: &mut Vec<Problem>) {
    let packed = read_small(archive, SUMMARY.rel)
        .ok()
        .and_then(|b| serde_json::from_slice::<Summary>(&b).ok());
    let Some(summary) = packed else {
        problems.push(problem(SUMMARY.rel, "missing or not valid JSON"));
        return;
    };
    if summary.decision.as_str() != derived {
        problems.push(problem(
            SUMMARY.rel,
            &format!("decision differs from the one derived from the gates ({derived})"),
        ));
    }
    for step in &summary.steps {
        let path = step.name.doc().rel;
        if archive.index_for_name(path).is_none() {
            problems.push(problem(
                path,
                &format!(
                    "the summary lists {} but its artifact is not in the pack",
                    step.name.name()
                ),
            ));
        }
    }
}

//! `evidence verify`: re-hash every entry against the manifest, find missing and unlisted
//! entries, and re-derive the decision from the packed gate artifacts.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::sha256_hex;
use crate::artifacts::evidence::{MANIFEST, Manifest};
use crate::artifacts::proof::{GateKind, GateReport, SUMMARY, Summary};
use crate::error::{Error, Result};
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

/// Verifies the pack at `path`. Only an unreadable file is an error; everything wrong inside
/// the pack is a problem in the result.
pub fn verify(path: &Path) -> Result<Verification> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    let mut result = Verification {
        schema_version: "sdetkit.evidence-verify.v1",
        ok: false,
        pack: path.display().to_string(),
        run_id: None,
        decision: None,
        derived_decision: None,
        entries: 0,
        problems: Vec::new(),
    };
    let mut entries = match read_entries(file) {
        Ok(e) => e,
        Err(problem) => {
            result.problems.push(Problem {
                entry: "(archive)".into(),
                problem,
            });
            return Ok(result);
        }
    };
    result.entries = entries.len();
    let Some(manifest_bytes) = entries.remove(MANIFEST) else {
        result.problems.push(problem(
            MANIFEST,
            "missing: this is not an sdetkit evidence pack",
        ));
        return Ok(result);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            result
                .problems
                .push(problem(MANIFEST, &format!("not a valid manifest: {e}")));
            return Ok(result);
        }
    };
    result.run_id = Some(manifest.run_id.clone());
    result.decision = Some(manifest.decision.clone());
    check_hashes(&manifest, &entries, &mut result.problems);
    let derived = derive_decision(&entries, &mut result.problems);
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
        check_summary(&entries, d, &mut result.problems);
    }
    result.derived_decision = derived;
    result.ok = result.problems.is_empty();
    Ok(result)
}

fn problem(entry: &str, text: &str) -> Problem {
    Problem {
        entry: entry.to_string(),
        problem: text.to_string(),
    }
}

fn read_entries(file: std::fs::File) -> std::result::Result<BTreeMap<String, Vec<u8>>, String> {
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| format!("not a readable zip archive: {e}"))?;
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("entry {i} is unreadable: {e}"))?;
        let name = entry
            .name()
            .map_err(|e| format!("entry {i} has an unreadable name: {e}"))?
            .to_string();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: cannot be decompressed: {e}"))?;
        entries.insert(name, bytes);
    }
    Ok(entries)
}

fn check_hashes(
    manifest: &Manifest,
    entries: &BTreeMap<String, Vec<u8>>,
    problems: &mut Vec<Problem>,
) {
    for listed in &manifest.files {
        match entries.get(&listed.path) {
            None => problems.push(problem(
                &listed.path,
                "listed in the manifest but missing from the pack",
            )),
            Some(bytes) if sha256_hex(bytes) != listed.sha256 => problems.push(problem(
                &listed.path,
                "sha256 does not match the manifest (modified after packing)",
            )),
            Some(_) => {}
        }
    }
    for name in entries.keys() {
        if !manifest.files.iter().any(|f| f.path == *name) {
            problems.push(problem(name, "in the pack but not listed in the manifest"));
        }
    }
}

/// The decision the packed gate artifacts give, by the proof's own rule
/// ([`crate::decision::decide`]); each gate's `ok` must also agree with its own steps
/// ([`Verdict`]), and the fast gate must be there.
fn derive_decision(
    entries: &BTreeMap<String, Vec<u8>>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut gates = Vec::new();
    for kind in GateKind::ALL {
        let path = kind.doc().rel;
        let Some(bytes) = entries.get(path) else {
            continue;
        };
        let gate: GateReport = match serde_json::from_slice(bytes) {
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
    let fast = GateKind::Fast.doc().rel;
    if !entries.contains_key(fast) {
        problems.push(problem(
            fast,
            "missing: no fast-gate artifact to derive the decision from",
        ));
        return None;
    }
    Some(crate::decision::decide(&gates).as_str().to_string())
}

/// The packed summary must agree with the derived decision and list only packed gates.
fn check_summary(entries: &BTreeMap<String, Vec<u8>>, derived: &str, problems: &mut Vec<Problem>) {
    let packed = entries
        .get(SUMMARY.rel)
        .and_then(|b| serde_json::from_slice::<Summary>(b).ok());
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
        if !entries.contains_key(path) {
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

//! `evidence verify`: re-hash every entry against the manifest, find missing and unlisted
//! entries, and re-derive the decision from the packed gate artifacts.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::manifest::{self, Manifest};
use super::sha256_hex;
use crate::error::{Error, Result};

/// Packed gate artifacts the decision is derived from, in gate order.
const GATES: &[(&str, &str)] = &[
    ("gate-fast", "first-proof/gate-fast.json"),
    ("gate-release", "first-proof/release-preflight.json"),
    ("doctor", "first-proof/doctor.json"),
];

/// One problem found, naming the entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub entry: String,
    pub problem: String,
}

/// The verification result.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub schema_version: &'static str,
    pub ok: bool,
    pub pack: String,
    pub run_id: Option<String>,
    /// The decision the manifest records.
    pub decision: Option<String>,
    /// The decision re-derived from the packed gate artifacts.
    pub derived_decision: Option<String>,
    pub entries: usize,
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
    let Some(manifest_bytes) = entries.remove(manifest::NAME) else {
        result.problems.push(problem(
            manifest::NAME,
            "missing: this is not an sdetkit evidence pack",
        ));
        return Ok(result);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            result.problems.push(problem(
                manifest::NAME,
                &format!("not a valid manifest: {e}"),
            ));
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
                manifest::NAME,
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

/// SHIP iff the packed fast gate exists and every packed gate is ok — and each gate's `ok`
/// agrees with its own steps.
fn derive_decision(
    entries: &BTreeMap<String, Vec<u8>>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut all_ok = true;
    let mut found = 0;
    for (_, path) in GATES {
        let Some(bytes) = entries.get(*path) else {
            continue;
        };
        found += 1;
        let gate: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(path, &format!("not valid JSON: {e}")));
                return None;
            }
        };
        let ok = gate.get("ok").and_then(Value::as_bool).unwrap_or(false);
        if ok != steps_say_ok(&gate) {
            problems.push(problem(path, "`ok` contradicts the gate's own steps"));
        }
        all_ok &= ok;
    }
    if !entries.contains_key(GATES[0].1) {
        problems.push(problem(
            GATES[0].1,
            "missing: no fast-gate artifact to derive the decision from",
        ));
        return None;
    }
    Some(
        if all_ok && found > 0 {
            "SHIP"
        } else {
            "NO-SHIP"
        }
        .to_string(),
    )
}

fn steps_say_ok(gate: &Value) -> bool {
    let steps = gate
        .get("steps")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let status = |s: &Value| {
        s.get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let executed = steps
        .iter()
        .filter(|s| !matches!(status(s).as_str(), "skipped" | "error"))
        .count();
    let blocking = steps.iter().any(|s| {
        matches!(
            status(s).as_str(),
            "failed" | "timed_out" | "error" | "interrupted"
        )
    });
    executed > 0 && !blocking
}

/// The packed summary must agree with the derived decision and list only packed gates.
fn check_summary(entries: &BTreeMap<String, Vec<u8>>, derived: &str, problems: &mut Vec<Problem>) {
    const SUMMARY: &str = "first-proof/first-proof-summary.json";
    let Some(summary) = entries
        .get(SUMMARY)
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        problems.push(problem(SUMMARY, "missing or not valid JSON"));
        return;
    };
    if summary.get("decision").and_then(Value::as_str) != Some(derived) {
        problems.push(problem(
            SUMMARY,
            &format!("decision differs from the one derived from the gates ({derived})"),
        ));
    }
    for step in summary
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = step.get("name").and_then(Value::as_str).unwrap_or("");
        if let Some((_, path)) = GATES.iter().find(|(g, _)| *g == name)
            && !entries.contains_key(*path)
        {
            problems.push(problem(
                path,
                &format!("the summary lists {name} but its artifact is not in the pack"),
            ));
        }
    }
}

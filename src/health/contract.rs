//! Contract health of the daily and weekly lanes: every artifact they write, validated
//! against the schema shipped in this binary, plus freshness (the last daily run at most
//! 26 h old, the last weekly scorecard at most 8 days). A violation names the file and the
//! JSON pointer. A history row that is not valid (torn by a killed writer, edited, damaged)
//! is a warning naming its line, not a violation: every reader skips and counts it, so one
//! bad line never fails a lane on its own.

use std::path::Path;

use jiff::Timestamp;

use crate::artifacts::eventlog::EventLog;
use crate::artifacts::jsonl;
use crate::artifacts::weekly::{Checked, Freshness, HEALTH_SCHEMA, Health, SCORECARD};
use crate::artifacts::{CONTRACTS, Contract};
use crate::workspace::Workspace;

/// Lines validated at the end of each JSONL history: the recent contract, at a bounded cost
/// on a million-row log.
pub const JSONL_TAIL: u64 = 1000;

/// Freshness limit of the daily lane, in hours.
pub const DAILY_MAX_HOURS: f64 = 26.0;
/// The weekly lane's limit: 8 days.
pub const WEEKLY_MAX_HOURS: f64 = 8.0 * 24.0;

/// Checks every artifact of `ws` at `now`.
pub fn check(ws: &Workspace, now: Timestamp) -> Health {
    let artifacts: Vec<Checked> = CONTRACTS.iter().map(|c| checked(ws, c)).collect();
    let freshness = vec![daily_freshness(ws, now), weekly_freshness(ws, now)];
    let violations: Vec<String> = artifacts
        .iter()
        .flat_map(|a| a.violations.iter().cloned())
        .collect();
    let warnings = artifacts
        .iter()
        .flat_map(|a| a.warnings.iter().cloned())
        .collect();
    Health {
        schema_version: HEALTH_SCHEMA,
        generated_at: crate::clock::iso(now),
        ok: violations.is_empty() && freshness.iter().all(|f| f.fresh),
        violations,
        warnings,
        freshness,
        artifacts,
    }
}

fn checked(ws: &Workspace, contract: &Contract) -> Checked {
    let path = ws.out_dir.join(contract.rel);
    let file = ws.rel(&path);
    let present = path.is_file();
    let (violations, warnings) = match (present, contract.jsonl) {
        (false, _) if contract.required => (vec![format!("{file}: missing")], Vec::new()),
        (false, _) => (Vec::new(), Vec::new()),
        (true, false) => (document(&path, &file, contract), Vec::new()),
        (true, true) => match rows(&path, &file, contract) {
            Ok(corrupt) => (Vec::new(), corrupt),
            Err(unreadable) => (vec![unreadable], Vec::new()),
        },
    };
    Checked {
        file,
        schema: contract.schema.name,
        lane: contract.lane,
        present,
        violations,
        warnings,
    }
}

/// A JSON document's violations.
fn document(path: &Path, file: &str, contract: &Contract) -> Vec<String> {
    match crate::artifacts::file::read_json(path) {
        Ok(Some(value)) => contract
            .schema
            .violations(&value)
            .into_iter()
            .map(|v| format!("{file}: {v}"))
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => vec![format!("{file}: not valid JSON: {}", problem(&e))],
    }
}

/// What is wrong with an unreadable artifact, without repeating its path.
fn problem(e: &crate::error::Error) -> String {
    match e {
        crate::error::Error::Artifact { problem, .. } => problem.clone(),
        other => other.to_string(),
    }
}

/// The rows among the last [`JSONL_TAIL`] that break the schema (readers skip and count those
/// they cannot read), each naming its line; `Err` when the history cannot be read at all. The tail is read from the end; the line numbers (a count
/// of the whole file) are only worked out when there is something to report.
fn rows(path: &Path, file: &str, contract: &Contract) -> Result<Vec<String>, String> {
    let tail = jsonl::tail(path, JSONL_TAIL).map_err(|e| format!("{file}: {e}"))?;
    let mut found: Vec<(u64, String)> = Vec::new();
    for (from_end, line) in tail {
        match serde_json::from_str(&line) {
            Ok(value) => found.extend(
                contract
                    .schema
                    .violations(&value)
                    .into_iter()
                    .map(|v| (from_end, v)),
            ),
            Err(e) => found.push((from_end, format!("not valid JSON: {e}"))),
        }
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let lines = jsonl::count_lines(path).map_err(|e| format!("{file}: {e}"))?;
    Ok(found
        .into_iter()
        .map(|(from_end, v)| format!("{file}:{}: {v}", lines + 1 - from_end))
        .collect())
}

/// The daily lane's freshness: the time of the last readable event-log row.
fn daily_freshness(ws: &Workspace, now: Timestamp) -> Freshness {
    let log = EventLog::at(&ws.out_dir);
    let last = log
        .last(|row| {
            row.head
                .captured_at
                .as_deref()
                .is_some_and(|at| crate::clock::parse(at).is_some())
        })
        .ok()
        .flatten()
        .and_then(|row| crate::clock::parse(&row.captured_at));
    freshness(ws, "daily", log.path(), last, DAILY_MAX_HOURS, now)
}

/// The weekly lane's freshness: the scorecard's `generated_at`.
fn weekly_freshness(ws: &Workspace, now: Timestamp) -> Freshness {
    let last = SCORECARD
        .stamp(&ws.out_dir)
        .ok()
        .flatten()
        .and_then(|at| crate::clock::parse(&at));
    let path = SCORECARD.path(&ws.out_dir);
    freshness(ws, "weekly", &path, last, WEEKLY_MAX_HOURS, now)
}

fn freshness(
    ws: &Workspace,
    lane: &'static str,
    source: &Path,
    last: Option<Timestamp>,
    max: f64,
    now: Timestamp,
) -> Freshness {
    let age = last.map(|t| now.duration_since(t).as_secs_f64() / 3600.0);
    Freshness {
        lane,
        source: ws.rel(source),
        last_run: last.map(crate::clock::iso),
        age_hours: age.map(|a| (a * 100.0).round() / 100.0),
        max_age_hours: max,
        fresh: age.is_some_and(|a| a <= max),
    }
}

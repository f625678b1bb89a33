//! Contract health of the daily and weekly lanes: every artifact they write, validated
//! against the schema shipped in this binary, plus freshness (the last daily run at most
//! 26 h old, the last weekly scorecard at most 8 days). A violation names the file (and the
//! line of a JSONL row) and the JSON pointer.

use std::collections::VecDeque;
use std::io::{Read, Seek};
use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{
    CONTROL_TOWER, DAILY_TREND, EVENT_ROW, FOLLOWUP, FOLLOWUP_CONTRACT_CHECK,
    FOLLOWUP_HISTORY_ROLLUP, GATE, KPI_INCIDENTS, KPI_SCORECARD, KPI_TREND, LEARNING_ROLLUP,
    PROOF_SUMMARY, RELEASE_EVENT, Schema, THRESHOLD_CHECK, WEEKLY_GUIDANCE, WEEKLY_HISTORY,
};
use crate::workspace::Workspace;

/// Schema version of `contract-health.json`.
pub const SCHEMA: &str = "sdetkit.contract-health.v1";

/// Lines validated at the end of each JSONL history: the recent contract, at a bounded cost
/// on a million-row log.
pub const JSONL_TAIL: usize = 1000;

/// Freshness limits, in hours.
pub const DAILY_MAX_HOURS: f64 = 26.0;
/// The weekly lane's limit: 8 days.
pub const WEEKLY_MAX_HOURS: f64 = 8.0 * 24.0;

/// One artifact of a lane.
struct Artifact {
    /// Path under the out-dir.
    rel: &'static str,
    schema: &'static Schema,
    lane: &'static str,
    /// One JSON value per line.
    jsonl: bool,
    /// Whether its absence is a violation (the weekly lane's own artifacts, just written);
    /// a daily artifact may legitimately be absent (no release gate, no daily run yet, which
    /// freshness reports).
    required: bool,
}

const fn daily(rel: &'static str, schema: &'static Schema, jsonl: bool) -> Artifact {
    Artifact {
        rel,
        schema,
        lane: "daily",
        jsonl,
        required: false,
    }
}

const fn weekly(rel: &'static str, schema: &'static Schema, jsonl: bool) -> Artifact {
    Artifact {
        rel,
        schema,
        lane: "weekly",
        jsonl,
        required: !jsonl,
    }
}

static ARTIFACTS: [Artifact; 19] = [
    daily("first-proof/gate-fast.json", &GATE, false),
    daily("first-proof/release-preflight.json", &GATE, false),
    daily("first-proof/doctor.json", &GATE, false),
    daily(
        "first-proof/first-proof-summary.json",
        &PROOF_SUMMARY,
        false,
    ),
    daily(
        "first-proof/first-proof-learning-db.jsonl",
        &EVENT_ROW,
        true,
    ),
    daily(
        "first-proof/first-proof-learning-rollup.json",
        &LEARNING_ROLLUP,
        false,
    ),
    daily("first-proof/control-tower.json", &CONTROL_TOWER, false),
    daily("first-proof/weekly-trend.json", &DAILY_TREND, false),
    daily(
        "first-proof/weekly-threshold-check.json",
        &THRESHOLD_CHECK,
        false,
    ),
    daily("ops/followup.json", &FOLLOWUP, false),
    daily("ops/followup-history.jsonl", &FOLLOWUP, true),
    daily(
        "ops/followup-contract-check.json",
        &FOLLOWUP_CONTRACT_CHECK,
        false,
    ),
    daily(
        "ops/followup-history-rollup.json",
        &FOLLOWUP_HISTORY_ROLLUP,
        false,
    ),
    weekly("ops/weekly/kpi-scorecard.json", &KPI_SCORECARD, false),
    weekly("ops/weekly/kpi-trend.json", &KPI_TREND, false),
    weekly("ops/weekly/kpi-incidents.json", &KPI_INCIDENTS, false),
    weekly("ops/weekly/guidance.json", &WEEKLY_GUIDANCE, false),
    weekly("ops/weekly-history.jsonl", &WEEKLY_HISTORY, true),
    weekly("ops/release-events.jsonl", &RELEASE_EVENT, true),
];

/// One artifact's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub file: String,
    pub schema: &'static str,
    pub lane: &'static str,
    pub present: bool,
    pub violations: Vec<String>,
}

/// One lane's freshness.
#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    pub lane: &'static str,
    /// Where the last run's time was read.
    pub source: String,
    pub last_run: Option<String>,
    pub age_hours: Option<f64>,
    pub max_age_hours: f64,
    pub fresh: bool,
}

/// `contract-health.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub schema_version: &'static str,
    pub generated_at: String,
    pub ok: bool,
    /// Every violation, `file[:line]: /pointer: what`.
    pub violations: Vec<String>,
    pub freshness: Vec<Freshness>,
    pub artifacts: Vec<Checked>,
}

impl Health {
    /// Checks every artifact of `ws` at `now`.
    pub fn check(ws: &Workspace, now: Timestamp) -> Health {
        let artifacts: Vec<Checked> = ARTIFACTS.iter().map(|a| check(ws, a)).collect();
        let freshness = vec![
            fresh(
                ws,
                "daily",
                "first-proof/first-proof-learning-db.jsonl",
                DAILY_MAX_HOURS,
                now,
            ),
            fresh(
                ws,
                "weekly",
                "ops/weekly/kpi-scorecard.json",
                WEEKLY_MAX_HOURS,
                now,
            ),
        ];
        let violations: Vec<String> = artifacts
            .iter()
            .flat_map(|a| a.violations.iter().cloned())
            .collect();
        Health {
            schema_version: SCHEMA,
            generated_at: crate::clock::iso(now),
            ok: violations.is_empty() && freshness.iter().all(|f| f.fresh),
            violations,
            freshness,
            artifacts,
        }
    }
}

fn check(ws: &Workspace, artifact: &Artifact) -> Checked {
    let path = ws.out_dir.join(artifact.rel);
    let file = ws.rel(&path);
    let present = path.is_file();
    let violations = match (present, artifact.jsonl) {
        (false, _) if artifact.required => vec![format!("{file}: missing")],
        (false, _) => Vec::new(),
        (true, false) => document(&path, &file, artifact.schema),
        (true, true) => rows(&path, &file, artifact.schema),
    };
    Checked {
        file,
        schema: artifact.schema.name,
        lane: artifact.lane,
        present,
        violations,
    }
}

/// A JSON document's violations.
fn document(path: &Path, file: &str, schema: &Schema) -> Vec<String> {
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            serde_json::from_str::<Value>(&text).map_err(|e| format!("not valid JSON: {e}"))
        });
    match parsed {
        Ok(value) => schema
            .violations(&value)
            .into_iter()
            .map(|v| format!("{file}: {v}"))
            .collect(),
        Err(why) => vec![format!("{file}: {why}")],
    }
}

/// The violations of the last [`JSONL_TAIL`] rows, each naming its line.
fn rows(path: &Path, file: &str, schema: &Schema) -> Vec<String> {
    let tail = match last_lines(path) {
        Ok(tail) => tail,
        Err(e) => return vec![format!("{file}: {e}")],
    };
    let mut out = Vec::new();
    for (line_no, line) in tail {
        match serde_json::from_str::<Value>(&line) {
            Ok(value) => out.extend(
                schema
                    .violations(&value)
                    .into_iter()
                    .map(|v| format!("{file}:{line_no}: {v}")),
            ),
            Err(e) => out.push(format!("{file}:{line_no}: not valid JSON: {e}")),
        }
    }
    out
}

/// The non-blank lines among the last [`JSONL_TAIL`] lines of a file, with their 1-based
/// numbers. One pass finds where those lines start (newlines only, no decoding), then only
/// they are read: a million-row log costs a read, not a million strings.
fn last_lines(path: &Path) -> std::io::Result<Vec<(u64, String)>> {
    let mut file = std::fs::File::open(path)?;
    // (line number, byte offset) of the last lines' starts.
    let mut starts: VecDeque<(u64, u64)> = VecDeque::from([(1, 0)]);
    let mut buf = vec![0u8; 1 << 20];
    let mut offset = 0u64;
    loop {
        let read = file.read(&mut buf)?;
        if read == 0 {
            break;
        }
        for at in memchr::memchr_iter(b'\n', &buf[..read]) {
            let line_no = starts.back().map_or(1, |s| s.0) + 1;
            starts.push_back((line_no, offset + at as u64 + 1));
            if starts.len() > JSONL_TAIL {
                starts.pop_front();
            }
        }
        offset += read as u64;
    }
    let (first_no, first_at) = starts.front().copied().unwrap_or((1, 0));
    file.seek(std::io::SeekFrom::Start(first_at))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    let text = String::from_utf8_lossy(&tail);
    Ok((first_no..)
        .zip(text.lines())
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(no, line)| (no, line.to_string()))
        .collect())
}

/// A lane's freshness: the time of its last run (the last readable event-log row's `captured_at`,
/// or a document's `generated_at`) against `now`.
fn fresh(ws: &Workspace, lane: &'static str, rel: &str, max: f64, now: Timestamp) -> Freshness {
    let path = ws.out_dir.join(rel);
    let last = if rel.ends_with(".jsonl") {
        // The last row with a readable time: a torn or corrupt last line is not "no run".
        let tail = last_lines(&path).unwrap_or_default();
        tail.iter()
            .rev()
            .find_map(|(_, line)| stamp(line, "captured_at"))
    } else {
        std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| stamp(&t, "generated_at"))
    };
    let age = last.map(|t| now.duration_since(t).as_secs_f64() / 3600.0);
    Freshness {
        lane,
        source: ws.rel(&path),
        last_run: last.map(crate::clock::iso),
        age_hours: age.map(|a| (a * 100.0).round() / 100.0),
        max_age_hours: max,
        fresh: age.is_some_and(|a| a <= max),
    }
}

fn stamp(json: &str, key: &str) -> Option<Timestamp> {
    let value: Value = serde_json::from_str(json).ok()?;
    crate::clock::parse(value.get(key)?.as_str()?)
}

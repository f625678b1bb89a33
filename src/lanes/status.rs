//! `ops status`: the seed's exit criteria ("the workflow is healthy when…") as a checklist,
//! each criterion with its evidence and the command that makes it true. Ages come from the
//! timestamps inside the artifacts, measured with the one clock (`SDETKIT_NOW` pins it).

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::history;
use crate::schemas;
use crate::workspace::Workspace;

/// Schema version of the status report.
pub const SCHEMA: &str = "sdetkit.ops-status.v1";

/// The daily lane's artifacts must be younger than this.
pub const DAILY_MAX: SignedDuration = SignedDuration::from_hours(26);
/// Weekly trend and threshold must be younger than this.
pub const TREND_MAX: SignedDuration = SignedDuration::from_hours(7 * 24);
/// The weekly KPI report must be younger than this.
pub const WEEKLY_MAX: SignedDuration = SignedDuration::from_hours(8 * 24);

/// One exit criterion.
#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    /// The seed's wording.
    pub title: &'static str,
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// Artifacts (relative to the root) the verdict rests on.
    pub evidence: Vec<String>,
    /// What makes it true when it is not.
    pub next_command: Option<String>,
}

/// The checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub schema_version: &'static str,
    pub healthy: bool,
    pub checked_at: String,
    pub criteria: Vec<Criterion>,
}

/// Evaluates every criterion from the artifacts on disk; writes nothing.
pub fn evaluate(ws: &Workspace) -> Result<Status> {
    let now = crate::clock::now();
    let criteria = vec![
        daily(ws, now)?,
        trend(ws, now)?,
        premerge(ws)?,
        reporting(ws, now)?,
    ];
    Ok(Status {
        schema_version: SCHEMA,
        healthy: criteria.iter().all(|c| c.ok),
        checked_at: crate::clock::iso(now),
        criteria,
    })
}

struct Check {
    id: &'static str,
    title: &'static str,
    next: &'static str,
    evidence: Vec<String>,
}

impl Check {
    fn verdict(self, problem: Option<String>, fine: String) -> Criterion {
        Criterion {
            id: self.id,
            title: self.title,
            ok: problem.is_none(),
            detail: problem.clone().unwrap_or(fine),
            evidence: self.evidence,
            next_command: problem.map(|_| self.next.to_string()),
        }
    }
}

/// `age` of an RFC 3339 timestamp at `now`, or why it cannot be judged.
fn age(at: Option<&str>, now: Timestamp) -> std::result::Result<SignedDuration, String> {
    let at = at.ok_or("has no timestamp")?;
    let ts =
        crate::clock::parse(at).ok_or_else(|| format!("has an unreadable timestamp `{at}`"))?;
    Ok(now.duration_since(ts))
}

fn hours(d: SignedDuration) -> String {
    format!("{:.1} h", d.as_secs_f64() / 3600.0)
}

fn daily(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let files = [
        ws.proof_dir().join("first-proof-summary.json"),
        ws.proof_dir().join("first-proof-learning-rollup.json"),
        ws.proof_dir().join("control-tower.json"),
        ws.proof_dir().join("weekly-trend.json"),
        ws.proof_dir().join("weekly-threshold-check.json"),
        ws.ops_dir().join("followup.json"),
        ws.ops_dir().join("followup-contract-check.json"),
    ];
    let check = Check {
        id: "daily-decision",
        title: "Daily run produces deterministic SHIP/NO-SHIP with complete artifacts.",
        next: "make ops-daily",
        evidence: files.iter().map(|f| ws.rel(f)).collect(),
    };
    let last = last_daily_row(ws)?;
    let problem = match &last {
        None => Some("no daily run recorded in the event log".to_string()),
        Some(row) => daily_problem(ws, &files, row, now)?,
    };
    let fine = last.map_or(String::new(), |row| {
        format!(
            "last daily run {} decided {} with complete, schema-valid artifacts",
            row.get("run_id").and_then(Value::as_str).unwrap_or("?"),
            row.get("decision").and_then(Value::as_str).unwrap_or("?")
        )
    });
    Ok(check.verdict(problem, fine))
}

fn daily_problem(
    ws: &Workspace,
    files: &[std::path::PathBuf],
    row: &Value,
    now: Timestamp,
) -> Result<Option<String>> {
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Ok(Some(format!("{} is missing", ws.rel(missing))));
    }
    let decision = row.get("decision").and_then(Value::as_str).unwrap_or("");
    if !["SHIP", "NO-SHIP"].contains(&decision) {
        return Ok(Some(format!(
            "the last daily run has no SHIP/NO-SHIP decision (`{decision}`)"
        )));
    }
    match age(row.get("captured_at").and_then(Value::as_str), now) {
        Ok(a) if a > DAILY_MAX => {
            return Ok(Some(format!(
                "the last daily run is {} old (limit 26 h)",
                hours(a)
            )));
        }
        Err(e) => return Ok(Some(format!("the last daily run {e}"))),
        Ok(_) => {}
    }
    let followup = crate::json::read_optional(&files[5])?.unwrap_or(Value::Null);
    if let Some(v) = schemas::FOLLOWUP.violations(&followup).first() {
        return Ok(Some(format!(
            "{} violates its schema at {v}",
            ws.rel(&files[5])
        )));
    }
    let contract = crate::json::read_optional(&files[6])?.unwrap_or(Value::Null);
    if contract.get("ok").and_then(Value::as_bool) != Some(true) {
        return Ok(Some(format!(
            "{} reports a broken follow-up contract",
            ws.rel(&files[6])
        )));
    }
    Ok(None)
}

/// The newest event-log row written by a daily lane run.
fn last_daily_row(ws: &Workspace) -> Result<Option<Value>> {
    let log = ws.proof_dir().join(history::eventlog::FILE);
    if !log.is_file() {
        return Ok(None);
    }
    // Only the last daily row matters: keep the last candidate line and parse just that one.
    // sdetkit writes `lane` as `"lane":"daily…`; when that line turns out corrupt, the careful
    // pass below finds the last daily row that does parse.
    let mut candidate = String::new();
    history::jsonl::scan(&log, |line| {
        if line.contains("\"lane\":\"daily") || line.contains("\"lane\": \"daily") {
            candidate.clear();
            candidate.push_str(line);
        }
        Ok(())
    })?;
    match serde_json::from_str::<Value>(&candidate) {
        Ok(row) if is_daily(&row) => Ok(Some(row)),
        _ if candidate.is_empty() => Ok(None),
        _ => last_parsed_daily_row(&log),
    }
}

fn is_daily(row: &Value) -> bool {
    row.get("lane")
        .and_then(Value::as_str)
        .is_some_and(|l| l.starts_with("daily"))
}

/// Parses every daily-looking row: the slow path, for a log whose last daily line is corrupt.
fn last_parsed_daily_row(log: &Path) -> Result<Option<Value>> {
    let mut last = None;
    history::jsonl::scan(log, |line| {
        if line.contains("\"daily")
            && let Ok(row) = serde_json::from_str::<Value>(line)
            && is_daily(&row)
        {
            last = Some(row);
        }
        Ok(())
    })?;
    Ok(last)
}

fn generated_at(path: &Path) -> Result<Option<String>> {
    Ok(crate::json::read_optional(path)?.and_then(|v| {
        v.get("generated_at")
            .and_then(Value::as_str)
            .map(str::to_string)
    }))
}

fn trend(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let trend = ws.proof_dir().join("weekly-trend.json");
    let threshold = ws.proof_dir().join("weekly-threshold-check.json");
    let check = Check {
        id: "trend-reviewed",
        title: "Weekly trend and threshold checks are generated and reviewed.",
        next: "make ops-daily",
        evidence: vec![ws.rel(&trend), ws.rel(&threshold)],
    };
    let problem = if !trend.is_file() || !threshold.is_file() {
        Some("weekly-trend.json or weekly-threshold-check.json has not been generated".to_string())
    } else {
        // The threshold check has no timestamp (v1); it is written with the trend.
        match age(generated_at(&trend)?.as_deref(), now) {
            Ok(a) if a > TREND_MAX => Some(format!(
                "the weekly trend is {} old (limit 7 days)",
                hours(a)
            )),
            Ok(_) => None,
            Err(e) => Some(format!("weekly-trend.json {e}")),
        }
    };
    Ok(check.verdict(
        problem,
        "weekly trend and threshold generated within 7 days".into(),
    ))
}

fn premerge(ws: &Workspace) -> Result<Criterion> {
    let path = ws.ops_dir().join("premerge-gate.json");
    let check = Check {
        id: "premerge-clean",
        title: "Pre-merge gate passes without bypass.",
        next: "make ops-premerge",
        evidence: vec![ws.rel(&path)],
    };
    let gate = crate::json::read_optional(&path)?;
    let problem = match &gate {
        None => Some("no pre-merge run yet".to_string()),
        Some(g) if g.get("ok").and_then(Value::as_bool) != Some(true) => Some(format!(
            "the last pre-merge run was blocked ({} blocker(s))",
            g.get("blockers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        )),
        Some(g) if g.get("bypass").and_then(Value::as_bool) != Some(false) => Some(
            "the last pre-merge pass was a bypass (--fast rehearsal or checks turned off)"
                .to_string(),
        ),
        Some(_) => None,
    };
    let fine = format!(
        "last pre-merge run {} passed without bypass",
        gate.as_ref()
            .and_then(|g| g.get("run_id"))
            .and_then(Value::as_str)
            .unwrap_or("?")
    );
    Ok(check.verdict(problem, fine))
}

fn reporting(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let scorecard = ws.ops_dir().join("weekly").join("kpi-scorecard.json");
    let followup = ws.ops_dir().join("followup.json");
    let mut check = Check {
        id: "reporting-fresh",
        title: "KPI/reporting artifacts are published on cadence.",
        next: "make ops-weekly",
        evidence: vec![ws.rel(&followup), ws.rel(&scorecard)],
    };
    let daily_age = age(generated_at(&followup)?.as_deref(), now);
    let weekly_age = age(generated_at(&scorecard)?.as_deref(), now);
    let daily_problem = match daily_age {
        Err(_) => Some("no daily follow-up report yet".to_string()),
        Ok(a) if a > DAILY_MAX => {
            Some(format!("the daily report is {} old (limit 26 h)", hours(a)))
        }
        Ok(_) => None,
    };
    if daily_problem.is_some() {
        check.next = "make ops-daily";
    }
    let problem = daily_problem.or(match weekly_age {
        Err(_) => Some("no weekly KPI scorecard yet".to_string()),
        Ok(a) if a > WEEKLY_MAX => Some(format!(
            "the weekly KPI scorecard is {} old (limit 8 days)",
            hours(a)
        )),
        Ok(_) => None,
    });
    Ok(check.verdict(
        problem,
        "daily report ≤ 26 h and weekly KPI scorecard ≤ 8 days old".into(),
    ))
}

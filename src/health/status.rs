//! `ops status`: the seed's exit criteria ("the workflow is healthy when…") as a checklist,
//! each criterion with its evidence and the command that makes it true. Ages come from the
//! timestamps inside the artifacts, measured with the one clock (`SDETKIT_NOW` pins it).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::artifacts::eventlog::{EventLog, EventRow};
use crate::artifacts::{followup, learning, premerge as premerge_gate, proof, weekly};
use crate::error::Result;
use crate::repo::lanes::Lane;
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
    /// Stable id.
    pub id: &'static str,
    /// The seed's wording.
    pub title: &'static str,
    /// Whether it holds.
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
    /// `sdetkit.ops-status.v1`.
    pub schema_version: &'static str,
    /// Every criterion holds.
    pub healthy: bool,
    /// When it was evaluated.
    pub checked_at: String,
    /// The criteria, in the seed's order.
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
    next: String,
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
            next_command: problem.map(|_| self.next),
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
    crate::clock::human_secs(d.as_secs_f64())
}

fn daily(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let out = &ws.out_dir;
    let files = [
        proof::SUMMARY.path(out),
        learning::ROLLUP.path(out),
        learning::CONTROL_TOWER.path(out),
        learning::TREND.path(out),
        learning::THRESHOLD.path(out),
        followup::FOLLOWUP.path(out),
        followup::CONTRACT_CHECK.path(out),
    ];
    let check = Check {
        id: "daily-decision",
        title: "Daily run produces deterministic SHIP/NO-SHIP with complete artifacts.",
        next: ws.places().lane(Lane::Daily),
        evidence: files.iter().map(|f| ws.rel(f)).collect(),
    };
    // Only the newest daily row matters: it is read from the end of the log.
    let last =
        EventLog::at(out).last(|row| row.lane().is_some_and(|lane| lane.starts_with("daily")))?;
    let problem = match &last {
        None => Some("no daily run recorded in the event log".to_string()),
        Some(row) => daily_problem(ws, &files, row, now)?,
    };
    let fine = last.map_or(String::new(), |row| {
        format!(
            "last daily run {} decided {} with complete, schema-valid artifacts",
            row.run_id.as_deref().unwrap_or("?"),
            row.decision
        )
    });
    Ok(check.verdict(problem, fine))
}

fn daily_problem(
    ws: &Workspace,
    files: &[std::path::PathBuf],
    row: &EventRow,
    now: Timestamp,
) -> Result<Option<String>> {
    let out = &ws.out_dir;
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Ok(Some(format!("{} is missing", ws.rel(missing))));
    }
    if row.decision().is_none() {
        return Ok(Some(format!(
            "the last daily run has no SHIP/NO-SHIP decision (`{}`)",
            row.decision
        )));
    }
    match age(Some(&row.captured_at), now) {
        Ok(a) if a > DAILY_MAX => {
            return Ok(Some(format!(
                "the last daily run is {} old (limit 26 h)",
                hours(a)
            )));
        }
        Err(e) => return Ok(Some(format!("the last daily run {e}"))),
        Ok(_) => {}
    }
    let followup = followup::FOLLOWUP.read_value(out)?.unwrap_or_default();
    if let Some(v) = schemas::FOLLOWUP.violations(&followup).first() {
        return Ok(Some(format!(
            "{} violates its schema at {v}",
            ws.rel(&followup::FOLLOWUP.path(out))
        )));
    }
    let contract = followup::CONTRACT_CHECK.read(out)?;
    if !contract.is_some_and(|c| c.ok) {
        return Ok(Some(format!(
            "{} reports a broken follow-up contract",
            ws.rel(&followup::CONTRACT_CHECK.path(out))
        )));
    }
    Ok(None)
}

fn trend(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let out = &ws.out_dir;
    let (trend, threshold) = (learning::TREND.path(out), learning::THRESHOLD.path(out));
    let check = Check {
        id: "trend-reviewed",
        title: "Weekly trend and threshold checks are generated and reviewed.",
        next: ws.places().lane(Lane::Daily),
        evidence: vec![ws.rel(&trend), ws.rel(&threshold)],
    };
    let problem = if !trend.is_file() || !threshold.is_file() {
        Some(format!(
            "{} or {} has not been generated",
            learning::TREND.name(),
            learning::THRESHOLD.name()
        ))
    } else {
        // The threshold check has no timestamp (v1); it is written with the trend.
        let generated = learning::TREND.stamp(out)?;
        match age(generated.as_deref(), now) {
            Ok(a) if a > TREND_MAX => Some(format!(
                "the weekly trend is {} old (limit 7 days)",
                hours(a)
            )),
            Ok(_) => None,
            Err(e) => Some(format!("{} {e}", learning::TREND.name())),
        }
    };
    Ok(check.verdict(
        problem,
        "weekly trend and threshold generated within 7 days".into(),
    ))
}

fn premerge(ws: &Workspace) -> Result<Criterion> {
    let path = premerge_gate::GATE.path(&ws.out_dir);
    let check = Check {
        id: "premerge-clean",
        title: "Pre-merge gate passes without bypass.",
        next: ws.places().lane(Lane::Premerge),
        evidence: vec![ws.rel(&path)],
    };
    let gate = premerge_gate::GATE.read(&ws.out_dir)?;
    let problem = match &gate {
        None => Some("no pre-merge run yet".to_string()),
        Some(g) if !g.ok => Some(format!(
            "the last pre-merge run was blocked ({} blocker(s))",
            g.blockers.len()
        )),
        Some(g) if g.bypass => Some(
            "the last pre-merge pass was a bypass (--rehearsal, or checks turned off)".to_string(),
        ),
        Some(_) => None,
    };
    let fine = format!(
        "last pre-merge run {} passed without bypass",
        gate.as_ref().map_or("?", |g| g.run_id.as_str())
    );
    Ok(check.verdict(problem, fine))
}

fn reporting(ws: &Workspace, now: Timestamp) -> Result<Criterion> {
    let out = &ws.out_dir;
    let mut check = Check {
        id: "reporting-fresh",
        title: "KPI/reporting artifacts are published on cadence.",
        next: ws.places().lane(Lane::Weekly),
        evidence: vec![
            ws.rel(&followup::FOLLOWUP.path(out)),
            ws.rel(&weekly::SCORECARD.path(out)),
        ],
    };
    let daily_age = age(followup::FOLLOWUP.stamp(out)?.as_deref(), now);
    let weekly_age = age(weekly::SCORECARD.stamp(out)?.as_deref(), now);
    let daily_problem = match daily_age {
        Err(_) => Some("no daily follow-up report yet".to_string()),
        Ok(a) if a > DAILY_MAX => {
            Some(format!("the daily report is {} old (limit 26 h)", hours(a)))
        }
        Ok(_) => None,
    };
    if daily_problem.is_some() {
        check.next = ws.places().lane(Lane::Daily);
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

//! Follow-up: "what is the next highest-impact remediation?" Prioritised recommendations
//! grounded in the proof, the recent history and the threshold, their history, and the
//! contract that checks them against the JSON Schemas the binary ships.

pub mod contract;
pub mod ledger;
pub mod recommend;
pub mod render;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::error::Result;
use crate::workspace::Workspace;

/// Schema version of `followup.json` (and of every follow-up history row).
pub const FOLLOWUP_SCHEMA: &str = "sdetkit.real-workflow-followup.v1";

/// The command after a NO-SHIP: fix and rerun the daily lane.
pub const DAILY_COMMAND: &str = "make ops-daily";
/// The command after a SHIP: the pre-merge lane.
pub const PREMERGE_COMMAND: &str = "make ops-premerge";

/// Urgency, P0 (now) to P3 (when convenient); sorts in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

/// One recommendation; exactly the schema's three keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub priority: Priority,
    pub title: String,
    pub action: String,
}

/// `followup.json`: exactly the six keys of `ops-followup.v1.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    pub schema_version: String,
    pub generated_at: String,
    pub decision: Decision,
    pub threshold_breach: bool,
    pub recommendations: Vec<Recommendation>,
    pub next_command: String,
}

impl Followup {
    /// The payload for `decision`, with recommendations already in priority order.
    pub fn new(
        decision: Decision,
        threshold_breach: bool,
        recommendations: Vec<Recommendation>,
        generated_at: String,
    ) -> Followup {
        Followup {
            schema_version: FOLLOWUP_SCHEMA.to_string(),
            generated_at,
            decision,
            threshold_breach,
            recommendations,
            next_command: next_command(decision).to_string(),
        }
    }
}

/// `make ops-premerge` after a SHIP, else `make ops-daily` (a breach does not change it: the
/// breach is a P0 recommendation instead).
pub fn next_command(decision: Decision) -> &'static str {
    match decision {
        Decision::Ship => PREMERGE_COMMAND,
        Decision::NoShip => DAILY_COMMAND,
    }
}

/// Where the follow-up artifacts live, under `build/ops/`.
pub struct Paths {
    pub json: PathBuf,
    pub md: PathBuf,
    pub history: PathBuf,
    pub history_rollup: PathBuf,
    pub contract: PathBuf,
    /// The history rollup's resume point (a cache).
    pub checkpoint: PathBuf,
}

impl Paths {
    /// The paths in `ws`.
    pub fn of(ws: &Workspace) -> Paths {
        let dir = ws.ops_dir();
        Paths {
            json: dir.join("followup.json"),
            md: dir.join("followup.md"),
            history: dir.join("followup-history.jsonl"),
            history_rollup: dir.join("followup-history-rollup.json"),
            contract: dir.join("followup-contract-check.json"),
            checkpoint: dir.join(".followup-history.checkpoint.json"),
        }
    }
}

/// What publishing the follow-up produced.
pub struct Published {
    pub followup: Followup,
    pub contract: contract::ContractCheck,
}

/// Builds the follow-up from `grounds` and writes it: the history row (only when `record`:
/// lane runs record, viewing commands do not), then, each atomically and all at once,
/// `followup.json` and `.md`, the history rollup, and the contract check of those payloads.
pub fn publish(
    ws: &Workspace,
    grounds: &recommend::Grounds,
    generated_at: &str,
    record: bool,
) -> Result<Published> {
    let paths = Paths::of(ws);
    let followup = grounds.followup(generated_at);
    if record {
        ledger::append(&paths.history, &followup)?;
    }
    let (tally, checkpoint) = ledger::Tally::resume(&paths.history, &paths.checkpoint)?;
    let rollup = tally.rollup(generated_at);
    let value = crate::json::to_value(&followup);
    let contract = contract::ContractCheck::new(ws, &value, &rollup, &tally);
    let json = |value: &serde_json::Value| crate::json::pretty(value).into_bytes();
    crate::json::write_atomic_all(&[
        (paths.json, json(&value)),
        (paths.md, render::md(&followup).into_bytes()),
        (paths.history_rollup, json(&rollup)),
        (paths.contract, json(&crate::json::to_value(&contract))),
        (paths.checkpoint, checkpoint),
    ])?;
    Ok(Published { followup, contract })
}

/// The proof and release views from the artifacts on disk; missing files read as empty
/// (no decision, so NO-SHIP), unusable ones are an error naming the file and line.
pub fn views_from_files(ws: &Workspace) -> Result<(recommend::ProofView, recommend::ReleaseView)> {
    let dir = ws.proof_dir();
    let proof = crate::json::read_typed(&dir.join("first-proof-summary.json"))?;
    let release = crate::json::read_typed(&dir.join("release-preflight.json"))?;
    Ok((proof.unwrap_or_default(), release.unwrap_or_default()))
}

/// The follow-up on disk, recommendations in priority order; `None` when there is none yet.
pub fn load(ws: &Workspace) -> Result<Option<Followup>> {
    let mut followup: Option<Followup> = crate::json::read_typed(&Paths::of(ws).json)?;
    if let Some(f) = &mut followup {
        f.recommendations.sort_by_key(|r| r.priority);
    }
    Ok(followup)
}

//! KPIs of the weekly lane, computed from the real event log, the release ledger and git:
//! never from samples or hard-coded dates. The event log is streamed once; only the runs of
//! the trend horizon (8 weekly windows) are kept in memory.

pub mod guidance;
pub mod incidents;
pub mod pass;
pub mod releases;
pub mod row;
pub mod scorecard;
pub mod streaks;
pub mod trend;
pub mod window;

use std::path::PathBuf;

use crate::workspace::Workspace;

/// `build/ops/weekly`: every artifact of the weekly lane.
pub fn weekly_dir(ws: &Workspace) -> PathBuf {
    ws.ops_dir().join("weekly")
}

/// `build/evidence/verified-packs.jsonl`, appended by `sdetkit evidence verify`.
pub fn verified_packs(ws: &Workspace) -> PathBuf {
    ws.out_dir.join("evidence").join("verified-packs.jsonl")
}

/// The event log of the daily lane.
pub fn event_log(ws: &Workspace) -> PathBuf {
    ws.proof_dir().join(crate::history::eventlog::FILE)
}

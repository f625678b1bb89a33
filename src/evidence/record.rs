//! The record of verified packs (`build/evidence/verified-packs.jsonl`), which the weekly
//! "evidence pack coverage" KPI counts. A separate log rather than event-log rows: verifying a
//! pack is not a lane run and must not change run counts.

use std::path::Path;

use super::verify::Verification;
use crate::error::Result;
use crate::workspace::Workspace;

/// File name under `build/evidence/`.
pub const FILE: &str = "verified-packs.jsonl";

/// Appends one row for a pack that verified (locked, one whole line).
pub fn verified(ws: &Workspace, pack: &Path, v: &Verification) -> Result<()> {
    let Some(run_id) = &v.run_id else {
        return Ok(());
    };
    let bytes = std::fs::read(pack).map_err(|e| crate::error::Error::io(pack, "cannot read", e))?;
    let row = serde_json::json!({
        "run_id": run_id,
        "pack": ws.rel(pack),
        "sha256": super::sha256_hex(&bytes),
        "verified_at": crate::clock::iso(crate::clock::now()),
    });
    crate::history::jsonl::append(&ws.out_dir.join("evidence").join(FILE), &row)
}

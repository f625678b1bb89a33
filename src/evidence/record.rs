//! The record of verified packs, which the weekly "evidence pack coverage" KPI counts.

use std::path::Path;

use super::verify::Verification;
use crate::artifacts::evidence::{VERIFIED, Verified};
use crate::error::Result;
use crate::workspace::Workspace;

/// Appends one row for a pack that verified (locked, one whole line).
pub fn verified(ws: &Workspace, pack: &Path, v: &Verification) -> Result<()> {
    let Some(run_id) = &v.run_id else {
        return Ok(());
    };
    let read = |e| crate::error::Error::io(pack, "cannot read", e);
    let file = std::fs::File::open(pack).map_err(read)?;
    let (sha256, _) = super::sha256_of(file).map_err(read)?;
    let row = Verified {
        run_id: run_id.clone(),
        pack: ws.rel(pack),
        sha256,
        verified_at: crate::clock::iso(crate::clock::now()),
    };
    VERIFIED.append(&ws.out_dir, &row)
}

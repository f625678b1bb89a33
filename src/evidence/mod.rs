//! Evidence packs: a deterministic zip of one run's artifacts and logs with a sha256 manifest,
//! and its verification (re-hash every entry, re-derive the decision).

pub mod pack;
pub mod record;
pub mod verify;

use std::path::PathBuf;

use crate::config::Config;
use crate::error::Result;
use crate::workspace::Workspace;

/// Packs the latest run, verifies the pack, and records it when it verifies: what a lane
/// does to leave evidence behind.
pub fn seal(ws: &Workspace, config: &Config) -> Result<(PathBuf, verify::Verification)> {
    let packed = pack::pack(ws, config, None)?;
    let verification = verify::verify(&packed.path)?;
    if verification.ok {
        record::verified(ws, &packed.path, &verification)?;
    }
    Ok((packed.path, verification))
}

//! Evidence packs: a deterministic zip of one run's artifacts and logs with a sha256 manifest,
//! and its verification (re-hash every entry, re-derive the decision).

pub mod pack;
pub mod record;
pub mod verify;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::Result;
use crate::workspace::Workspace;

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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

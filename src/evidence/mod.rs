//! Evidence packs: a deterministic zip of one run's artifacts and logs with a sha256 manifest,
//! and its verification (re-hash every entry, re-derive the decision).

pub mod manifest;
pub mod pack;
pub mod record;
pub mod verify;

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

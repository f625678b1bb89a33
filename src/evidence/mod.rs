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
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex sha256 of everything `source` gives, read as a stream, and its length.
pub fn sha256_of(mut source: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Hasher(Sha256::new());
    let n = std::io::copy(&mut source, &mut hasher)?;
    Ok((hex(&hasher.0.finalize()), n))
}

/// Lower-case hex of a digest.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sha256 fed through `std::io::copy`.
struct Hasher(Sha256);

impl std::io::Write for Hasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

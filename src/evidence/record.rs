//! What the evidence keeps track of: the files a run wrote for its pack, and the packs that
//! verified (which the weekly "evidence pack coverage" KPI counts).

use std::path::Path;

use super::verify::Verification;
use crate::artifacts::Written;
use crate::artifacts::evidence::{RUN_FILES, RunFiles, VERIFIED, Verified};
use crate::error::Result;
use crate::workspace::Workspace;

/// Records that run `run_id` wrote `written` (each as its sha256), where a pack holds them:
/// the proof's files, the lane's [`super::pack::DERIVED`] artifacts, and step logs (the
/// daily lane's setup). `fresh` starts the run's record (the proof); otherwise the files join
/// the record, when it is this run's.
pub fn run_files(ws: &Workspace, run_id: &str, fresh: bool, written: &[Written]) -> Result<()> {
    let mut record = match RUN_FILES.read(&ws.out_dir)? {
        Some(r) if !fresh && r.run_id == run_id => r,
        _ if !fresh => return Ok(()),
        _ => RunFiles {
            run_id: run_id.to_string(),
            ..RunFiles::default()
        },
    };
    for w in written {
        let Some(rel) = crate::artifacts::rel_name(&ws.out_dir, &w.path) else {
            continue;
        };
        let packed = fresh
            || super::pack::DERIVED.contains(&rel.as_str())
            || rel.starts_with(crate::artifacts::proof::LOGS);
        if packed {
            record.files.insert(rel, w.sha256.clone());
        }
    }
    RUN_FILES.write(&ws.out_dir, &record, false)?;
    Ok(())
}

/// Appends one row for a pack that verified (locked, one whole line).
pub fn verified(ws: &Workspace, pack: &Path, v: &Verification) -> Result<()> {
    let Some(run_id) = &v.run_id else {
        return Ok(());
    };
    let row = Verified {
        run_id: run_id.clone(),
        pack: ws.rel(pack),
        sha256: v.sha256.clone(),
        verified_at: crate::clock::iso(crate::clock::now()),
    };
    VERIFIED.append(&ws.out_dir, &row)
}

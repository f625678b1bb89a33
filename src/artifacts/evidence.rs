//! Evidence packs under `evidence/`: `evidence-<run_id>.zip` with its `manifest.json`, and
//! the record of verified packs `evidence/verified-packs.jsonl` (which the weekly "evidence
//! pack coverage" KPI counts); and what a pack holds, the record of the files the latest run
//! wrote, `first-proof/run-files.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Doc, Log};
use crate::schemas;

/// Schema version of the manifest.
pub const MANIFEST_SCHEMA: &str = "sdetkit.evidence-manifest.v1";

/// Name of the manifest entry inside a pack.
pub const MANIFEST: &str = "manifest.json";

/// `evidence/verified-packs.jsonl`: one row per pack that verified. A log of its own rather
/// than event-log rows: verifying a pack is not a lane run and must not change run counts.
pub const VERIFIED: Log<Verified> =
    Log::new("evidence/verified-packs.jsonl", &schemas::VERIFIED_PACK);

/// `first-proof/run-files.json`: the files of the latest run that its pack holds.
pub const RUN_FILES: Doc<RunFiles> = Doc::new("first-proof/run-files.json", None);

/// The files one run wrote for its evidence, each with the sha256 of the bytes it wrote: a
/// file that no longer matches was rewritten by a later run (or a concurrent lane) and is
/// not this run's evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunFiles {
    /// The run.
    pub run_id: String,
    /// Path under the out-dir (`/`-separated) → sha256 as written.
    pub files: BTreeMap<String, String>,
}

/// The pack of run `run_id`.
pub fn pack_path(out: &Path, run_id: &str) -> PathBuf {
    out.join("evidence").join(format!("evidence-{run_id}.zip"))
}

/// One packed file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the pack (relative to the out-dir, `/`-separated).
    pub path: String,
    /// sha256 of the packed bytes.
    pub sha256: String,
    /// Size of the packed bytes.
    pub bytes: u64,
}

/// The tool that made the pack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    /// `sdetkit`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Where the configuration came from and its digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConfigDigest {
    /// `sdetkit.toml` or `auto-detected`.
    pub source: String,
    /// sha256 of the config file, or of the detected step commands.
    pub sha256: String,
}

/// The manifest: what was packed and what the run decided.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA`].
    pub schema_version: String,
    /// The run packed.
    pub run_id: String,
    /// The run's own start time: packing the same run twice gives the same bytes.
    pub created_at: String,
    /// The commit checked.
    pub commit: Option<String>,
    /// The branch checked.
    pub branch: Option<String>,
    /// The run's decision.
    pub decision: String,
    /// The release gate ran as a dry run.
    pub release_dry_run: bool,
    /// The tool that packed it.
    pub tool: Tool,
    /// The configuration.
    pub config: ConfigDigest,
    /// Every other entry of the pack, sorted by path.
    pub files: Vec<Entry>,
}

/// One row of `verified-packs.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The run whose pack verified.
    pub run_id: String,
    /// The pack (relative to the root).
    pub pack: String,
    /// sha256 of the pack.
    pub sha256: String,
    /// When it was verified.
    pub verified_at: String,
}

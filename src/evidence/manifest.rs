//! `manifest.json` inside an evidence pack.

use serde::{Deserialize, Serialize};

/// Schema version of the manifest.
pub const SCHEMA: &str = "sdetkit.evidence-manifest.v1";

/// Name of the manifest entry.
pub const NAME: &str = "manifest.json";

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
    pub name: String,
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
    pub schema_version: String,
    pub run_id: String,
    /// The run's own start time: packing the same run twice gives the same bytes.
    pub created_at: String,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub decision: String,
    pub release_dry_run: bool,
    pub tool: Tool,
    pub config: ConfigDigest,
    /// Every other entry of the pack, sorted by path.
    pub files: Vec<Entry>,
}

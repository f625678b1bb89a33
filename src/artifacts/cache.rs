//! The step cache under `cache/`: one entry per passed step, named by its cache key (the
//! digest of everything the step read), holding the run it passed in and a copy of its log;
//! and the versions of the tools the steps run, remembered by each program's path, size and
//! modification time so they are asked only when the program changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Doc;
use crate::error::Result;
use crate::files::Links;

/// `cache/tool-versions.json`.
pub const TOOL_VERSIONS: Doc<ToolVersions> = Doc::new("cache/tool-versions.json", None);

/// Folder of the step entries.
const STEPS: &str = "cache/steps";

/// Program path → what it answered, and the file it answered as.
pub type ToolVersions = BTreeMap<String, KnownVersion>;

/// A program's version, valid while the program file is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownVersion {
    /// The program file's size.
    pub size: u64,
    /// Its modification time, in nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Its version line (`unknown` when it has none).
    pub version: String,
}

/// One passed step, as a later run may reuse it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEntry {
    /// The gate (`fast`).
    pub gate: String,
    /// The step id.
    pub step: String,
    /// The run it passed in, when it ran in a lane (a standalone `gate fast` has none).
    pub run_id: Option<String>,
    /// When it passed.
    pub passed_at: String,
    /// How long it took then.
    pub duration_ms: u64,
}

/// The entry of a cache key (`sha256:…`) and the path of its log.
fn paths(out: &Path, key: &str) -> (PathBuf, PathBuf) {
    let name = key.trim_start_matches("sha256:");
    let dir = out.join(STEPS);
    (
        dir.join(format!("{name}.json")),
        dir.join(format!("{name}.log")),
    )
}

/// The entry stored under `key`, with its log; `None` when there is none or it cannot be read
/// (a damaged entry is a miss, never an error: the step simply runs).
pub fn lookup(out: &Path, key: &str) -> Option<(StepEntry, PathBuf)> {
    let (entry, log) = paths(out, key);
    let entry: StepEntry = super::file::read_typed(&entry).ok()??;
    Some((entry, log))
}

/// Stores `entry` under `key` with a copy of the step's `log` (the log first, so an entry
/// never points at a log that is not there).
pub fn store(out: &Path, key: &str, entry: &StepEntry, log: Option<&Path>) -> Result<()> {
    let (path, copy) = paths(out, key);
    let text = match log {
        Some(log) => crate::files::read(log, LOG_CAP, Links::Refuse)?.unwrap_or_default(),
        None => Vec::new(),
    };
    super::write_under(out, &copy, &text)?;
    super::write_under(
        out,
        &path,
        crate::json::pretty(&crate::json::to_value(entry)).as_bytes(),
    )
}

/// The largest step log the cache keeps a copy of (the runner caps logs at 16 MiB).
const LOG_CAP: u64 = 17 << 20;

/// The copy of a cached step's log at `log`, written as this run's log at `to` (never through
/// a link); its sha256, for the run's evidence.
pub fn restore_log(log: &Path, to: &Path, out: &Path) -> Option<String> {
    let bytes = crate::files::read(log, LOG_CAP, Links::Refuse).ok()??;
    super::write_under(out, to, &bytes).ok()?;
    Some(crate::digest::sha256_hex(&bytes))
}

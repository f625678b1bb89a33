//! The pre-merge lane's artifacts under `ops/`: the ship-readiness verdict
//! `premerge-gate.json` and the release-room summary `release-room.md`.

use serde::{Deserialize, Serialize};

use super::proof::Decision;
use super::{Doc, Page};

/// Schema version of `premerge-gate.json`.
pub const SCHEMA: &str = "sdetkit.premerge-gate.v1";

/// `ops/premerge-gate.json`.
pub const GATE: Doc<PremergeGate> = Doc::new("ops/premerge-gate.json", None);
/// `ops/release-room.md`.
pub const RELEASE_ROOM: Page = Page {
    rel: "ops/release-room.md",
};

/// One reason the merge is blocked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Blocker {
    /// Stable id: `gate-release/clean-tree`, `threshold-breach`, `kpi-incident/<kpi>`, `evidence`.
    pub id: String,
    /// What is wrong, for people.
    pub reason: String,
    /// Artifact paths (relative to the root) and run ids that show it.
    pub evidence: Vec<String>,
    /// The command that fixes or shows it.
    pub next_command: String,
}

/// `ops/premerge-gate.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PremergeGate {
    /// [`SCHEMA`].
    pub schema_version: String,
    /// Nothing blocks the merge.
    pub ok: bool,
    /// The proof's decision.
    pub decision: Decision,
    /// Everything in the way, in order.
    pub blockers: Vec<Blocker>,
    /// True when this pass cannot count as a merge pass: a dry-run release gate (`--rehearsal`)
    /// or release/doctor checks turned off in the config.
    pub bypass: bool,
    /// Why it is a bypass.
    pub bypass_reasons: Vec<String>,
    /// The release gate ran as a dry run.
    pub release_dry_run: bool,
    /// The run's id.
    pub run_id: String,
    /// The commit checked.
    pub commit: Option<String>,
    /// The branch the run is judged under.
    pub branch: String,
    /// The run's evidence pack (relative to the root), when one was written. The pack is
    /// sealed before this verdict, which it cannot hold: the verdict holds the pack's digest.
    pub evidence_pack: Option<String>,
    /// The sha256 of that pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_sha256: Option<String>,
    /// When it was written.
    pub generated_at: String,
    /// What to run next.
    pub next_command: String,
}

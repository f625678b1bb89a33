//! The release ledger `ops/release-events.jsonl`: releases and rollbacks recorded with
//! `sdetkit ops record`, for the weekly KPIs.

use serde::{Deserialize, Serialize};

use super::Log;
use crate::schemas;

/// `ops/release-events.jsonl`.
pub const LEDGER: Log<Recorded> = Log::new("ops/release-events.jsonl", &schemas::RELEASE_EVENT);

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A release went out.
    Release,
    /// A release was rolled back.
    Rollback,
}

impl Kind {
    /// `release` or `rollback`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Release => "release",
            Kind::Rollback => "rollback",
        }
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// Release or rollback.
    pub kind: Kind,
    /// The version (without the tag prefix).
    pub version: String,
    /// The released commit.
    pub commit: Option<String>,
    /// Why (rollbacks).
    pub reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: String,
    /// Stable for the same kind, version and time.
    pub id: String,
}

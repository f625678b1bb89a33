//! Follow-up: "what is the next highest-impact remediation?" Prioritised recommendations
//! grounded in the proof, the recent history and the threshold ([`recommend`]), their
//! history ([`ledger`]), and the contract that checks them against the JSON Schemas the
//! binary ships ([`contract`]).

pub mod contract;
pub mod ledger;
pub mod recommend;

use crate::artifacts::followup::{ContractCheck, FOLLOWUP_SCHEMA, Followup, Recommendation};
use crate::artifacts::proof::Decision;

/// A follow-up as published, with its contract check and the next command to run.
pub struct Published {
    /// The follow-up.
    pub followup: Followup,
    /// Its contract check.
    pub contract: ContractCheck,
    /// What to run next, as this repository can run it (see [`recommend::Grounds::next`]).
    pub next: String,
}

/// `followup.json`'s `next_command` after a NO-SHIP, in the v1 contract's words (the
/// contract allows only the two make aliases; people are shown a command that runs here).
pub const DAILY_COMMAND: &str = "make ops-daily";
/// `followup.json`'s `next_command` after a SHIP.
pub const PREMERGE_COMMAND: &str = "make ops-premerge";

impl Followup {
    /// The payload for `decision`, with recommendations already in priority order.
    pub fn new(
        decision: Decision,
        threshold_breach: bool,
        recommendations: Vec<Recommendation>,
        generated_at: String,
    ) -> Followup {
        Followup {
            schema_version: FOLLOWUP_SCHEMA.to_string(),
            generated_at,
            decision,
            threshold_breach,
            recommendations,
            next_command: next_command(decision).to_string(),
        }
    }

    /// The first `limit` recommendations (they are stored in priority order).
    pub fn top(&self, limit: usize) -> &[Recommendation] {
        &self.recommendations[..limit.min(self.recommendations.len())]
    }
}

/// `make ops-premerge` after a SHIP, else `make ops-daily` (a breach does not change it: the
/// breach is a P0 recommendation instead).
pub fn next_command(decision: Decision) -> &'static str {
    match decision {
        Decision::Ship => PREMERGE_COMMAND,
        Decision::NoShip => DAILY_COMMAND,
    }
}

//! The JSON Schemas sdetkit ships inside the binary, and real validation against them (no
//! network: schemas never reference anything outside themselves).

mod validator;

use std::sync::OnceLock;

use serde_json::Value;

pub use validator::{Validator, Violation};

/// `ops-followup.v1.json`: the contract of `build/ops/followup.json` and of every row of
/// `followup-history.jsonl`.
pub static FOLLOWUP: Schema =
    Schema::new("ops-followup.v1.json", include_str!("ops-followup.v1.json"));

/// `followup-history-rollup.v1.json`: the contract of `build/ops/followup-history-rollup.json`.
pub static FOLLOWUP_HISTORY_ROLLUP: Schema = Schema::new(
    "followup-history-rollup.v1.json",
    include_str!("followup-history-rollup.v1.json"),
);

/// `gate.v1.json`: `gate-fast.json`, `release-preflight.json`, `doctor.json`.
pub static GATE: Schema = Schema::new("gate.v1.json", include_str!("gate.v1.json"));

/// `first-proof-summary.v1.json`: the decision snapshot.
pub static PROOF_SUMMARY: Schema = Schema::new(
    "first-proof-summary.v1.json",
    include_str!("first-proof-summary.v1.json"),
);

/// `event-log-row.v1.json`: one row of the event log (sdetkit's or the reference's).
pub static EVENT_ROW: Schema = Schema::new(
    "event-log-row.v1.json",
    include_str!("event-log-row.v1.json"),
);

/// `first-proof-learning-rollup.v1.json`.
pub static LEARNING_ROLLUP: Schema = Schema::new(
    "first-proof-learning-rollup.v1.json",
    include_str!("first-proof-learning-rollup.v1.json"),
);

/// `first-proof-control-tower.v1.json`.
pub static CONTROL_TOWER: Schema = Schema::new(
    "first-proof-control-tower.v1.json",
    include_str!("first-proof-control-tower.v1.json"),
);

/// `first-proof-weekly-trend.v1.json`: the daily lane's `weekly-trend.json`.
pub static DAILY_TREND: Schema = Schema::new(
    "first-proof-weekly-trend.v1.json",
    include_str!("first-proof-weekly-trend.v1.json"),
);

/// `weekly-threshold-check.v1.json`.
pub static THRESHOLD_CHECK: Schema = Schema::new(
    "weekly-threshold-check.v1.json",
    include_str!("weekly-threshold-check.v1.json"),
);

/// `followup-contract-check.v1.json`.
pub static FOLLOWUP_CONTRACT_CHECK: Schema = Schema::new(
    "followup-contract-check.v1.json",
    include_str!("followup-contract-check.v1.json"),
);

/// `kpi-scorecard.v1.json`.
pub static KPI_SCORECARD: Schema = Schema::new(
    "kpi-scorecard.v1.json",
    include_str!("kpi-scorecard.v1.json"),
);

/// `kpi-trend.v1.json`.
pub static KPI_TREND: Schema = Schema::new("kpi-trend.v1.json", include_str!("kpi-trend.v1.json"));

/// `kpi-incidents.v1.json`.
pub static KPI_INCIDENTS: Schema = Schema::new(
    "kpi-incidents.v1.json",
    include_str!("kpi-incidents.v1.json"),
);

/// `weekly-guidance.v1.json`.
pub static WEEKLY_GUIDANCE: Schema = Schema::new(
    "weekly-guidance.v1.json",
    include_str!("weekly-guidance.v1.json"),
);

/// `release-event.v1.json`: one row of `build/ops/release-events.jsonl`.
pub static RELEASE_EVENT: Schema = Schema::new(
    "release-event.v1.json",
    include_str!("release-event.v1.json"),
);

/// `weekly-history.v1.json`: one row of `build/ops/weekly-history.jsonl`.
pub static WEEKLY_HISTORY: Schema = Schema::new(
    "weekly-history.v1.json",
    include_str!("weekly-history.v1.json"),
);

/// `verified-pack.v1.json`: one row of `build/evidence/verified-packs.jsonl`.
pub static VERIFIED_PACK: Schema = Schema::new(
    "verified-pack.v1.json",
    include_str!("verified-pack.v1.json"),
);

/// `sdetkit-config.v1.json`: the shape of `sdetkit.toml`, for editors (`sdetkit config
/// schema`); the config reader's own checks go further (durations, ids, needs).
pub static CONFIG: Schema = Schema::new(
    "sdetkit-config.v1.json",
    include_str!("sdetkit-config.v1.json"),
);

/// A schema shipped in the binary.
pub struct Schema {
    /// File name, used in error messages.
    pub name: &'static str,
    /// The schema document.
    pub text: &'static str,
    /// The validator, compiled on first use.
    compiled: OnceLock<Result<Validator, String>>,
}

impl Schema {
    /// A shipped schema; compiled on first use.
    pub const fn new(name: &'static str, text: &'static str) -> Schema {
        Schema {
            name,
            text,
            compiled: OnceLock::new(),
        }
    }

    /// Every way `instance` violates the schema, one line each (`/json/pointer: what`), in
    /// the validator's stable order; empty when it is valid.
    pub fn violations(&self, instance: &Value) -> Vec<String> {
        match self.validator() {
            Ok(validator) => validator
                .errors(instance)
                .into_iter()
                .map(|Violation { at, what }| {
                    let at = if at.is_empty() { "/" } else { &at };
                    format!("{at}: {what}")
                })
                .collect(),
            Err(problem) => vec![format!("schema {}: {problem}", self.name)],
        }
    }

    /// The compiled validator, built once per process (formats such as `date-time` are
    /// checked, not merely annotated).
    fn validator(&self) -> Result<&Validator, String> {
        self.compiled
            .get_or_init(|| {
                let schema: Value = serde_json::from_str(self.text).map_err(|e| e.to_string())?;
                Validator::compile(&schema)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn followup_schema_accepts_a_valid_payload_and_rejects_extra_keys() {
        let mut payload = json!({
            "schema_version": "sdetkit.real-workflow-followup.v1",
            "generated_at": "2026-11-25T14:15:56.787462+00:00",
            "decision": "SHIP",
            "threshold_breach": false,
            "recommendations": [{"priority": "P3", "title": "t", "action": "a"}],
            "next_command": "make ops-premerge"
        });
        assert!(FOLLOWUP.violations(&payload).is_empty());
        payload["extra"] = json!(1);
        payload["generated_at"] = json!("yesterday");
        let errors = FOLLOWUP.violations(&payload);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn rollup_schema_rejects_wrong_types() {
        let rollup = json!({
            "schema_version": "sdetkit.real-workflow-followup-history-rollup.v1",
            "generated_at": "2026-11-25T14:15:56+00:00",
            "summary": {"total_runs": "x", "ship_runs": 0, "no_ship_runs": 0,
                        "threshold_breach_runs": 0, "ship_rate": 0.0,
                        "top_recurring_recommendations": []}
        });
        let errors = FOLLOWUP_HISTORY_ROLLUP.violations(&rollup);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("/summary/total_runs:"), "{errors:?}");
    }
}

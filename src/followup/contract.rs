//! The follow-up contract check: real JSON Schema validation of the follow-up and its
//! history rollup (schemas shipped in the binary), plus the checks a schema cannot express:
//! next command matches the decision, priorities are sorted, the rollup agrees with the
//! history.

use serde_json::Value;

use super::ledger::Tally;
use super::next_command;
use crate::artifacts::followup::{ContractCheck, FOLLOWUP, HISTORY_ROLLUP};
use crate::artifacts::proof::Decision;
use crate::error::Result;
use crate::schemas;
use crate::workspace::Workspace;

/// Checks the payloads (as written) against the schemas and `tally`, the history as read.
pub fn check(ws: &Workspace, followup: &Value, rollup: &Value, tally: &Tally) -> ContractCheck {
    let mut errors = prefixed(FOLLOWUP.name(), schemas::FOLLOWUP.violations(followup));
    errors.extend(followup_rules(followup));
    let rollup_errors = schemas::FOLLOWUP_HISTORY_ROLLUP.violations(rollup);
    let rollup_valid = rollup_errors.is_empty();
    errors.extend(prefixed(HISTORY_ROLLUP.name(), rollup_errors));
    if rollup_valid {
        errors.extend(agreement(&rollup["summary"], tally));
    }
    ContractCheck {
        ok: errors.is_empty(),
        errors,
        followup: ws.rel(&FOLLOWUP.path(&ws.out_dir)),
        history_rollup: ws.rel(&HISTORY_ROLLUP.path(&ws.out_dir)),
    }
}

/// Checks the files on disk; a missing one is a contract error, an unreadable one an
/// error of its own.
pub fn of_files(ws: &Workspace) -> Result<ContractCheck> {
    let out = &ws.out_dir;
    let followup = FOLLOWUP.read_value(out)?;
    let rollup = HISTORY_ROLLUP.read_value(out)?;
    let tally = Tally::read(out)?;
    let mut result = check(
        ws,
        followup.as_ref().unwrap_or(&Value::Null),
        rollup.as_ref().unwrap_or(&Value::Null),
        &tally,
    );
    let files = [
        (followup.is_none(), FOLLOWUP.path(out)),
        (rollup.is_none(), HISTORY_ROLLUP.path(out)),
    ];
    for (missing, path) in &files {
        if *missing {
            result
                .errors
                .insert(0, format!("missing file: {}", ws.rel(path)));
        }
    }
    result.ok = result.errors.is_empty();
    Ok(result)
}

fn prefixed(file: &str, errors: Vec<String>) -> Vec<String> {
    errors.into_iter().map(|e| format!("{file}: {e}")).collect()
}

/// What the follow-up schema cannot say: the next command follows the decision, and the
/// recommendations come in priority order.
fn followup_rules(followup: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let decision = match followup["decision"].as_str() {
        Some("SHIP") => Some(Decision::Ship),
        Some("NO-SHIP") => Some(Decision::NoShip),
        _ => None,
    };
    if let Some(d) = decision {
        let expected = next_command(d);
        if followup["next_command"].as_str() != Some(expected) {
            errors.push(format!(
                "{}: next_command must be `{expected}` when decision is {}",
                FOLLOWUP.name(),
                d.as_str()
            ));
        }
    }
    let priorities: Vec<&str> = followup["recommendations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["priority"].as_str())
        .collect();
    if priorities.windows(2).any(|w| w[0] > w[1]) {
        errors.push(format!(
            "{}: recommendations must be sorted by priority",
            FOLLOWUP.name()
        ));
    }
    errors
}

/// The rollup's counts must be the history's.
fn agreement(summary: &Value, tally: &Tally) -> Vec<String> {
    [
        ("total_runs", tally.total_runs),
        ("ship_runs", tally.ship_runs),
        ("no_ship_runs", tally.no_ship_runs),
        ("threshold_breach_runs", tally.threshold_breach_runs),
    ]
    .into_iter()
    .filter(|(key, count)| summary[key].as_u64() != Some(*count))
    .map(|(key, count)| {
        format!(
            "{}: summary.{key} is {} but the history has {count}",
            HISTORY_ROLLUP.name(),
            summary[key]
        )
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn next_command_must_follow_the_decision_and_priorities_be_sorted() {
        let followup = json!({
            "decision": "SHIP",
            "next_command": "make ops-daily",
            "recommendations": [{"priority": "P2"}, {"priority": "P0"}],
        });
        assert_eq!(
            followup_rules(&followup),
            [
                "followup.json: next_command must be `make ops-premerge` when decision is SHIP",
                "followup.json: recommendations must be sorted by priority",
            ]
        );
    }

    #[test]
    fn the_rollup_must_count_what_the_history_holds() {
        let mut tally = Tally::default();
        (tally.total_runs, tally.ship_runs, tally.no_ship_runs) = (2, 1, 1);
        let summary =
            json!({"total_runs": 3, "ship_runs": 1, "no_ship_runs": 1, "threshold_breach_runs": 0});
        assert_eq!(
            agreement(&summary, &tally),
            ["followup-history-rollup.json: summary.total_runs is 3 but the history has 2"]
        );
    }
}

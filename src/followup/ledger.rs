//! The follow-up history `build/ops/followup-history.jsonl` (one full payload per lane run)
//! and its rollup.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Followup;
use crate::error::Result;
use crate::history::counter::Counter;
use crate::history::jsonl;
use crate::history::rollup::rate_or_zero;

/// Schema version of `followup-history-rollup.json`.
pub const ROLLUP_SCHEMA: &str = "sdetkit.real-workflow-followup-history-rollup.v1";

/// Appends the payload under the history's lock (lane runs only; viewing commands never do).
pub fn append(history: &Path, followup: &Followup) -> Result<()> {
    jsonl::append(history, &crate::json::to_value(followup))
}

/// The fields of a history row the rollup counts.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    decision: Cow<'a, str>,
    #[serde(default)]
    threshold_breach: bool,
    #[serde(borrow, default)]
    recommendations: Vec<Titled<'a>>,
}

#[derive(Deserialize)]
struct Titled<'a> {
    #[serde(borrow)]
    title: Cow<'a, str>,
}

/// Counts over the whole follow-up history, from one read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub total_runs: u64,
    pub ship_runs: u64,
    /// Rows whose decision is not SHIP (v1 semantics of this rollup).
    pub no_ship_runs: u64,
    pub threshold_breach_runs: u64,
    pub corrupt_rows: u64,
    titles: Counter,
}

impl jsonl::Fold for Tally {
    fn add(&mut self, line: &str) -> Result<(), String> {
        let row: Row = serde_json::from_str(line).map_err(|e| e.to_string())?;
        self.total_runs += 1;
        if row.decision == "SHIP" {
            self.ship_runs += 1;
        } else {
            self.no_ship_runs += 1;
        }
        self.threshold_breach_runs += u64::from(row.threshold_breach);
        row.recommendations
            .iter()
            .for_each(|r| self.titles.add(&r.title));
        Ok(())
    }

    fn merge(&mut self, later: Tally) {
        self.total_runs += later.total_runs;
        self.ship_runs += later.ship_runs;
        self.no_ship_runs += later.no_ship_runs;
        self.threshold_breach_runs += later.threshold_breach_runs;
        self.titles.merge(later.titles);
    }
}

impl Tally {
    /// Reads the history once; corrupt lines are skipped and counted.
    pub fn read(history: &Path) -> Result<Tally> {
        let (mut tally, corrupt) = jsonl::fold(history, Tally::default)?;
        tally.corrupt_rows = corrupt;
        Ok(tally)
    }

    /// `followup-history-rollup.json` (v1 fields, plus `corrupt_rows`).
    pub fn rollup(&self, generated_at: &str) -> Value {
        let top: Vec<Value> = self
            .titles
            .top(5)
            .into_iter()
            .map(|(title, count)| json!({"title": title, "count": count}))
            .collect();
        json!({
            "schema_version": ROLLUP_SCHEMA,
            "generated_at": generated_at,
            "summary": {
                "total_runs": self.total_runs,
                "ship_runs": self.ship_runs,
                "no_ship_runs": self.no_ship_runs,
                "threshold_breach_runs": self.threshold_breach_runs,
                "corrupt_rows": self.corrupt_rows,
                "ship_rate": rate_or_zero(self.ship_runs, self.total_runs),
                "top_recurring_recommendations": top,
            },
        })
    }
}

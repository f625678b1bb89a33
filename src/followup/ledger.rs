//! The follow-up history `build/ops/followup-history.jsonl` (one full payload per lane run)
//! and its rollup.

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};
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

/// Counts over the whole follow-up history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// The tally up to a mark in the history, kept so that the next lane run reads only the rows
/// appended since (the rollup is a sum, so it resumes exactly). A cache: a missing,
/// unreadable or stale one just means a full read.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    mark: jsonl::Mark,
    tally: Tally,
}

impl Tally {
    /// Reads the whole history; corrupt lines are skipped and counted.
    pub fn read(history: &Path) -> Result<Tally> {
        let (mut tally, corrupt) = jsonl::fold(history, Tally::default)?;
        tally.corrupt_rows = corrupt;
        Ok(tally)
    }

    /// The tally of the whole history, reading only what was appended since `checkpoint`;
    /// returns it with the new checkpoint's contents, for the caller to write.
    pub fn resume(history: &Path, checkpoint: &Path) -> Result<(Tally, Vec<u8>)> {
        let saved: Option<Checkpoint> = crate::json::read_typed(checkpoint).ok().flatten();
        let folded = jsonl::fold_from(history, saved.as_ref().map(|c| c.mark), Tally::default)?;
        let mut tally = match saved {
            Some(c) if folded.resumed => c.tally,
            _ => Tally::default(),
        };
        tally.corrupt_rows += folded.corrupt;
        jsonl::Fold::merge(&mut tally, folded.fold);
        let next = Checkpoint {
            mark: folded.mark,
            tally: tally.clone(),
        };
        Ok((
            tally,
            crate::json::line(&crate::json::to_value(&next)).into_bytes(),
        ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn row(decision: &str, title: &str) -> String {
        format!(
            r#"{{"decision": "{decision}", "threshold_breach": false, "recommendations": [{{"title": "{title}"}}]}}"#
        )
    }

    fn add(path: &Path, rows: &[String]) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        rows.iter().for_each(|r| writeln!(f, "{r}").unwrap());
    }

    #[test]
    fn resuming_from_a_checkpoint_equals_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let (history, checkpoint) = (dir.path().join("h.jsonl"), dir.path().join("c.json"));
        add(
            &history,
            &[row("SHIP", "a"), "{broken".into(), row("NO-SHIP", "b")],
        );
        let (first, saved) = Tally::resume(&history, &checkpoint).unwrap();
        assert_eq!(first, Tally::read(&history).unwrap());
        std::fs::write(&checkpoint, saved).unwrap();
        add(&history, &[row("NO-SHIP", "b"), "{broken".into()]);
        let (second, _) = Tally::resume(&history, &checkpoint).unwrap();
        let full = Tally::read(&history).unwrap();
        assert_eq!(second, full);
        assert_eq!((full.total_runs, full.corrupt_rows), (3, 2));
        assert_eq!(full.titles.top(1), vec![("b".to_string(), 2)]);
    }

    #[test]
    fn a_rewritten_history_or_a_broken_checkpoint_means_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let (history, checkpoint) = (dir.path().join("h.jsonl"), dir.path().join("c.json"));
        add(&history, &[row("SHIP", "a"), row("SHIP", "a")]);
        let (_, saved) = Tally::resume(&history, &checkpoint).unwrap();
        std::fs::write(&checkpoint, saved).unwrap();
        std::fs::write(&history, "").unwrap();
        add(
            &history,
            &[
                row("NO-SHIP", "z"),
                row("NO-SHIP", "z"),
                row("NO-SHIP", "z"),
            ],
        );
        let (tally, _) = Tally::resume(&history, &checkpoint).unwrap();
        assert_eq!(tally, Tally::read(&history).unwrap());
        std::fs::write(&checkpoint, "{not json").unwrap();
        let (tally, _) = Tally::resume(&history, &checkpoint).unwrap();
        assert_eq!(tally.total_runs, 3);
    }
}

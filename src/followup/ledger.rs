//! The follow-up history (one full payload per lane run) summed into its rollup, resumed
//! from a checkpoint so that a lane run reads only the rows appended since the last one.

use std::borrow::Cow;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::artifacts::followup::{
    Checkpoint, FollowupRollup, HISTORY, ROLLUP_SCHEMA, RollupSummary, TitleCount, checkpoint,
};
use crate::artifacts::jsonl;
use crate::error::Result;
use crate::history::counter::Counter;
use crate::history::rollup::rate_or_zero;

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
    /// Rows.
    pub total_runs: u64,
    /// SHIP rows.
    pub ship_runs: u64,
    /// Rows whose decision is not SHIP (v1 semantics of this rollup).
    pub no_ship_runs: u64,
    /// Rows with a threshold breach.
    pub threshold_breach_runs: u64,
    /// Lines skipped as corrupt.
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
    /// Reads the whole history under `out`; corrupt lines are skipped and counted.
    pub fn read(out: &Path) -> Result<Tally> {
        let (mut tally, corrupt) = jsonl::fold(&HISTORY.path(out), Tally::default)?;
        tally.corrupt_rows = corrupt;
        Ok(tally)
    }

    /// The tally of the whole history, reading only what was appended since the checkpoint
    /// (the rollup is a sum, so it resumes exactly; a missing, unreadable or stale checkpoint
    /// just means a full read). Returns it with the new checkpoint, for the caller to write
    /// with the other artifacts.
    pub fn resume(out: &Path) -> Result<(Tally, crate::artifacts::Entry)> {
        let doc = checkpoint::<Tally>();
        let saved = doc.read(out).ok().flatten();
        let folded = jsonl::fold_from(
            &HISTORY.path(out),
            saved.as_ref().map(|c| c.mark),
            Tally::default,
        )?;
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
        Ok((tally, doc.compact_entry(out, &next)))
    }

    /// The history rollup (v1 fields, plus `corrupt_rows`).
    pub fn rollup(&self, generated_at: &str) -> FollowupRollup {
        FollowupRollup {
            schema_version: ROLLUP_SCHEMA.to_string(),
            generated_at: generated_at.to_string(),
            summary: RollupSummary {
                total_runs: self.total_runs,
                ship_runs: self.ship_runs,
                no_ship_runs: self.no_ship_runs,
                threshold_breach_runs: self.threshold_breach_runs,
                corrupt_rows: self.corrupt_rows,
                ship_rate: rate_or_zero(self.ship_runs, self.total_runs),
                top_recurring_recommendations: self
                    .titles
                    .top(5)
                    .into_iter()
                    .map(|(title, count)| TitleCount { title, count })
                    .collect(),
            },
        }
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

    fn paths(out: &Path) -> std::path::PathBuf {
        let history = HISTORY.path(out);
        std::fs::create_dir_all(history.parent().unwrap()).unwrap();
        history
    }

    #[test]
    fn resuming_from_a_checkpoint_equals_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let (out, history) = (dir.path(), paths(dir.path()));
        add(
            &history,
            &[row("SHIP", "a"), "{broken".into(), row("NO-SHIP", "b")],
        );
        let (first, checkpoint) = Tally::resume(out).unwrap();
        assert_eq!(first, Tally::read(out).unwrap());
        crate::artifacts::write_all(&[checkpoint]).unwrap();
        add(&history, &[row("NO-SHIP", "b"), "{broken".into()]);
        let (second, _) = Tally::resume(out).unwrap();
        let full = Tally::read(out).unwrap();
        assert_eq!(second, full);
        assert_eq!((full.total_runs, full.corrupt_rows), (3, 2));
        assert_eq!(full.titles.top(1), vec![("b".to_string(), 2)]);
    }

    #[test]
    fn a_rewritten_history_or_a_broken_checkpoint_means_a_full_read() {
        let dir = tempfile::tempdir().unwrap();
        let (out, history) = (dir.path(), paths(dir.path()));
        add(&history, &[row("SHIP", "a"), row("SHIP", "a")]);
        let (_, checkpoint) = Tally::resume(out).unwrap();
        let checkpoint_path = checkpoint.path().to_path_buf();
        crate::artifacts::write_all(&[checkpoint]).unwrap();
        std::fs::write(&history, "").unwrap();
        add(
            &history,
            &[
                row("NO-SHIP", "z"),
                row("NO-SHIP", "z"),
                row("NO-SHIP", "z"),
            ],
        );
        let (tally, _) = Tally::resume(out).unwrap();
        assert_eq!(tally, Tally::read(out).unwrap());
        std::fs::write(&checkpoint_path, "{not json").unwrap();
        let (tally, _) = Tally::resume(out).unwrap();
        assert_eq!(tally.total_runs, 3);
    }
}

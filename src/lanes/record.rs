//! What every lane run does after its proof: record the run in the event log, learn from the
//! log, and write what was learned (learning rollup, control tower, weekly trend, threshold
//! check). Shared by the daily and pre-merge lanes.

use crate::artifacts::learning::{
    CONTROL_TOWER, CONTROL_TOWER_MD, ROLLUP, THRESHOLD, TREND, TREND_MD,
};
use crate::artifacts::proof::{GateReport, Summary};
use crate::config::Config;
use crate::error::Result;
use crate::history::{self, Learning};
use crate::report;
use crate::store::Pending;
use crate::workspace::Workspace;

/// Records the run of `lane` (after the history the store was pulling while the gates ran is
/// in), hands it on to the store, then writes the learning artifacts, each atomically and all
/// at once, as the run's evidence; returns the learning and the time the run was recorded at.
pub fn record(
    ws: &Workspace,
    config: &Config,
    pulled: Pending,
    summary: &Summary,
    gates: &[GateReport],
    lane: &str,
) -> Result<(Learning, String)> {
    let store = pulled.finish()?;
    let (mut learning, at) = history::record(ws, config, summary, gates, lane)?;
    store.push_after_run()?;
    let learned = learning.artifacts(&at);
    let out = &ws.out_dir;
    let mut entries = vec![
        ROLLUP.entry(out, &learned.rollup),
        CONTROL_TOWER.entry(out, &learned.tower),
        CONTROL_TOWER_MD.entry(
            out,
            report::history::control_tower_md(&learning.digest, &at),
        ),
        TREND.entry(out, &learned.trend),
        TREND_MD.entry(out, report::history::weekly_trend_md(&learned.trend)),
        THRESHOLD.entry(out, &learned.threshold),
    ];
    // The checkpoint, a cache for the next read, goes in the same batch (one round of fsyncs,
    // not two); it is not evidence of this run, and the run's record leaves it out.
    entries.extend(learning.checkpoint.take());
    let written = crate::artifacts::write_all(&entries)?;
    crate::evidence::record::run_files(ws, &summary.run_id, false, &written)?;
    Ok((learning, at))
}

//! `ops premerge [--rehearsal] [--next]`.

use super::args::PremergeArgs;
use crate::error::Result;
use crate::lanes::premerge;
use crate::report;
use crate::workspace::Workspace;

/// Runs the lane; exit 1 when blocked, except with `--next` (advice only) or `--no-strict`.
pub fn premerge_cmd(ws: Workspace, args: &PremergeArgs) -> Result<i32> {
    let config = ws.config()?;
    let run = premerge::run(&ws, &config, args.fast)?;
    let text = || {
        let proof = report::proof::text(&run.summary, ws.color);
        let lane = if args.next {
            report::premerge::next(&run.gate, args.limit)
        } else {
            report::premerge::text(&run.gate)
        };
        format!("{proof}{lane}")
    };
    report::emit(
        args.report.format,
        args.report.out.as_deref(),
        &crate::json::to_value(&run.gate),
        text,
        || report::premerge::release_room(&run.gate, &run.summary),
    )?;
    let view = report::ci::View {
        command: "ops premerge",
        verdict: report::premerge::verdict(&run.gate).to_string(),
        gates: &run.gates,
        summary: Some(&run.summary),
        actions: report::premerge::actions(&run.gate, args.limit),
        kpis: None,
    };
    super::publish(&ws, &view, args.outputs.files())?;
    // Blocked is the exit code by default, in CI or not; `--no-strict` makes it advice.
    let strict = args.strict.flag().unwrap_or(true);
    Ok(if run.gate.ok || args.next || !strict {
        0
    } else {
        1
    })
}

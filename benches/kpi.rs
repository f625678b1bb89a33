//! The KPI scorecard over a large event log: one streamed pass over 1M rows (by default two
//! minutes apart, ~3.8 years, three branches, one row in four NO-SHIP, one in ten a reference row),
//! then every KPI for the 7/30-day windows overall and per branch, as JSON.
//! Prints the best of 3 wall times and the peak resident memory.
//!
//! `cargo bench --bench kpi [-- ROWS [SPACING_SECONDS]]` (default 1000000 rows 120 s apart;
//! `-- 1000000 4` puts them all inside the 8-week horizon; the log is generated once under
//! the system temp directory and reused).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use sdetkit::artifacts::eventlog::EventLog;
use sdetkit::artifacts::weekly::Scorecard;
use sdetkit::kpi::pass::Pass;
use sdetkit::kpi::releases::Ledger;
use sdetkit::kpi::scorecard::Sources;

mod support;

const AS_OF: &str = "2026-11-25T12:00:00Z";

fn generate(path: &Path, rows: u64, spacing_secs: i64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let end: Timestamp = AS_OF.parse().expect("constant");
    for i in 0..rows {
        let back = SignedDuration::from_secs(spacing_secs * (rows - i) as i64);
        let at = sdetkit::clock::iso(end.checked_sub(back).unwrap_or(end));
        let failed = if i % 4 == 0 { r#"["gate-fast"]"# } else { "[]" };
        let decision = if i % 4 == 0 { "NO-SHIP" } else { "SHIP" };
        let line = if i % 10 == 9 {
            format!(
                r#"{{"captured_at": "{at}", "decision": "{decision}", "failed_steps": {failed}, "ok": {}, "selected_python": "/usr/bin/python3", "step_count": 3}}"#,
                i % 4 != 0
            )
        } else {
            let status = if i % 4 == 0 { "failed" } else { "passed" };
            let branch = ["main", "dev", "release/1"][(i % 3) as usize];
            format!(
                r#"{{"branch":"{branch}","captured_at":"{at}","commit":"{i:040x}","decision":"{decision}","failed_steps":{failed},"lane":"daily","ok":{},"release_dry_run":true,"run_id":"run-{i}","step_count":3,"steps":[{{"duration_ms":{},"name":"gate-fast","status":"{status}"}},{{"duration_ms":812,"name":"gate-release","status":"passed"}},{{"duration_ms":95,"name":"doctor","status":"passed"}}]}}"#,
                i % 4 != 0,
                1000 + i % 977
            )
        };
        writeln!(out, "{line}")?;
    }
    out.flush()
}

fn scorecard(out: &Path, as_of: Timestamp) -> sdetkit::error::Result<usize> {
    let sources = Sources {
        pass: Pass::read(&EventLog::at(out), as_of, &HashSet::new())?,
        ledger: Ledger::default(),
        shipped: Vec::new(),
        as_of,
    };
    let card = Scorecard::new(&sources, BTreeMap::new(), AS_OF.to_string());
    Ok(sdetkit::json::pretty(&sdetkit::json::to_value(&card)).len())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let numbers: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rows = numbers.first().map_or(1_000_000, |&n| n as u64);
    let spacing = numbers.get(1).copied().unwrap_or(120);
    let out: PathBuf = std::env::temp_dir().join(format!("sdetkit-kpi-bench-{rows}-{spacing}s"));
    let path = EventLog::at(&out).path().to_path_buf();
    if !path.exists() {
        std::fs::create_dir_all(path.parent().expect("the log is in a directory"))?;
        generate(&path, rows, spacing)?;
    }
    let size = std::fs::metadata(&path)?.len();
    let as_of: Timestamp = AS_OF.parse()?;
    let mut best = f64::MAX;
    let mut json_bytes = 0;
    for _ in 0..3 {
        let started = Instant::now();
        json_bytes = scorecard(&out, as_of)?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "kpi scorecard: {rows} rows ({:.0} MB) in {best:.3} s (best of 3), scorecard {:.1} MB, peak RSS {} MiB",
        size as f64 / 1e6,
        json_bytes as f64 / 1e6,
        support::peak_rss_mib().map_or("?".into(), |m| m.to_string())
    );
    Ok(())
}

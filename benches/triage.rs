//! Throughput of first-failure triage on a large synthetic CI log whose only failure is
//! at the very end, so every byte is scanned. Prints MB/s and the peak resident memory.
//!
//! `cargo bench --bench triage [-- SIZE_MB]` (default 512; the log is generated once
//! under the system temp directory and reused).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod support;

/// Writes a log of about `mb` megabytes: timestamped build and test chatter, an
/// occasional line holding a trigger word that is not a failure, and one failing go test
/// at the end.
fn generate(path: &Path, mb: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut written = 0;
    let mut i = 0u64;
    while written < mb << 20 {
        let line = match i % 1000 {
            0 => format!("2024-01-01T00:00:00.0000000Z checked {i} files, 0 errors\n"),
            1 => format!("2024-01-01T00:00:00.0000000Z warning: unused variable `x{i}`\n"),
            n if n % 3 == 0 => {
                format!("2024-01-01T00:00:00.0000000Z    Compiling crate-{i} v0.1.{n}\n")
            }
            n => format!("2024-01-01T00:00:00.0000000Z test module_{n}::case_{i} ... ok\n"),
        };
        out.write_all(line.as_bytes())?;
        written += line.len();
        i += 1;
    }
    out.write_all(b"=== RUN   TestLate\n    late_test.go:7: late failure\n--- FAIL: TestLate (0.01s)\nFAIL\texample.com/late\t0.1s\n")?;
    out.flush()
}

fn main() -> std::io::Result<()> {
    let mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(512);
    let path: PathBuf = std::env::temp_dir().join(format!("sdetkit-triage-bench-{mb}mb.log"));
    if !path.exists() {
        generate(&path, mb)?;
    }
    let bytes = std::fs::metadata(&path)?.len() as f64;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let found =
            sdetkit::triage::analyze(&path, &[], &sdetkit::triage::StepContext::new("bench"))?;
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(
            found.test.as_deref(),
            Some("TestLate"),
            "the failure at the end is found"
        );
        best = best.min(seconds);
    }
    println!(
        "triage: {:.0} MB in {best:.3}s = {:.0} MB/s (best of 3); peak RSS {} MiB",
        bytes / 1e6,
        bytes / 1e6 / best,
        support::peak_rss_mib().map_or("?".to_string(), |m| m.to_string())
    );
    Ok(())
}

//! The runner's own cost: wall time of `runner::run` on trivial steps against spawning the same
//! `sh -c` commands directly, and the wall time of independent steps run in parallel.
//!
//! `cargo bench --bench runner`. Per-step overhead = (runner − direct) / steps.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sdetkit::config::StepSpec;
use sdetkit::runner::{self, Context, Silent, Stop};

fn context(dir: &std::path::Path, jobs: usize) -> Context {
    Context {
        root: dir.to_path_buf(),
        logs_dir: dir.join("logs"),
        jobs,
        kill_grace: Duration::from_secs(2),
        epoch: Instant::now(),
        events: Arc::new(Silent),
        stop: Stop::new(),
        gate: "bench".into(),
    }
}

fn steps(n: usize, run: &str) -> Vec<StepSpec> {
    (0..n)
        .map(|i| StepSpec::new(&format!("s{i}"), run))
        .collect()
}

fn overhead(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("runner_overhead");
    group.sample_size(30);
    for n in [1usize, 16] {
        let specs = steps(n, "true");
        let ctx = context(dir.path(), 1);
        group.bench_function(format!("runner_{n}_steps"), |b| {
            b.iter(|| runner::run(&specs, &ctx, Vec::new()))
        });
        group.bench_function(format!("direct_{n}_steps"), |b| {
            b.iter(|| {
                for _ in 0..n {
                    Command::new("sh")
                        .args(["-c", "true"])
                        .stdin(Stdio::null())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .output()
                        .unwrap();
                }
            })
        });
    }
    group.finish();
}

fn overlap(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("parallel_overlap");
    group.sample_size(10);
    let specs = steps(4, "sleep 0.2");
    let ctx = context(dir.path(), 4);
    group.bench_function("4_independent_200ms_steps", |b| {
        b.iter(|| runner::run(&specs, &ctx, Vec::new()))
    });
    group.finish();
}

criterion_group!(benches, overhead, overlap);
criterion_main!(benches);

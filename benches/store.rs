//! The history stores: `history push` of 1k rows into an empty git ref and an empty
//! PostgreSQL schema, and `portfolio` over 1M runs (3M steps, 1M tests, 50 repositories,
//! 58 days) in PostgreSQL. Prints the best of 3 wall times; the portfolio's SQL is printed
//! once (it is also what `sdetkit -v portfolio` prints).
//!
//! Needs the PostgreSQL server of the machine (127.0.0.1:5432, user postgres, database
//! test). The 1M-run schema `bench_portfolio_1m` is seeded once (about 40 s) and reused.
//!
//! `cargo bench --bench store`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};
use sdetkit::config::{HistoryOptions, StoreKind};
use sdetkit::store::Store;
use sdetkit::workspace::Workspace;

const SERVER: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";
const URL_ENV: &str = "SDETKIT_BENCH_DATABASE_URL";

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// 1k event-log rows of one repository, a day's worth of CI every few minutes.
fn rows(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"branch\":\"main\",\"captured_at\":\"2026-11-{:02}T{:02}:{:02}:00+00:00\",\"decision\":\"{}\",\"failed_steps\":[],\"lane\":\"daily\",\"ok\":true,\"run_id\":\"20261101T000000Z-{i:016x}\",\"step_count\":3,\"step_results\":[{{\"duration_ms\":{},\"gate\":\"fast\",\"id\":\"unit\",\"rc\":0,\"status\":\"passed\"}}]}}\n",
                1 + i / 96 % 28,
                i / 4 % 24,
                i % 4 * 15,
                if i % 5 == 0 { "NO-SHIP" } else { "SHIP" },
                100 + i % 300
            )
        })
        .collect()
}

/// A repository with an origin and an event log of `n` rows, and its workspace.
fn repo(dir: &Path, origin: &str, n: usize) -> Workspace {
    git(dir, &["init", "-q", "-b", "main"]);
    git(
        dir,
        &[
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ],
    );
    git(dir, &["remote", "add", "origin", origin]);
    let out = dir.join("out");
    std::fs::create_dir_all(out.join("first-proof")).unwrap();
    std::fs::write(
        out.join("first-proof/first-proof-learning-db.jsonl"),
        rows(n),
    )
    .unwrap();
    Workspace::resolve(Some(dir), Some(&out), None).unwrap()
}

fn store(ws: &Workspace, kind: StoreKind) -> Store {
    let mut config = ws.config().unwrap();
    config.history = HistoryOptions {
        store: kind,
        url_env: URL_ENV.to_string(),
        ..HistoryOptions::default()
    };
    Store::of(ws, &config)
}

fn best_of_3(what: &str, mut run: impl FnMut() -> Duration) {
    let best = (0..3).map(|_| run()).min().unwrap();
    println!("{what}: best of 3 {:.1} ms", best.as_secs_f64() * 1000.0);
}

fn push_git() {
    best_of_3("history push, 1k rows, git ref (empty bare remote)", || {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "--bare", "remote.git"]);
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        let ws = repo(&work, dir.path().join("remote.git").to_str().unwrap(), 1000);
        let store = store(&ws, StoreKind::Git);
        let started = Instant::now();
        assert_eq!(store.push().unwrap(), Ok(1000));
        started.elapsed()
    });
}

fn set_url(schema: &str) {
    // SAFETY: the bench is single-threaded here; nothing else reads the environment.
    unsafe {
        std::env::set_var(
            URL_ENV,
            format!("{SERVER} options='-c search_path={schema}'"),
        )
    };
}

fn push_postgres(client: &mut Client) {
    best_of_3("history push, 1k rows, PostgreSQL (empty schema)", || {
        client
            .batch_execute("DROP SCHEMA IF EXISTS bench_push CASCADE; CREATE SCHEMA bench_push")
            .unwrap();
        set_url("bench_push");
        let dir = tempfile::tempdir().unwrap();
        let ws = repo(dir.path(), "https://example.com/bench/push.git", 1000);
        let store = store(&ws, StoreKind::Postgres);
        let started = Instant::now();
        assert_eq!(store.push().unwrap(), Ok(1000));
        started.elapsed()
    });
    client
        .batch_execute("DROP SCHEMA IF EXISTS bench_push CASCADE")
        .unwrap();
}

/// One million runs of 50 repositories every 5 s back from 2026-12-04 12:00 (58 days): one
/// in three NO-SHIP (the unit step failed), three steps and one test each, inputs shared by
/// 12 consecutive runs of a repository.
const SEED: &str = "
INSERT INTO sdetkit_runs (repo_id, run_key, captured_at, branch, lane, decision, ship, dirty, commit_sha, input_digest, gate_fast_failed, gate_release_failed, doctor_failed, row_text)
SELECT 'example.com/org/repo' || (i % 50), 'r' || i,
       timestamptz '2026-12-04 12:00:00+00' - (i * interval '5 seconds'),
       CASE WHEN i % 7 = 0 THEN 'feature' ELSE 'main' END, 'daily',
       CASE WHEN (i::bigint * 7919) % 13 < 4 THEN 'NO-SHIP' ELSE 'SHIP' END,
       (i::bigint * 7919) % 13 >= 4, false, 'c' || (i / 600), 'sha256:' || (i / 600),
       (i::bigint * 7919) % 13 < 4, false, false, '{}'
FROM generate_series(1, 1000000) AS i;
INSERT INTO sdetkit_steps (repo_id, run_key, step, captured_at, failed, duration_ms, inputs)
SELECT r.repo_id, r.run_key, s.step, r.captured_at,
       CASE WHEN s.step = 'gate-fast/unit' THEN NOT r.ship ELSE false END,
       (hashtext(r.run_key || s.step) & 1023) + 100, r.input_digest
FROM sdetkit_runs r CROSS JOIN (VALUES ('gate-fast/unit'), ('gate-fast/lint'), ('gate-release/version')) AS s(step);
INSERT INTO sdetkit_tests (repo_id, run_key, test, captured_at, failed, inputs)
SELECT repo_id, run_key, 'unit::tests::t' || (hashtext(run_key) & 7), captured_at, NOT ship, input_digest
FROM sdetkit_runs;
ANALYZE;";

fn portfolio(client: &mut Client) {
    let schema = "bench_portfolio_1m";
    let seeded = client
        .query_one(&format!("SELECT count(*) FROM {schema}.sdetkit_runs"), &[])
        .map(|r| r.get::<_, i64>(0) == 1_000_000)
        .unwrap_or(false);
    set_url(schema);
    if !seeded {
        println!("seeding {schema} (1M runs, once)…");
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        // Connecting applies the migrations: the tables are the tool's own.
        sdetkit::store::postgres::Database::connect(URL_ENV).unwrap();
        client
            .batch_execute(&format!("SET search_path = {schema}; {SEED}"))
            .unwrap();
    }
    let as_of: jiff::Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
    let windows = sdetkit::kpi::portfolio::Windows::ending(as_of);
    let mut sql = Vec::new();
    best_of_3(
        "portfolio, 1M runs / 3M steps / 1M tests, 50 repositories",
        || {
            let started = Instant::now();
            let mut db = sdetkit::store::postgres::Database::connect(URL_ENV).unwrap();
            let counts =
                sdetkit::store::postgres::portfolio::counts(db.client(), &windows.bounds())
                    .unwrap();
            let portfolio = sdetkit::artifacts::portfolio::Portfolio::new(
                &counts,
                &windows,
                as_of,
                String::new(),
            );
            assert_eq!(portfolio.repositories.len(), 50);
            sql = counts.sql;
            started.elapsed()
        },
    );
    for statement in &sql {
        let t = Instant::now();
        client
            .batch_execute(&format!(
                "SET search_path = {schema}; SET work_mem = '64MB'"
            ))
            .unwrap();
        client.query(statement.as_str(), &[]).unwrap();
        println!(
            "  {:>7.1} ms  {}",
            t.elapsed().as_secs_f64() * 1000.0,
            statement
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}

fn main() {
    let Ok(mut client) = Client::connect(SERVER, NoTls) else {
        eprintln!(
            "store bench: PostgreSQL does not answer at 127.0.0.1:5432 (user postgres, database test)"
        );
        std::process::exit(1);
    };
    push_git();
    push_postgres(&mut client);
    portfolio(&mut client);
}

//! The PostgreSQL store: the runs of many repositories and runners in one database, for
//! portfolios. Plain SQL over the wire protocol (no extension), every table keyed by
//! `repo_id` first so that Citus, CockroachDB or YugabyteDB can distribute on it.
//!
//! The schema is versioned: [`MIGRATIONS`] are applied on connect, under a lock, each once.
//! Rows go in idempotently (`ON CONFLICT … DO NOTHING`), a run with its steps and tests in
//! one transaction, so a retried or doubled push changes nothing. The row as the event log
//! holds it is kept too (`row_text`), so a pull gives another machine the very same line.

pub mod portfolio;

use std::collections::HashSet;
use std::time::Duration;

use postgres::{Client, NoTls, Transaction};

use crate::artifacts::eventlog::EventRow;
use crate::artifacts::eventlog::union::Keyed;
use crate::history::run::{GateOutcome, Run};

/// How long connecting may take before the lane goes on with its local history.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs inserted per transaction by a bulk push (each run is whole or absent either way).
const BATCH: usize = 1000;

/// The schema, one migration per version, applied in order.
pub const MIGRATIONS: [&str; 1] = [r#"
CREATE TABLE sdetkit_runs (
    repo_id             text        NOT NULL,
    run_key             text        NOT NULL,
    captured_at         timestamptz NOT NULL,
    branch              text,
    lane                text,
    decision            text        NOT NULL,
    ship                boolean     NOT NULL,
    dirty               boolean,
    commit_sha          text,
    input_digest        text,
    gate_fast_failed    boolean,
    gate_release_failed boolean,
    doctor_failed       boolean,
    cached_steps        integer     NOT NULL DEFAULT 0,
    row_text            text        NOT NULL,
    PRIMARY KEY (repo_id, run_key)
);
CREATE INDEX sdetkit_runs_by_time ON sdetkit_runs (repo_id, captured_at, run_key);
CREATE INDEX sdetkit_runs_by_time_all ON sdetkit_runs (captured_at);
CREATE TABLE sdetkit_steps (
    repo_id      text        NOT NULL,
    run_key      text        NOT NULL,
    step         text        NOT NULL,
    captured_at  timestamptz NOT NULL,
    failed       boolean     NOT NULL,
    duration_ms  bigint,
    inputs       text,
    PRIMARY KEY (repo_id, run_key, step)
);
CREATE INDEX sdetkit_steps_by_time ON sdetkit_steps (repo_id, captured_at);
CREATE TABLE sdetkit_tests (
    repo_id     text        NOT NULL,
    run_key     text        NOT NULL,
    test        text        NOT NULL,
    captured_at timestamptz NOT NULL,
    failed      boolean     NOT NULL,
    inputs      text,
    PRIMARY KEY (repo_id, run_key, test)
);
CREATE INDEX sdetkit_tests_by_time ON sdetkit_tests (repo_id, captured_at);
"#];

/// A connection to the store, its schema up to date.
pub struct Database {
    client: Client,
}

/// A store error as one line for the user: never the URL (it may hold a password).
pub(crate) fn why(doing: &str, e: postgres::Error) -> String {
    let detail = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    format!("PostgreSQL: cannot {doing}: {detail}")
}

impl Database {
    /// Connects with the URL in `$url_env` and applies the migrations it lacks.
    pub fn connect(url_env: &str) -> Result<Database, String> {
        let url = std::env::var(url_env)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| format!("${url_env} is not set (the PostgreSQL store's URL)"))?;
        let mut config: postgres::Config = url
            .parse()
            .map_err(|_| format!("${url_env} is not a PostgreSQL connection string"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = config
            .connect(NoTls)
            .map_err(|e| why(&format!("connect (${url_env})"), e))?;
        let mut db = Database { client };
        db.migrate()?;
        Ok(db)
    }

    /// Applies the migrations the database lacks, one writer at a time.
    fn migrate(&mut self) -> Result<(), String> {
        let current = self.version();
        if current == Some(MIGRATIONS.len() as i32) {
            return Ok(());
        }
        // Two lanes connecting to a new database at once both try to create the table.
        let create =
            "CREATE TABLE IF NOT EXISTS sdetkit_schema_version (version integer PRIMARY KEY)";
        if self.client.batch_execute(create).is_err() {
            self.client
                .batch_execute(create)
                .map_err(|e| why("create the version table", e))?;
        }
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| why("start a migration", e))?;
        tx.batch_execute("LOCK TABLE sdetkit_schema_version IN EXCLUSIVE MODE")
            .map_err(|e| why("lock the version table", e))?;
        let applied: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM sdetkit_schema_version",
                &[],
            )
            .map_err(|e| why("read the schema version", e))?
            .get(0);
        if applied > MIGRATIONS.len() as i32 {
            return Err(format!(
                "PostgreSQL: the schema is at version {applied}, newer than this sdetkit knows ({}): upgrade sdetkit",
                MIGRATIONS.len()
            ));
        }
        for (at, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            tx.batch_execute(sql)
                .map_err(|e| why(&format!("apply migration {}", at + 1), e))?;
            tx.execute(
                "INSERT INTO sdetkit_schema_version (version) VALUES ($1)",
                &[&(at as i32 + 1)],
            )
            .map_err(|e| why("record the schema version", e))?;
        }
        tx.commit().map_err(|e| why("commit a migration", e))
    }

    /// The schema version, when the version table exists.
    fn version(&mut self) -> Option<i32> {
        self.client
            .query_one("SELECT max(version) FROM sdetkit_schema_version", &[])
            .ok()
            .and_then(|row| row.get::<_, Option<i32>>(0))
    }

    /// The keys of `repo`'s runs.
    pub fn keys(&mut self, repo: &str) -> Result<HashSet<String>, String> {
        let rows = self
            .client
            .query(
                "SELECT run_key FROM sdetkit_runs WHERE repo_id = $1",
                &[&repo],
            )
            .map_err(|e| why("read run keys", e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The rows of `repo` with these keys, as the event log holds them.
    pub fn rows(&mut self, repo: &str, keys: &[String]) -> Result<Vec<String>, String> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .client
            .query(
                "SELECT row_text FROM sdetkit_runs WHERE repo_id = $1 AND run_key = ANY($2)",
                &[&repo, &keys],
            )
            .map_err(|e| why("read runs", e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Inserts the runs of `rows` under `repo` (those already there are left alone); returns
    /// how many were new. Rows that are not dated runs are not sent. A batch of runs goes in
    /// as three statements (runs, their steps, their tests) in one transaction, so each run
    /// is whole or absent.
    pub fn insert(&mut self, repo: &str, rows: &[&Keyed]) -> Result<usize, String> {
        let runs: Vec<Columns> = rows.iter().filter_map(|row| Columns::of(row)).collect();
        let mut added = 0;
        for batch in runs.chunks(BATCH) {
            let mut tx = self
                .client
                .transaction()
                .map_err(|e| why("start a transaction", e))?;
            added += insert_batch(&mut tx, repo, batch)?;
            tx.commit().map_err(|e| why("commit runs", e))?;
        }
        Ok(added)
    }

    /// The client, for the portfolio's queries.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// One run as its table rows: the run's columns, its steps and its tests.
struct Columns<'a> {
    key: &'a str,
    line: &'a str,
    at: String,
    lane: Option<String>,
    decision: String,
    run: Run,
    /// What "the same inputs" means for flakiness (as in the weekly guidance): the input
    /// digest, else the commit of a run on a clean tree.
    inputs: Option<String>,
    steps: Vec<(String, bool, Option<u64>)>,
}

impl<'a> Columns<'a> {
    /// `None` for a row that is not a dated run.
    fn of(row: &'a Keyed) -> Option<Columns<'a>> {
        let event = serde_json::from_str::<EventRow>(row.line).ok()?;
        let (lane, decision) = (event.lane.clone(), event.decision.clone());
        let run = Run::of(event).ok()?;
        let inputs = run
            .input_digest
            .clone()
            .or_else(|| run.commit.clone().filter(|_| run.dirty != Some(true)));
        Some(Columns {
            key: row.key.as_ref(),
            line: row.line,
            at: crate::clock::iso(run.at),
            lane,
            decision,
            steps: steps_of(&run),
            inputs,
            run,
        })
    }

    fn gate_failed(&self, at: usize) -> Option<bool> {
        match self.run.gates[at] {
            GateOutcome::NotRun => None,
            GateOutcome::Passed => Some(false),
            GateOutcome::Failed => Some(true),
        }
    }
}

/// Inserts a batch of runs as columns (`unnest` of one array per column); the steps and
/// tests only of the runs that were new. Returns how many were.
fn insert_batch(tx: &mut Transaction, repo: &str, runs: &[Columns]) -> Result<usize, String> {
    let col = |f: &dyn Fn(&Columns) -> Option<String>| -> Vec<Option<String>> {
        runs.iter().map(f).collect()
    };
    let flag = |f: &dyn Fn(&Columns) -> Option<bool>| -> Vec<Option<bool>> {
        runs.iter().map(f).collect()
    };
    let keys = col(&|c| Some(c.key.to_string()));
    let new: std::collections::HashSet<String> = tx
        .query(
            "INSERT INTO sdetkit_runs (repo_id, run_key, captured_at, branch, lane, decision, ship, dirty,
                 commit_sha, input_digest, gate_fast_failed, gate_release_failed, doctor_failed,
                 cached_steps, row_text)
             SELECT $1, r.* FROM unnest($2::text[], $3::text[]::timestamptz[], $4::text[], $5::text[],
                 $6::text[], $7::boolean[], $8::boolean[], $9::text[], $10::text[], $11::boolean[],
                 $12::boolean[], $13::boolean[], $14::integer[], $15::text[]) AS r
             ON CONFLICT (repo_id, run_key) DO NOTHING
             RETURNING run_key",
            &[
                &repo,
                &keys,
                &col(&|c| Some(c.at.clone())),
                &col(&|c| c.run.branch.clone()),
                &col(&|c| c.lane.clone()),
                &col(&|c| Some(c.decision.clone())),
                &flag(&|c| Some(c.run.ship)),
                &flag(&|c| c.run.dirty),
                &col(&|c| c.run.commit.clone()),
                &col(&|c| c.run.input_digest.clone()),
                &flag(&|c| c.gate_failed(0)),
                &flag(&|c| c.gate_failed(1)),
                &flag(&|c| c.gate_failed(2)),
                &runs.iter().map(|c| c.run.cached_steps as i32).collect::<Vec<i32>>(),
                &col(&|c| Some(c.line.to_string())),
            ],
        )
        .map_err(|e| why("insert runs", e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let inserted: Vec<&Columns> = runs.iter().filter(|c| new.contains(c.key)).collect();
    let steps = inserted
        .iter()
        .flat_map(|c| c.steps.iter().map(move |s| (*c, &s.0, s.1, s.2)));
    let (mut keys, mut at, mut names, mut failed, mut ms, mut inputs) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (c, name, f, d) in steps {
        keys.push(c.key);
        at.push(c.at.as_str());
        names.push(name.as_str());
        failed.push(f);
        ms.push(d.map(|d| d as i64));
        inputs.push(c.inputs.as_deref());
    }
    tx.execute(
        "INSERT INTO sdetkit_steps (repo_id, run_key, step, captured_at, failed, duration_ms, inputs)
         SELECT $1, s.* FROM unnest($2::text[], $3::text[], $4::text[]::timestamptz[], $5::boolean[],
             $6::bigint[], $7::text[]) AS s
         ON CONFLICT DO NOTHING",
        &[&repo, &keys, &names, &at, &failed, &ms, &inputs],
    )
    .map_err(|e| why("insert steps", e))?;
    let tests = inserted
        .iter()
        .flat_map(|c| c.run.tests.iter().map(move |t| (*c, t)));
    let (mut keys, mut at, mut names, mut failed, mut inputs) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (c, t) in tests {
        keys.push(c.key);
        at.push(c.at.as_str());
        names.push(t.name.as_str());
        failed.push(t.failed);
        inputs.push(c.inputs.as_deref());
    }
    if !keys.is_empty() {
        tx.execute(
            "INSERT INTO sdetkit_tests (repo_id, run_key, test, captured_at, failed, inputs)
             SELECT $1, t.* FROM unnest($2::text[], $3::text[], $4::text[]::timestamptz[], $5::boolean[],
                 $6::text[]) AS t
             ON CONFLICT DO NOTHING",
            &[&repo, &keys, &names, &at, &failed, &inputs],
        )
        .map_err(|e| why("insert tests", e))?;
    }
    Ok(new.len())
}

/// The steps of a run as the guidance counts them: its recorded steps, else (reference rows)
/// the gates it ran, without timings.
fn steps_of(run: &Run) -> Vec<(String, bool, Option<u64>)> {
    if !run.steps.is_empty() {
        return run
            .steps
            .iter()
            .map(|s| (s.name.clone(), s.failed, s.duration_ms))
            .collect();
    }
    crate::artifacts::proof::GateKind::ALL
        .iter()
        .zip(run.gates)
        .filter(|(_, o)| *o != GateOutcome::NotRun)
        .map(|(g, o)| (g.name().to_string(), o == GateOutcome::Failed, None))
        .collect()
}

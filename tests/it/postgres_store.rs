//! `[history] store = "postgres"` against the real server on this machine (127.0.0.1:5432,
//! user `postgres`, database `test`): each test works in a schema of its own.

use std::process::Stdio;

use assert_cmd::assert::OutputAssertExt;
use postgres::{Client, NoTls};

use crate::support::Repo;

const SERVER: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

/// A schema of its own for one test, dropped at the end.
pub struct Schema {
    pub name: String,
}

impl Schema {
    pub fn new(test: &str) -> Schema {
        let name = format!("t_{test}_{}", std::process::id());
        let mut client = Client::connect(SERVER, NoTls)
            .expect("the PostgreSQL server at 127.0.0.1:5432 answers (user postgres, db test)");
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .unwrap();
        Schema { name }
    }

    /// The connection string the tool gets, in this schema.
    pub fn url(&self) -> String {
        format!("{SERVER} options='-c search_path={}'", self.name)
    }

    pub fn client(&self) -> Client {
        let mut client = Client::connect(SERVER, NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path = {}", self.name))
            .unwrap();
        client
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = Client::connect(SERVER, NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// A releasable repository with an origin (its identity) whose history goes to PostgreSQL.
pub fn repo(origin: &str, step: &str) -> Repo {
    let repo = Repo::releasable(&format!(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"{step}\"\n\n[history]\nstore = \"postgres\"\n"
    ));
    repo.git(&["remote", "add", "origin", origin]);
    repo
}

#[test]
fn runs_go_to_the_database_once_and_come_back_to_a_fresh_clone() {
    let db = Schema::new("roundtrip");
    let first = repo("https://github.com/acme/app.git", "echo ok");
    for _ in 0..3 {
        first
            .sdetkit(&["ops", "daily", "--no-cache"])
            .env("SDETKIT_DATABASE_URL", db.url())
            .assert()
            .success();
    }
    assert_eq!(db.count("SELECT count(*) FROM sdetkit_runs"), 3);
    let repos: String = db
        .client()
        .query_one("SELECT min(repo_id) FROM sdetkit_runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(repos, "github.com/acme/app");
    assert!(db.count("SELECT count(*) FROM sdetkit_steps WHERE step = 'gate-fast/unit'") == 3);
    // Pushing again adds nothing.
    first
        .sdetkit(&["history", "push"])
        .env("SDETKIT_DATABASE_URL", db.url())
        .assert()
        .success()
        .stdout("history: pushed 0 new row(s)\n");
    // Another machine (same repository, another remote URL form) gets every row.
    let other = repo("git@github.com:acme/app.git", "echo ok");
    other
        .sdetkit(&["history", "pull"])
        .env("SDETKIT_DATABASE_URL", db.url())
        .assert()
        .success()
        .stdout("history: pulled 3 new row(s); the store holds 3\n");
    let here =
        std::fs::read_to_string(first.file("build/first-proof/first-proof-learning-db.jsonl"))
            .unwrap();
    let there =
        std::fs::read_to_string(other.file("build/first-proof/first-proof-learning-db.jsonl"))
            .unwrap();
    assert_eq!(here, there, "the very same lines, in the same order");
    // The URL never reaches an artifact.
    let secret = "options='-c search_path=";
    for entry in walk(&first.file("build")) {
        let text = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains(secret),
            "{}",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn sixteen_lanes_writing_at_once_leave_exact_counts() {
    let db = Schema::new("sixteen");
    let repos: Vec<Repo> = (0..16)
        .map(|i| {
            repo(
                &format!("https://example.com/team/r{}.git", i % 4),
                if i % 3 == 0 { "exit 1" } else { "echo ok" },
            )
        })
        .collect();
    let mut lanes: Vec<_> = repos
        .iter()
        .map(|r| {
            r.sdetkit(&["ops", "daily"])
                .env("SDETKIT_DATABASE_URL", db.url())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for lane in &mut lanes {
        let out = lane.wait().unwrap();
        assert!(out.success());
    }
    for lane in lanes {
        let stderr = lane.wait_with_output().unwrap().stderr;
        assert!(
            !String::from_utf8_lossy(&stderr).contains("warning: history"),
            "{}",
            String::from_utf8_lossy(&stderr)
        );
    }
    assert_eq!(db.count("SELECT count(*) FROM sdetkit_runs"), 16);
    assert_eq!(
        db.count("SELECT count(DISTINCT repo_id) FROM sdetkit_runs"),
        4
    );
    assert_eq!(
        db.count("SELECT count(*) FROM sdetkit_runs WHERE gate_fast_failed"),
        6
    );
    assert_eq!(db.count("SELECT count(*) FROM sdetkit_schema_version"), 1);
}

#[test]
fn an_unreachable_database_degrades_to_local_history_and_push_catches_up() {
    let db = Schema::new("outage");
    let repo = repo("https://example.com/o/r.git", "echo ok");
    let down = "host=127.0.0.1 port=1 user=postgres dbname=test connect_timeout=2";
    let out = repo
        .sdetkit(&["ops", "daily"])
        .env("SDETKIT_DATABASE_URL", down)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PostgreSQL: cannot connect ($SDETKIT_DATABASE_URL)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("port=1"),
        "the URL is never printed: {stderr}"
    );
    repo.sdetkit(&["history", "push"])
        .env("SDETKIT_DATABASE_URL", db.url())
        .assert()
        .success()
        .stdout("history: pushed 1 new row(s)\n");
    assert_eq!(db.count("SELECT count(*) FROM sdetkit_runs"), 1);
    // No URL at all: one clear line, exit 1 by hand.
    repo.sdetkit(&["history", "status"])
        .env_remove("SDETKIT_DATABASE_URL")
        .assert()
        .code(1)
        .stderr(
            "sdetkit: history: $SDETKIT_DATABASE_URL is not set (the PostgreSQL store's URL)\n",
        );
}

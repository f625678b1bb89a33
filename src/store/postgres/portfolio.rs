//! The portfolio's SQL: every figure is counted in the database, per repository, and only
//! the counts come back (never the rows), so a portfolio of millions of runs costs a few
//! small result sets. Plain PostgreSQL (window functions, `FILTER`, `percentile_disc`), no
//! extension.

use postgres::Client;

use super::why;

/// The windows a portfolio is computed over, as RFC 3339 texts.
pub struct Bounds<'a> {
    /// The end of every window (inclusive).
    pub as_of: &'a str,
    /// `(name, start)` of each KPI window (start exclusive), e.g. `("7d", …)`, `("30d", …)`.
    pub windows: &'a [(&'a str, String)],
    /// Start of this week (the guidance's current window).
    pub week: &'a str,
    /// Start of last week.
    pub last_week: &'a str,
    /// Start of the flaky search.
    pub flaky_since: &'a str,
}

/// Run counts of one repository in one window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// The repository.
    pub repo: String,
    /// The window's name.
    pub window: String,
    /// Runs.
    pub runs: u64,
    /// Runs that shipped.
    pub ship: u64,
    /// Per gate (fast, release, doctor): runs where it ran, and where it failed.
    pub gates: [(u64, u64); 3],
}

/// Closed red streaks of one repository whose closing run falls in one window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreakCounts {
    /// The repository.
    pub repo: String,
    /// The window's name.
    pub window: String,
    /// Streaks closed.
    pub closed: u64,
    /// Their summed length in whole seconds.
    pub seconds: u64,
}

/// The red streak of a repository still open at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenStreak {
    /// The repository.
    pub repo: String,
    /// When its first NO-SHIP was recorded (microseconds since the epoch).
    pub since_us: i64,
    /// That run's key.
    pub id: String,
}

/// One step (or test) of one repository this week and last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepCounts {
    /// The repository.
    pub repo: String,
    /// `gate-fast/unit`, or `unit::test id` for a test.
    pub name: String,
    /// Runs it ran in this week.
    pub runs: u64,
    /// Runs it failed in this week.
    pub failures: u64,
    /// Durations recorded this week.
    pub samples: u64,
    /// Nearest-rank median and p90 this week.
    pub median_ms: Option<u64>,
    /// See `median_ms`.
    pub p90_ms: Option<u64>,
    /// Last week's median.
    pub previous_median_ms: Option<u64>,
}

/// Failed-then-passed pairs of one step (or test) on the same inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakyCounts {
    /// The repository.
    pub repo: String,
    /// The step or test.
    pub name: String,
    /// Pairs.
    pub pairs: u64,
}

/// Everything the portfolio is built from.
#[derive(Debug, Default)]
pub struct Counts {
    /// Run counts per repository and window.
    pub runs: Vec<RunCounts>,
    /// Closed streaks per repository and window.
    pub streaks: Vec<StreakCounts>,
    /// Open streaks per repository.
    pub open: Vec<OpenStreak>,
    /// Steps per repository.
    pub steps: Vec<StepCounts>,
    /// Tests per repository.
    pub tests: Vec<StepCounts>,
    /// Flaky steps per repository.
    pub flaky_steps: Vec<FlakyCounts>,
    /// Flaky tests per repository.
    pub flaky_tests: Vec<FlakyCounts>,
    /// Every statement run, in order (for the benchmark and `--verbose`).
    pub sql: Vec<&'static str>,
}

/// The windows as a `VALUES` list of parameters: `($2::text, $3::text::timestamptz), …`.
fn windows_sql(n: usize) -> String {
    (0..n)
        .map(|i| format!("(${}::text, ${}::text::timestamptz)", 2 + 2 * i, 3 + 2 * i))
        .collect::<Vec<_>>()
        .join(", ")
}

const RUNS: &str = "
SELECT r.repo_id, w.name,
       count(*), count(*) FILTER (WHERE r.ship),
       count(r.gate_fast_failed), count(*) FILTER (WHERE r.gate_fast_failed),
       count(r.gate_release_failed), count(*) FILTER (WHERE r.gate_release_failed),
       count(r.doctor_failed), count(*) FILTER (WHERE r.doctor_failed)
FROM sdetkit_runs r
JOIN (VALUES {windows}) AS w(name, since) ON r.captured_at > w.since
WHERE r.captured_at <= $1::text::timestamptz
GROUP BY r.repo_id, w.name";

/// Red streaks: a NO-SHIP opens one unless one is open; the next SHIP closes it. Numbering
/// each run by the SHIPs up to and including it puts a streak's NO-SHIPs under one number,
/// and its closing SHIP under the next.
const STREAKS: &str = "
WITH ordered AS (
    SELECT repo_id, run_key, captured_at, ship,
           sum(CASE WHEN ship THEN 1 ELSE 0 END)
               OVER (PARTITION BY repo_id ORDER BY captured_at, run_key ROWS UNBOUNDED PRECEDING) AS ships
    FROM sdetkit_runs
    WHERE captured_at <= $1::text::timestamptz
), opened AS (
    SELECT repo_id, ships, min(captured_at) AS since,
           (array_agg(run_key ORDER BY captured_at, run_key))[1] AS first_key
    FROM ordered WHERE NOT ship
    GROUP BY repo_id, ships
), closed AS (
    SELECT o.repo_id, c.captured_at AS closed_at,
           floor(extract(epoch FROM c.captured_at - o.since))::bigint AS seconds
    FROM opened o
    JOIN ordered c ON c.repo_id = o.repo_id AND c.ship AND c.ships = o.ships + 1
)
SELECT c.repo_id, w.name, count(*), coalesce(sum(c.seconds), 0)::bigint
FROM closed c
JOIN (VALUES {windows}) AS w(name, since) ON c.closed_at > w.since
GROUP BY c.repo_id, w.name";

/// The streak open at `as_of`: NO-SHIPs after the last SHIP.
const OPEN: &str = "
WITH last_ship AS (
    SELECT repo_id, max(captured_at) AS at FROM sdetkit_runs
    WHERE ship AND captured_at <= $1::text::timestamptz GROUP BY repo_id
)
SELECT r.repo_id, (extract(epoch FROM min(r.captured_at)) * 1000000)::bigint,
       (array_agg(r.run_key ORDER BY r.captured_at, r.run_key))[1]
FROM sdetkit_runs r LEFT JOIN last_ship l ON l.repo_id = r.repo_id
WHERE NOT r.ship AND r.captured_at <= $1::text::timestamptz
  AND (l.at IS NULL OR r.captured_at > l.at)
GROUP BY r.repo_id";

/// This week's runs, failures and durations of every step, and last week's median.
const STEPS: &str = "
SELECT repo_id, step,
       count(*) FILTER (WHERE captured_at > $2::text::timestamptz),
       count(*) FILTER (WHERE failed AND captured_at > $2::text::timestamptz),
       count(duration_ms) FILTER (WHERE captured_at > $2::text::timestamptz),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at > $2::text::timestamptz),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at > $2::text::timestamptz),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at <= $2::text::timestamptz)
FROM sdetkit_steps
WHERE captured_at > $3::text::timestamptz AND captured_at <= $1::text::timestamptz
GROUP BY repo_id, step";

const TESTS: &str = "
SELECT repo_id, test,
       count(*), count(*) FILTER (WHERE failed)
FROM sdetkit_tests
WHERE captured_at > $2::text::timestamptz AND captured_at <= $1::text::timestamptz
GROUP BY repo_id, test";

/// Failed-then-passed on the same inputs: the input digest, else the commit of a clean run.
const FLAKY: &str = "
WITH keyed AS (
    SELECT s.repo_id, s.{name} AS name, s.failed, s.captured_at, s.run_key,
           coalesce(r.input_digest, CASE WHEN r.dirty IS DISTINCT FROM true THEN r.commit_sha END) AS inputs
    FROM {table} s JOIN sdetkit_runs r ON r.repo_id = s.repo_id AND r.run_key = s.run_key
    WHERE s.captured_at > $2::text::timestamptz AND s.captured_at <= $1::text::timestamptz
), ordered AS (
    SELECT repo_id, name, failed,
           lag(failed) OVER (PARTITION BY repo_id, name, inputs ORDER BY captured_at, run_key) AS failed_before
    FROM keyed WHERE inputs IS NOT NULL
)
SELECT repo_id, name, count(*) FROM ordered
WHERE NOT failed AND failed_before
GROUP BY repo_id, name";

fn u(row: &postgres::Row, at: usize) -> u64 {
    row.get::<_, i64>(at).max(0) as u64
}

fn opt(row: &postgres::Row, at: usize) -> Option<u64> {
    row.get::<_, Option<i64>>(at).map(|v| v.max(0) as u64)
}

/// Runs every portfolio query.
pub fn counts(client: &mut Client, b: &Bounds) -> Result<Counts, String> {
    let mut counts = Counts::default();
    let windows = windows_sql(b.windows.len());
    let mut window_params: Vec<String> = vec![b.as_of.to_string()];
    for (name, since) in b.windows {
        window_params.push(name.to_string());
        window_params.push(since.clone());
    }
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = window_params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect();
    let query =
        |client: &mut Client, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
            client
                .query(sql, params)
                .map_err(|e| why("compute the portfolio", e))
        };
    for row in query(client, &RUNS.replace("{windows}", &windows), &params)? {
        counts.runs.push(RunCounts {
            repo: row.get(0),
            window: row.get(1),
            runs: u(&row, 2),
            ship: u(&row, 3),
            gates: [
                (u(&row, 4), u(&row, 5)),
                (u(&row, 6), u(&row, 7)),
                (u(&row, 8), u(&row, 9)),
            ],
        });
    }
    for row in query(client, &STREAKS.replace("{windows}", &windows), &params)? {
        counts.streaks.push(StreakCounts {
            repo: row.get(0),
            window: row.get(1),
            closed: u(&row, 2),
            seconds: u(&row, 3),
        });
    }
    for row in query(client, OPEN, &[&b.as_of])? {
        counts.open.push(OpenStreak {
            repo: row.get(0),
            since_us: row.get(1),
            id: row.get(2),
        });
    }
    for row in query(client, STEPS, &[&b.as_of, &b.week, &b.last_week])? {
        counts.steps.push(StepCounts {
            repo: row.get(0),
            name: row.get(1),
            runs: u(&row, 2),
            failures: u(&row, 3),
            samples: u(&row, 4),
            median_ms: opt(&row, 5),
            p90_ms: opt(&row, 6),
            previous_median_ms: opt(&row, 7),
        });
    }
    for row in query(client, TESTS, &[&b.as_of, &b.week])? {
        counts.tests.push(StepCounts {
            repo: row.get(0),
            name: row.get(1),
            runs: u(&row, 2),
            failures: u(&row, 3),
            ..StepCounts::default()
        });
    }
    for (table, name, into) in [
        ("sdetkit_steps", "step", &mut counts.flaky_steps),
        ("sdetkit_tests", "test", &mut counts.flaky_tests),
    ] {
        let sql = FLAKY.replace("{table}", table).replace("{name}", name);
        for row in query(client, &sql, &[&b.as_of, &b.flaky_since])? {
            into.push(FlakyCounts {
                repo: row.get(0),
                name: row.get(1),
                pairs: u(&row, 2),
            });
        }
    }
    counts.sql = vec![RUNS, STREAKS, OPEN, STEPS, TESTS, FLAKY];
    Ok(counts)
}

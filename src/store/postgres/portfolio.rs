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
    /// Steps the step cache stood in for.
    pub cached_steps: u64,
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
    pub sql: Vec<String>,
}

/// A time as an SQL literal. The bounds are written into the statements rather than sent as
/// parameters: a literal is a constant the planner can estimate with (a parameter cast from
/// text is not, and the plans it got were 2–5 times slower on a million runs). They are
/// formatted here from timestamps, never taken from input text.
fn literal(at: &str) -> String {
    format!("TIMESTAMPTZ '{at}'")
}

/// `sql` with its `{…}` bounds filled in.
fn bind(sql: &str, b: &Bounds) -> String {
    let windows: Vec<String> = b
        .windows
        .iter()
        .map(|(name, since)| format!("('{name}', {})", literal(since)))
        .collect();
    sql.replace("{windows}", &windows.join(", "))
        .replace("{as_of}", &literal(b.as_of))
        .replace("{week}", &literal(b.week))
        .replace("{last_week}", &literal(b.last_week))
        .replace("{flaky_since}", &literal(b.flaky_since))
}

const RUNS: &str = "
SELECT r.repo_id, w.name,
       count(*), count(*) FILTER (WHERE r.ship),
       count(r.gate_fast_failed), count(*) FILTER (WHERE r.gate_fast_failed),
       count(r.gate_release_failed), count(*) FILTER (WHERE r.gate_release_failed),
       count(r.doctor_failed), count(*) FILTER (WHERE r.doctor_failed),
       coalesce(sum(r.cached_steps), 0)::bigint
FROM sdetkit_runs r
JOIN (VALUES {windows}) AS w(name, since) ON r.captured_at > w.since
WHERE r.captured_at <= {as_of}
GROUP BY r.repo_id, w.name";

/// Red streaks: a NO-SHIP opens one unless one is open; the next SHIP closes it. Numbering
/// each run by the SHIPs before it puts a streak's NO-SHIPs and the SHIP that closes it under
/// one number, so one aggregate finds every streak's start and end. Only runs from each
/// repository's last SHIP before the earliest window on can open a streak that closes inside
/// a window, so older runs are never sorted.
const STREAKS: &str = "
WITH w(name, since) AS (VALUES {windows}),
seed AS (
    SELECT repo_id, max(captured_at) AS last_ship FROM sdetkit_runs
    WHERE ship AND captured_at <= (SELECT min(since) FROM w)
    GROUP BY repo_id
), numbered AS (
    SELECT r.repo_id, r.captured_at, r.ship,
           coalesce(sum(CASE WHEN r.ship THEN 1 ELSE 0 END) OVER (PARTITION BY r.repo_id
               ORDER BY r.captured_at, r.run_key ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS streak
    FROM sdetkit_runs r LEFT JOIN seed s ON s.repo_id = r.repo_id
    WHERE r.captured_at <= {as_of}
      AND (s.last_ship IS NULL OR r.captured_at >= s.last_ship)
), streaks AS (
    SELECT repo_id,
           min(captured_at) FILTER (WHERE NOT ship) AS since,
           max(captured_at) FILTER (WHERE ship) AS closed_at
    FROM numbered GROUP BY repo_id, streak
)
SELECT s.repo_id, w.name, count(*),
       coalesce(sum(floor(extract(epoch FROM s.closed_at - s.since))), 0)::bigint
FROM streaks s JOIN w ON s.closed_at > w.since
WHERE s.since IS NOT NULL
GROUP BY s.repo_id, w.name";

/// The streak open at `as_of`: NO-SHIPs after the last SHIP.
const OPEN: &str = "
WITH last_ship AS (
    SELECT repo_id, max(captured_at) AS at FROM sdetkit_runs
    WHERE ship AND captured_at <= {as_of} GROUP BY repo_id
)
SELECT r.repo_id, (extract(epoch FROM min(r.captured_at)) * 1000000)::bigint,
       (array_agg(r.run_key ORDER BY r.captured_at, r.run_key))[1]
FROM sdetkit_runs r LEFT JOIN last_ship l ON l.repo_id = r.repo_id
WHERE NOT r.ship AND r.captured_at <= {as_of}
  AND (l.at IS NULL OR r.captured_at > l.at)
GROUP BY r.repo_id";

/// This week's runs, failures and durations of every step, and last week's median.
const STEPS: &str = "
SELECT repo_id, step,
       count(*) FILTER (WHERE captured_at > {week}),
       count(*) FILTER (WHERE failed AND captured_at > {week}),
       count(duration_ms) FILTER (WHERE captured_at > {week}),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at > {week}),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at > {week}),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE captured_at <= {week})
FROM sdetkit_steps
WHERE captured_at > {last_week} AND captured_at <= {as_of}
GROUP BY repo_id, step";

const TESTS: &str = "
SELECT repo_id, test,
       count(*), count(*) FILTER (WHERE failed)
FROM sdetkit_tests
WHERE captured_at > {week} AND captured_at <= {as_of}
GROUP BY repo_id, test";

/// Failed-then-passed on the same inputs (the input digest, else the commit of a clean run,
/// set at insert): only the groups that both failed and passed can hold a pair, so only
/// their runs are put in order.
const FLAKY: &str = "
WITH candidates AS (
    SELECT repo_id, {name} AS name, inputs FROM {table}
    WHERE captured_at > {flaky_since} AND captured_at <= {as_of}
      AND inputs IS NOT NULL
    GROUP BY repo_id, {name}, inputs
    HAVING bool_or(failed) AND bool_or(NOT failed)
), ordered AS (
    SELECT s.repo_id, s.{name} AS name, s.failed,
           lag(s.failed) OVER (PARTITION BY s.repo_id, s.{name}, s.inputs ORDER BY s.captured_at, s.run_key) AS failed_before
    FROM {table} s
    JOIN candidates c ON c.repo_id = s.repo_id AND c.name = s.{name} AND c.inputs = s.inputs
    WHERE s.captured_at > {flaky_since} AND s.captured_at <= {as_of}
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
    // The sorts behind the window functions fit in memory with more than the default 4 MB
    // (half the time on a million runs); a server that does not know the setting (a
    // distributed PostgreSQL) simply keeps its own.
    let _ = client.batch_execute("SET work_mem = '64MB'");
    let mut counts = Counts::default();
    let mut counts_sql = Vec::new();
    let mut query = |sql: String| {
        let rows = client
            .query(&sql, &[])
            .map_err(|e| why("compute the portfolio", e));
        counts_sql.push(sql);
        rows
    };
    for row in query(bind(RUNS, b))? {
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
            cached_steps: u(&row, 10),
        });
    }
    for row in query(bind(STREAKS, b))? {
        counts.streaks.push(StreakCounts {
            repo: row.get(0),
            window: row.get(1),
            closed: u(&row, 2),
            seconds: u(&row, 3),
        });
    }
    for row in query(bind(OPEN, b))? {
        counts.open.push(OpenStreak {
            repo: row.get(0),
            since_us: row.get(1),
            id: row.get(2),
        });
    }
    for row in query(bind(STEPS, b))? {
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
    for row in query(bind(TESTS, b))? {
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
        for row in query(bind(&sql, b))? {
            into.push(FlakyCounts {
                repo: row.get(0),
                name: row.get(1),
                pairs: u(&row, 2),
            });
        }
    }
    counts.sql = counts_sql;
    Ok(counts)
}

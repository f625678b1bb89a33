//! `sdetkit portfolio`: two repositories' runs in one PostgreSQL database give, per
//! repository, exactly the figures the weekly lane computes from the same rows locally, and
//! across both, their sums.

use assert_cmd::assert::OutputAssertExt;
use serde_json::Value;

use crate::postgres_store::{Schema, repo};
use crate::support::Repo;

const AS_OF: &str = "2026-11-30T12:00:00+00:00";

/// A deterministic history of `n` runs over the 45 days before [`AS_OF`]: unit and lint
/// steps that fail now and then, some on inputs that later pass (flaky), failing tests,
/// two branches, and two rows in the reference's format.
fn history(seed: u64, n: u64) -> String {
    let mut state = seed;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let start: jiff::Timestamp = "2026-10-16T00:00:00Z".parse().unwrap();
    let mut out = String::new();
    for i in 0..n {
        let at =
            start + jiff::SignedDuration::from_secs((i * 45 * 86_400 / n + next(3_000)) as i64);
        let at = at.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
        if i % 37 == 5 {
            let failed = if next(2) == 0 {
                r#"["gate-fast"]"#
            } else {
                "[]"
            };
            let decision = if failed == "[]" { "SHIP" } else { "NO-SHIP" };
            out.push_str(&format!(
                "{{\"captured_at\": \"{at}\", \"decision\": \"{decision}\", \"failed_steps\": {failed}, \"ok\": {}, \"step_count\": 3}}\n",
                failed == "[]"
            ));
            continue;
        }
        let unit_failed = next(4) == 0;
        let lint_failed = next(10) == 0;
        let status = |f: bool| if f { "failed" } else { "passed" };
        let ship = !unit_failed && !lint_failed;
        let failing_test = format!("tests::t{}", next(3));
        let tests = if unit_failed {
            format!(
                r#"[{{"id":"{failing_test}","status":"failed","step":"unit"}},{{"id":"tests::ok","status":"passed","step":"unit"}}]"#
            )
        } else {
            format!(
                r#"[{{"id":"{failing_test}","status":"passed","step":"unit"}},{{"id":"tests::ok","status":"passed","step":"unit"}}]"#
            )
        };
        let branch = if i % 5 == 0 { "feature" } else { "main" };
        out.push_str(&format!(
            concat!(
                "{{\"branch\":\"{branch}\",\"captured_at\":\"{at}\",\"commit\":\"c{commit}\",\"decision\":\"{decision}\",",
                "\"dirty\":false,\"failed_steps\":{failed},\"input_digest\":\"sha256:{digest}\",\"lane\":\"daily\",\"ok\":{ship},",
                "\"run_id\":\"r{seed}-{i:04}\",\"schema_version\":\"sdetkit.event-log-row.v2\",\"step_count\":3,",
                "\"step_results\":[{{\"duration_ms\":{unit_ms},\"gate\":\"fast\",\"id\":\"unit\",\"rc\":0,\"status\":\"{unit}\"}},",
                "{{\"duration_ms\":{lint_ms},\"gate\":\"fast\",\"id\":\"lint\",\"rc\":0,\"status\":\"{lint}\"}},",
                "{{\"duration_ms\":3,\"gate\":\"release\",\"id\":\"version\",\"rc\":null,\"status\":\"passed\"}},",
                "{{\"duration_ms\":1,\"gate\":\"doctor\",\"id\":\"readme\",\"rc\":null,\"status\":\"passed\"}}],",
                "\"steps\":[{{\"duration_ms\":{fast_ms},\"name\":\"gate-fast\",\"status\":\"{fast}\"}},",
                "{{\"duration_ms\":3,\"name\":\"gate-release\",\"status\":\"passed\"}},",
                "{{\"duration_ms\":1,\"name\":\"doctor\",\"status\":\"passed\"}}],",
                "\"tests\":{tests}}}\n"
            ),
            branch = branch,
            at = at,
            commit = i / 3,
            decision = if ship { "SHIP" } else { "NO-SHIP" },
            failed = if ship { "[]" } else { r#"["gate-fast"]"# },
            digest = i / 3,
            ship = ship,
            seed = seed,
            i = i,
            unit_ms = 200 + next(800),
            unit = status(unit_failed),
            lint_ms = 50 + next(100),
            lint = status(lint_failed),
            fast_ms = 300 + next(900),
            fast = status(!ship),
            tests = tests,
        ));
    }
    out
}

fn weekly(repo: &Repo, db: &Schema) -> (Value, Value) {
    let out = repo
        .sdetkit(&["ops", "weekly", "--as-of", AS_OF, "--format", "json"])
        .env("SDETKIT_DATABASE_URL", db.url())
        .output()
        .unwrap();
    let card = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (card, repo.json("build/ops/weekly/guidance.json"))
}

/// The figures both tools must agree on, of one KPI set.
fn figures(set: &Value) -> Value {
    let kpis = [
        "ship_rate",
        "gate_fast_failure_rate",
        "gate_release_failure_rate",
        "doctor_failure_rate",
        "mean_time_to_green",
    ];
    let mut out = serde_json::Map::new();
    out.insert("runs".into(), set["runs"].clone());
    out.insert("cached_steps".into(), set["cached_steps"].clone());
    for k in kpis {
        let kpi = &set["kpis"][k];
        out.insert(
            k.into(),
            serde_json::json!([
                kpi["value"],
                kpi["numerator"],
                kpi["denominator"],
                kpi["status"]
            ]),
        );
    }
    let open = &set["open_red_streak"];
    out.insert(
        "open".into(),
        serde_json::json!([open["since"], open["age_seconds"], open["id"]]),
    );
    Value::Object(out)
}

/// A guidance list reduced to what both tools list, in order.
fn list(entries: &Value, fields: &[&str]) -> Vec<Value> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut v: Vec<Value> = fields.iter().map(|f| e[*f].clone()).collect();
            if let Some(pairs) = e.get("occurrences") {
                v.push(pairs.as_array().unwrap().len().into());
            } else if let Some(pairs) = e.get("pairs") {
                v.push(pairs.clone());
            }
            Value::Array(v)
        })
        .collect()
}

#[test]
fn portfolio_figures_equal_each_repositorys_weekly_lane_and_add_up() {
    let db = Schema::new("portfolio");
    let repos = [
        (
            repo("https://example.com/team/one.git", "echo ok"),
            "example.com/team/one",
            history(1, 90),
        ),
        (
            repo("https://example.com/team/two.git", "echo ok"),
            "example.com/team/two",
            history(2, 60),
        ),
    ];
    for (repo, _, rows) in &repos {
        repo.write("build/first-proof/first-proof-learning-db.jsonl", rows);
        repo.sdetkit(&["history", "push"])
            .env("SDETKIT_DATABASE_URL", db.url())
            .assert()
            .success();
    }
    let out = crate::support::output_of(
        repos[0]
            .0
            .sdetkit(&["portfolio", "--as-of", AS_OF, "--format", "json"])
            .env("SDETKIT_DATABASE_URL", db.url()),
    );
    let portfolio: Value = serde_json::from_str(&out).unwrap();
    let mut sums = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for (repo, id, _) in &repos {
        let (card, guidance) = weekly(repo, &db);
        let mine = &portfolio["repositories"][*id];
        for window in ["7d", "30d"] {
            assert_eq!(
                figures(&mine["windows"][window]),
                figures(&card["overall"][window]),
                "{id} {window}"
            );
            for (k, kpi) in card["overall"][window]["kpis"].as_object().unwrap() {
                let sum = sums.entry(format!("{window}/{k}")).or_default();
                sum.0 += kpi["numerator"].as_u64().unwrap();
                sum.1 += kpi["denominator"].as_u64().unwrap();
            }
        }
        assert_eq!(
            list(&mine["most_failing"], &["step", "failures", "runs"]),
            list(&guidance["most_failing"], &["step", "failures", "runs"]),
            "{id}"
        );
        assert!(!guidance["most_failing"].as_array().unwrap().is_empty());
        let slow = [
            "step",
            "samples",
            "median_ms",
            "p90_ms",
            "previous_median_ms",
            "trend",
        ];
        assert_eq!(
            list(&mine["slowest"], &slow),
            list(&guidance["slowest"], &slow),
            "{id}"
        );
        assert_eq!(
            list(&mine["flaky"], &["step"]),
            list(&guidance["flaky"], &["step"]),
            "{id}"
        );
        assert!(
            !guidance["flaky"].as_array().unwrap().is_empty(),
            "the history has flaky steps"
        );
        assert_eq!(
            list(&mine["failing_tests"], &["step", "failures", "runs"]),
            list(&guidance["failing_tests"], &["step", "failures", "runs"]),
            "{id}"
        );
        assert_eq!(
            list(&mine["flaky_tests"], &["step"]),
            list(&guidance["flaky_tests"], &["step"]),
            "{id}"
        );
    }
    for window in ["7d", "30d"] {
        for (k, kpi) in portfolio["overall"][window]["kpis"].as_object().unwrap() {
            let (num, den) = sums[&format!("{window}/{k}")];
            assert_eq!(
                (
                    kpi["numerator"].as_u64().unwrap(),
                    kpi["denominator"].as_u64().unwrap()
                ),
                (num, den),
                "overall {window} {k}"
            );
        }
    }
    for page in ["portfolio.json", "portfolio.md", "index.html"] {
        assert!(
            repos[0]
                .0
                .file(&format!("build/ops/portfolio/{page}"))
                .exists(),
            "{page}"
        );
    }
}

//! Every failing test a step's log names, for the event log (the first failure is
//! [`super::analyze`]'s job): the lines test runners print in a fixed form for each failed
//! test, read in one streamed pass.
//!
//! - libtest (`cargo test`): `test tests::parse ... FAILED`, and its JSON events
//!   (`{"type":"test","event":"failed","name":…}`, nextest's libtest-json too);
//! - go test: `--- FAIL: TestParse (0.00s)`, subtests indented (`--- FAIL: TestParse/empty`);
//! - pytest: the short summary's `FAILED tests/test_a.py::test_total - AssertionError`.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// Failing tests recorded per step at most (a broken build can fail thousands).
pub const LIMIT: usize = 1000;

/// The failing tests `log` names, in order of first mention, without duplicates.
pub fn failing_tests(log: &Path) -> std::io::Result<Vec<String>> {
    let mut reader = std::io::BufReader::new(crate::files::open_regular(
        log,
        crate::files::Links::Follow,
    )?);
    let (mut found, mut seen) = (Vec::new(), HashSet::new());
    let mut line = Vec::new();
    while found.len() < LIMIT && reader.read_until(b'\n', &mut line)? > 0 {
        let text = String::from_utf8_lossy(&line);
        if let Some(test) = failing(text.trim_end()).filter(|t| seen.insert(t.clone())) {
            found.push(test);
        }
        line.clear();
    }
    Ok(found)
}

/// The test a line says failed.
fn failing(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("--- FAIL: ") {
        return rest.split_whitespace().next().map(str::to_string);
    }
    if let Some(rest) = line.strip_prefix("FAILED ") {
        let id = rest.split(" - ").next()?.trim();
        return (id.contains("::")).then(|| id.to_string());
    }
    if let Some(rest) = line.strip_prefix("test ")
        && let Some(name) = rest.strip_suffix(" ... FAILED")
    {
        return Some(name.to_string());
    }
    if line.starts_with('{') && line.contains("\"failed\"") {
        let event: serde_json::Value = serde_json::from_str(line).ok()?;
        let failed = event["type"] == "test" && event["event"] == "failed";
        return failed
            .then(|| event["name"].as_str().map(str::to_string))
            .flatten();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_runner_names_its_failing_tests() {
        assert_eq!(
            failing("test tests::parse ... FAILED").as_deref(),
            Some("tests::parse")
        );
        assert_eq!(failing("test tests::ok ... ok"), None);
        assert_eq!(
            failing("--- FAIL: TestParse (0.00s)").as_deref(),
            Some("TestParse")
        );
        assert_eq!(
            failing("    --- FAIL: TestParse/empty (0.00s)").as_deref(),
            Some("TestParse/empty")
        );
        assert_eq!(
            failing("FAILED tests/test_a.py::test_total - assert 1 == 2").as_deref(),
            Some("tests/test_a.py::test_total")
        );
        assert_eq!(failing("FAILED (failures=1)"), None);
        assert_eq!(
            failing(r#"{ "type": "test", "event": "failed", "name": "a::b" }"#).as_deref(),
            Some("a::b")
        );
        assert_eq!(failing(r#"{ "type": "suite", "event": "failed" }"#), None);
    }
}

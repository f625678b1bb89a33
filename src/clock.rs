//! The only place that reads the wall clock. `SDETKIT_NOW` (RFC 3339) pins it, so tests and
//! reproducible runs never depend on hidden time.

use jiff::Timestamp;

/// The current time, or `SDETKIT_NOW` when set.
pub fn now() -> Timestamp {
    match std::env::var("SDETKIT_NOW") {
        Ok(text) => text.parse().unwrap_or_else(|_| Timestamp::now()),
        Err(_) => Timestamp::now(),
    }
}

/// Formats a timestamp the way the Python reference did (`2026-11-25T14:15:56.787462+00:00`),
/// so histories written by either tool sort and parse the same way.
pub fn iso(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Parses any RFC 3339 / ISO-8601 timestamp with an offset (Python's `isoformat()` included).
pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

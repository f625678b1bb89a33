//! Time: the only place that reads the wall clock, and the one way durations are shown to
//! people. `SDETKIT_NOW` (RFC 3339) pins the clock, so tests and reproducible runs never
//! depend on hidden time.

use std::time::Duration;

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

/// A duration for people, in at most its two largest units: `850ms`, `3.2s`, `4m05s`,
/// `2h05m`, `3d04h`.
///
/// ```
/// use std::time::Duration;
/// use sdetkit::clock::human;
///
/// assert_eq!(human(Duration::from_millis(850)), "850ms");
/// assert_eq!(human(Duration::from_millis(3_240)), "3.2s");
/// assert_eq!(human(Duration::from_secs(245)), "4m05s");
/// assert_eq!(human(Duration::from_secs(7_500)), "2h05m");
/// assert_eq!(human(Duration::from_secs(3 * 86_400 + 4 * 3_600)), "3d04h");
/// ```
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    let secs = d.as_secs();
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if secs < 3_600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else if secs < 86_400 {
        format!("{}h{:02}m", secs / 3_600, (secs % 3_600) / 60)
    } else {
        format!("{}d{:02}h", secs / 86_400, (secs % 86_400) / 3_600)
    }
}

/// [`human`] of a number of milliseconds.
pub fn human_ms(ms: u64) -> String {
    human(Duration::from_millis(ms))
}

/// [`human`] of a number of seconds (negative counts as zero).
pub fn human_secs(secs: f64) -> String {
    human(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX))
}

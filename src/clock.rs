//! Time: the only place that reads the wall clock, and the one way durations are shown to
//! people. `SDETKIT_NOW` (RFC 3339) pins the clock, so tests and reproducible runs never
//! depend on hidden time.

use std::time::Duration;

use jiff::Timestamp;

/// The current time, or `SDETKIT_NOW` when set (and valid: see [`pinned`]).
pub fn now() -> Timestamp {
    pinned().ok().flatten().unwrap_or_else(Timestamp::now)
}

/// The time `SDETKIT_NOW` pins the clock to: `Ok(None)` when it is not set, `Err` with the
/// one line to show when it is not an RFC 3339 time (the command line refuses to start).
pub fn pinned() -> Result<Option<Timestamp>, String> {
    let Some(text) = std::env::var_os("SDETKIT_NOW") else {
        return Ok(None);
    };
    let text = text.to_string_lossy();
    parse(&text).map(Some).ok_or_else(|| {
        format!("SDETKIT_NOW={text}: not an RFC 3339 time with an offset (2026-11-25T14:15:56Z)")
    })
}

/// Formats a timestamp the way the Python reference did (`2026-11-25T14:15:56.787462+00:00`),
/// so histories written by either tool sort and parse the same way.
pub fn iso(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Parses any RFC 3339 / ISO-8601 timestamp with an offset (Python's `isoformat()` included).
/// An offset of 24 hours or more (which RFC 3339 does not allow, and a typo most likely is)
/// is not a time.
pub fn parse(text: &str) -> Option<Timestamp> {
    let ts: Timestamp = text.parse().ok()?;
    offset_in_range(text).then_some(ts)
}

/// Whether the numeric offset ending `text` (if any: `Z` has none) is within ±23:59.
fn offset_in_range(text: &str) -> bool {
    let Some(at) = text.rfind(['+', '-']).filter(|&at| at > 10) else {
        return true;
    };
    let digits: Vec<u32> = text[at + 1..]
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    match digits.as_slice() {
        [h1, h2, rest @ ..] => {
            let minutes = match rest {
                [m1, m2, ..] => m1 * 10 + m2,
                _ => 0,
            };
            h1 * 10 + h2 < 24 && minutes < 60
        }
        _ => true,
    }
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

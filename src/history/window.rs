//! Real time windows over the event log (`captured_at`), where the reference only had "the
//! last 7 rows". A window with no runs has no rate, never a fake 0.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// A trailing window of `days` days ending now.
#[derive(Debug, Clone)]
pub struct Window {
    /// Length in days.
    pub days: i64,
    cutoff: Timestamp,
    /// `YYYY-MM-DDTHH:MM:SS` of the cutoff in UTC, for the fast comparison.
    cutoff_key: String,
}

impl Default for Window {
    /// A window no run falls in.
    fn default() -> Window {
        Window {
            days: 0,
            cutoff: Timestamp::MAX,
            cutoff_key: "9999-99-99T99:99:99".to_string(),
        }
    }
}

impl Window {
    /// The window of the last `days` days before `now`.
    pub fn last_days(now: Timestamp, days: i64) -> Window {
        let cutoff = now
            .checked_sub(SignedDuration::from_hours(24 * days))
            .unwrap_or(Timestamp::MIN);
        Window {
            days,
            cutoff,
            cutoff_key: cutoff.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    /// The start of the window (a run captured at or after it falls inside).
    pub fn cutoff(&self) -> Timestamp {
        self.cutoff
    }

    /// Whether a run captured at `captured_at` falls inside. UTC timestamps (what both tools
    /// write) compare as text, which keeps a 100k-row scan cheap; anything else is parsed.
    /// An unreadable timestamp is outside every window.
    pub fn contains(&self, captured_at: &str) -> bool {
        match utc_key(captured_at) {
            Some(key) => key >= self.cutoff_key.as_str(),
            None => crate::clock::parse(captured_at).is_some_and(|t| t >= self.cutoff),
        }
    }
}

/// The `YYYY-MM-DDTHH:MM:SS` prefix of a UTC timestamp (`…+00:00` or `…Z`), if it is one.
fn utc_key(text: &str) -> Option<&str> {
    let utc = text.ends_with("+00:00") || text.ends_with('Z');
    let key = text.get(..19)?;
    let shaped = key.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    (utc && shaped).then_some(key)
}

/// Runs and SHIP runs counted in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Tally {
    /// Runs in the window.
    pub runs: u64,
    /// Of those, SHIP runs.
    pub ship_runs: u64,
}

impl Tally {
    /// Counts one run.
    pub fn add(&mut self, ship: bool) {
        self.runs += 1;
        self.ship_runs += u64::from(ship);
    }

    /// The sum of two tallies.
    pub fn plus(self, other: Tally) -> Tally {
        Tally {
            runs: self.runs + other.runs,
            ship_runs: self.ship_runs + other.ship_runs,
        }
    }

    /// SHIP runs / runs; `None` when the window holds no run.
    pub fn rate(self) -> Option<f64> {
        (self.runs > 0).then(|| self.ship_runs as f64 / self.runs as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn utc_text_and_other_offsets_agree() {
        let week = Window::last_days(now(), 7);
        assert!(week.contains("2026-11-18T12:00:00.000001+00:00"));
        assert!(week.contains("2026-11-20T00:00:00Z"));
        assert!(!week.contains("2026-11-18T11:59:59+00:00"));
        // 2026-11-18T13:00+02:00 is 11:00 UTC: outside, found by parsing.
        assert!(!week.contains("2026-11-18T13:00:00+02:00"));
        assert!(week.contains("2026-11-18T13:00:00-02:00"));
        assert!(!week.contains("not a time"));
    }

    #[test]
    fn an_empty_window_has_no_rate() {
        let mut tally = Tally::default();
        assert_eq!(tally.rate(), None);
        tally.add(true);
        tally.add(false);
        assert_eq!(tally.rate(), Some(0.5));
    }
}

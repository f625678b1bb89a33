//! UTC time spans the KPIs are computed over: half-open `(start, end]`, so a run captured
//! exactly on a boundary belongs to exactly one weekly window.

use jiff::{SignedDuration, Timestamp};

use crate::artifacts::weekly::SpanLabel;

/// Number of weekly windows in a trend series.
pub const SERIES_LEN: usize = 8;

/// Days in one trend window.
pub const WEEK_DAYS: i64 = 7;

/// Days searched for flaky candidates (a commit is retried within days, not weeks): the
/// furthest the guidance looks back, so the runs it reads in detail.
pub const FLAKY_DAYS: i64 = 30;

/// The scorecard's windows, each ending at `as_of`: name and days. Only these list the ids
/// they counted.
pub const WINDOWS: [(&str, i64); 2] = [("7d", 7), ("30d", 30)];

/// A span `(start, end]` of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Exclusive start.
    pub start: Timestamp,
    /// Inclusive end.
    pub end: Timestamp,
}

impl Span {
    /// The `days` days ending at `end`.
    pub fn days_before(end: Timestamp, days: i64) -> Span {
        Span {
            start: end
                .checked_sub(SignedDuration::from_hours(24 * days))
                .unwrap_or(Timestamp::MIN),
            end,
        }
    }

    /// Whether `at` falls inside.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start < at && at <= self.end
    }

    /// The JSON form `{start, end}` in the reference's ISO format.
    pub fn label(&self) -> SpanLabel {
        SpanLabel {
            start: crate::clock::iso(self.start),
            end: crate::clock::iso(self.end),
        }
    }
}

/// The weekly windows ending at `as_of`, `as_of − 7d`, …, oldest first.
pub fn weekly_series(as_of: Timestamp) -> Vec<Span> {
    (0..SERIES_LEN as i64)
        .rev()
        .map(|back| {
            let end = as_of
                .checked_sub(SignedDuration::from_hours(24 * WEEK_DAYS * back))
                .unwrap_or(Timestamp::MIN);
            Span::days_before(end, WEEK_DAYS)
        })
        .collect()
}

/// Everything any KPI window looks at: the 8 weekly windows (which cover the 30-day one).
pub fn horizon(as_of: Timestamp) -> Span {
    Span::days_before(as_of, WEEK_DAYS * SERIES_LEN as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_windows_tile_the_horizon_without_overlap() {
        let as_of: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let series = weekly_series(as_of);
        assert_eq!(series.len(), SERIES_LEN);
        assert_eq!(series[0].start, horizon(as_of).start);
        assert_eq!(series[SERIES_LEN - 1].end, as_of);
        assert!(series.windows(2).all(|w| w[0].end == w[1].start));
        let edge = series[6].end;
        assert!(series[6].contains(edge) && !series[7].contains(edge));
    }
}

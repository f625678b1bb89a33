//! The last days of the event log hour by hour: each hour's runs per branch and where its
//! rows start in the log. Kept in the learning checkpoint, it lets the next run count its 7-
//! and 30-day windows from whole hours plus the one hour each window starts in, read from
//! the log, instead of reading the whole 30 days again: the cost stays the same however many
//! runs the windows hold.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::window::Tally;

/// The hour `at` falls in, in hours since the epoch.
pub fn hour_of(at: Timestamp) -> i64 {
    at.as_second().div_euclid(3600)
}

/// One hour's countable runs (dated, not rehearsals). Kept in the checkpoint as a short
/// array (`[offset, runs, ship runs, {branch: [runs, ship runs]}]`): a month of hours is
/// read and written on every run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "Packed", from = "Packed")]
pub struct Hour {
    /// A byte offset of the log at or before the first of its rows (exact when the hour was
    /// read backwards; where the read of new rows started when it was read forwards).
    pub offset: u64,
    /// Rows that name no branch (they count toward every branch).
    pub unbranched: Tally,
    /// Rows per branch.
    pub branches: BTreeMap<String, Tally>,
}

/// [`Hour`] as stored.
#[derive(Serialize, Deserialize)]
struct Packed(u64, u64, u64, BTreeMap<String, (u64, u64)>);

impl From<Hour> for Packed {
    fn from(hour: Hour) -> Packed {
        let branches = hour.branches.into_iter();
        Packed(
            hour.offset,
            hour.unbranched.runs,
            hour.unbranched.ship_runs,
            branches.map(|(b, t)| (b, (t.runs, t.ship_runs))).collect(),
        )
    }
}

impl From<Packed> for Hour {
    fn from(Packed(offset, runs, ship_runs, branches): Packed) -> Hour {
        let tally = |(runs, ship_runs)| Tally { runs, ship_runs };
        Hour {
            offset,
            unbranched: tally((runs, ship_runs)),
            branches: branches.into_iter().map(|(b, t)| (b, tally(t))).collect(),
        }
    }
}

impl Hour {
    /// Counts one run of `branch` (`None`: a row that names none).
    pub fn add(&mut self, branch: Option<&str>, ship: bool) {
        match branch {
            None => self.unbranched.add(ship),
            Some(b) => crate::maps::entry(&mut self.branches, b, Tally::default).add(ship),
        }
    }

    /// Adds the runs of `other`, the same hour read later in the log (its offset is later).
    pub fn absorb(&mut self, other: &Hour) {
        self.unbranched = self.unbranched.plus(other.unbranched);
        for (branch, tally) in &other.branches {
            let mine = self.branches.entry(branch.clone()).or_default();
            *mine = mine.plus(*tally);
        }
    }
}

/// The hours from `from_hour` on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// Every countable row of this hour or later is in `hours`.
    pub from_hour: i64,
    /// Hour → its runs.
    pub hours: BTreeMap<i64, Hour>,
}

impl Tail {
    /// The tail with the hours of rows read forwards from byte `start` added (their offset is
    /// `start`, where the read began, or the earlier one the tail already had).
    pub fn extended(mut self, fresh: BTreeMap<i64, Hour>, start: u64) -> Tail {
        for (hour, mut runs) in fresh {
            match self.hours.get_mut(&hour) {
                Some(known) => known.absorb(&runs),
                None => {
                    runs.offset = start;
                    self.hours.insert(hour, runs);
                }
            }
        }
        self
    }

    /// The tail without the hours before `from`.
    pub fn from(mut self, from: i64) -> Tail {
        self.hours = self.hours.split_off(&from);
        self.from_hour = self.from_hour.max(from);
        self
    }
}

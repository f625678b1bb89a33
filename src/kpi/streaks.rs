//! Red streaks for mean time to green: a streak opens at the first NO-SHIP after a SHIP (or
//! at the first run) and closes at the next SHIP. Streaks are tracked overall and per
//! branch; a branchless (reference) row belongs to every branch, so a branch first seen
//! late starts from the streak of the branchless rows before it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A red streak that was open (no SHIP yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open {
    /// When the first NO-SHIP was captured.
    pub since: Timestamp,
    /// The id of that run.
    pub id: String,
}

/// Streak state fed with runs in time order (kept between weekly runs for the rows before
/// the horizon).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streaks {
    overall: Option<Open>,
    /// Streak over the branchless rows only: the seed of a newly seen branch.
    shared: Option<Open>,
    branches: BTreeMap<String, Option<Open>>,
}

/// One run as the streaks see it.
pub struct Step<'a> {
    /// `None` for a reference row, which belongs to every branch.
    pub branch: Option<&'a str>,
    /// When it was captured.
    pub at: Timestamp,
    /// Its id.
    pub id: &'a str,
    /// It shipped.
    pub ship: bool,
}

impl Streaks {
    /// Feeds one run; returns the red streaks its SHIP closes, each with its scope (`None`
    /// overall, else the branch) and its start (it ends at this run).
    pub fn observe(&mut self, run: &Step) -> Vec<(Option<String>, Timestamp)> {
        let mut closed = Vec::new();
        closed.extend(advance(&mut self.overall, run).map(|s| (None, s)));
        match run.branch {
            Some(branch) => {
                let state = self
                    .branches
                    .entry(branch.to_string())
                    .or_insert_with(|| self.shared.clone());
                closed.extend(advance(state, run).map(|s| (Some(branch.to_string()), s)));
            }
            None => {
                advance(&mut self.shared, run);
                for (branch, state) in &mut self.branches {
                    closed.extend(advance(state, run).map(|s| (Some(branch.clone()), s)));
                }
            }
        }
        closed
    }

    /// The streak open after the last run, overall (`None`) or on a branch.
    pub fn open(&self, branch: Option<&str>) -> Option<&Open> {
        match branch {
            None => self.overall.as_ref(),
            Some(b) => self.branches.get(b).unwrap_or(&self.shared).as_ref(),
        }
    }

    /// The branches seen so far, sorted.
    pub fn branches(&self) -> impl Iterator<Item = &str> {
        self.branches.keys().map(String::as_str)
    }
}

/// Moves one track forward; returns the start of the streak this SHIP closes.
fn advance(state: &mut Option<Open>, run: &Step) -> Option<Timestamp> {
    if run.ship {
        return state.take().map(|open| open.since);
    }
    if state.is_none() {
        *state = Some(Open {
            since: run.at,
            id: run.id.to_string(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: i64) -> Timestamp {
        Timestamp::from_second(hour * 3600).unwrap()
    }

    /// Feeds one run; returns the streaks it closed as (scope, hours long).
    fn feed(
        s: &mut Streaks,
        branch: Option<&str>,
        hour: i64,
        ship: bool,
    ) -> Vec<(Option<String>, i64)> {
        let id = format!("r{hour}");
        let closed = s.observe(&Step {
            branch,
            at: at(hour),
            id: &id,
            ship,
        });
        closed
            .into_iter()
            .map(|(scope, start)| (scope, at(hour).duration_since(start).as_hours()))
            .collect()
    }

    #[test]
    fn branchless_rows_count_toward_every_branch_and_seed_new_ones() {
        let mut s = Streaks::default();
        let mut closed = feed(&mut s, None, 1, false);
        closed.extend(feed(&mut s, Some("main"), 2, false));
        closed.extend(feed(&mut s, Some("dev"), 3, true));
        closed.extend(feed(&mut s, Some("main"), 5, true));
        let dev = Some("dev".to_string());
        let main = Some("main".to_string());
        assert_eq!(closed, vec![(None, 2), (dev, 2), (main, 4)]);
        assert!(s.open(None).is_none());
        feed(&mut s, None, 6, false);
        assert_eq!(s.open(Some("main")).unwrap().since, at(6));
        // An unseen branch has only the branchless rows: red since the first one.
        assert_eq!(s.open(Some("unseen")).unwrap().id, "r1");
    }
}

//! Red streaks for mean time to green: a streak opens at the first NO-SHIP after a SHIP (or
//! at the first run) and closes at the next SHIP. Streaks are tracked overall and per
//! branch; a branchless (reference) row belongs to every branch, so a branch first seen
//! late starts from the streak of the branchless rows before it.

use std::collections::BTreeMap;

use jiff::Timestamp;

/// A red streak that was open (no SHIP yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// When the first NO-SHIP was captured.
    pub since: Timestamp,
    /// The id of that run.
    pub id: String,
}

/// A closed red streak: first NO-SHIP → next SHIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// `None` overall, else the branch.
    pub branch: Option<String>,
    /// When the first NO-SHIP was captured.
    pub start: Timestamp,
    /// When the SHIP that closed it was captured.
    pub end: Timestamp,
    /// The id of the SHIP run that closed it.
    pub end_id: String,
}

impl Closed {
    /// Length of the streak in whole seconds.
    pub fn seconds(&self) -> u64 {
        self.end.duration_since(self.start).as_secs().max(0) as u64
    }
}

/// Streak state fed with runs in time order.
#[derive(Debug, Default)]
pub struct Streaks {
    overall: Option<Open>,
    /// Streak over the branchless rows only: the seed of a newly seen branch.
    shared: Option<Open>,
    branches: BTreeMap<String, Option<Open>>,
    /// Closed streaks whose SHIP was recorded with `keep`.
    pub closed: Vec<Closed>,
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
    /// Whether a streak this run closes is kept (runs before the horizon only seed state).
    pub keep: bool,
}

impl Streaks {
    /// Feeds one run.
    pub fn observe(&mut self, run: &Step) {
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
        if run.keep {
            self.closed
                .extend(closed.into_iter().map(|(branch, start)| Closed {
                    branch,
                    start,
                    end: run.at,
                    end_id: run.id.to_string(),
                }));
        }
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

    fn feed(s: &mut Streaks, branch: Option<&str>, hour: i64, ship: bool) {
        let id = format!("r{hour}");
        s.observe(&Step {
            branch,
            at: at(hour),
            id: &id,
            ship,
            keep: true,
        });
    }

    #[test]
    fn branchless_rows_count_toward_every_branch_and_seed_new_ones() {
        let mut s = Streaks::default();
        feed(&mut s, None, 1, false);
        feed(&mut s, Some("main"), 2, false);
        feed(&mut s, Some("dev"), 3, true);
        feed(&mut s, Some("main"), 5, true);
        let closed: Vec<_> = s
            .closed
            .iter()
            .map(|c| (c.branch.as_deref(), c.seconds() / 3600))
            .collect();
        assert_eq!(closed, vec![(None, 2), (Some("dev"), 2), (Some("main"), 4)]);
        assert!(s.open(None).is_none());
        feed(&mut s, None, 6, false);
        assert_eq!(s.open(Some("main")).unwrap().since, at(6));
        // An unseen branch has only the branchless rows: red since the first one.
        assert_eq!(s.open(Some("unseen")).unwrap().id, "r1");
    }
}

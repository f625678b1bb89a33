//! The four DORA keys, from what the weekly lane already reads: every release (a tag or a
//! recorded release) is a deployment; the commits it shipped are those after the previous
//! release's commit; a deployment failed when it was rolled back, or when the next release
//! is a hotfix (a commit it ships says `hotfix` in its subject); time to restore is the mean
//! time to green. Each value gets DORA's performance band (the clusters of the 2023 State of
//! DevOps report).

use jiff::Timestamp;

use super::releases::{Event, Ledger};
use super::window::Span;
use crate::artifacts::weekly::{Band, Dora, DoraKey, Kpi};
use crate::repo::git;

/// The DORA window, in days.
pub const WINDOW_DAYS: i64 = 30;

const DAY: f64 = 86_400.0;

/// A release of the window and what it shipped.
#[derive(Debug, Clone)]
pub struct Shipped {
    /// When it was released.
    pub at: Timestamp,
    /// Its version.
    pub version: String,
    /// When each commit it shipped was committed; `None` for the first release git knows
    /// (nothing bounds it from below) or one whose commit is unknown.
    pub commits: Option<Vec<Timestamp>>,
    /// Whether one of those commits is a hotfix (`hotfix` in its subject).
    pub hotfix: bool,
}

/// The DORA window ending at `as_of`.
fn span(as_of: Timestamp) -> Span {
    Span::days_before(as_of, WINDOW_DAYS)
}

/// The releases of the window ending at `as_of` with the commits each shipped, read from git
/// at `root`.
pub fn shipped(root: &std::path::Path, ledger: &Ledger, as_of: Timestamp) -> Vec<Shipped> {
    let span = span(as_of);
    ledger
        .releases
        .iter()
        .enumerate()
        .filter(|(_, e)| span.contains(e.at))
        .map(|(i, e)| {
            let previous = ledger.releases[..i]
                .iter()
                .rev()
                .find_map(|p| p.commit.as_deref());
            let changes = match (previous, e.commit.as_deref()) {
                (Some(from), Some(to)) => Some(git::changes(root, from, to)),
                _ => None,
            };
            Shipped {
                at: e.at,
                version: e.version.clone(),
                hotfix: changes.iter().flatten().any(|c| is_hotfix(&c.subject)),
                commits: changes.map(|c| {
                    c.iter()
                        .filter_map(|c| crate::clock::parse(&c.date))
                        .collect()
                }),
            }
        })
        .collect()
}

fn is_hotfix(subject: &str) -> bool {
    subject.to_ascii_lowercase().contains("hotfix")
}

/// The four keys for the window ending at `as_of`, from its releases `shipped`, the
/// rollbacks known and the window's mean time to green `mttg`.
pub fn keys(
    shipped: &[Shipped],
    rollbacks: &[Event],
    as_of: Timestamp,
    mttg: Option<&Kpi>,
) -> Dora {
    let span = span(as_of);
    Dora {
        window_days: WINDOW_DAYS,
        deployment_frequency: frequency(shipped.len()),
        lead_time_for_changes: lead_time(shipped),
        change_failure_rate: failure_rate(shipped, rollbacks, span),
        time_to_restore: restore(mttg),
    }
}

fn key(value: Option<f64>, unit: &'static str, sample: u64, band: fn(f64) -> Band) -> DoraKey {
    DoraKey {
        value: value.map(|v| (v * 100.0).round() / 100.0),
        unit,
        sample,
        band: value.map(band),
        note: None,
    }
}

fn without(unit: &'static str, note: &str) -> DoraKey {
    DoraKey {
        value: None,
        unit,
        sample: 0,
        band: None,
        note: Some(note.to_string()),
    }
}

/// Elite: several a day (on demand); high: daily to weekly; medium: weekly to monthly; low:
/// less than monthly.
fn frequency(deployments: usize) -> DoraKey {
    let per_day = deployments as f64 / WINDOW_DAYS as f64;
    key(Some(per_day), "per_day", deployments as u64, |d| match d {
        d if d >= 1.0 => Band::Elite,
        d if d >= 1.0 / 7.0 => Band::High,
        d if d >= 1.0 / WINDOW_DAYS as f64 => Band::Medium,
        _ => Band::Low,
    })
}

/// The median over every commit shipped in the window. Elite: under a day; high: under a
/// week; medium: under a month; low: longer.
fn lead_time(shipped: &[Shipped]) -> DoraKey {
    let mut waits: Vec<f64> = shipped
        .iter()
        .flat_map(|s| {
            let commits = s.commits.as_deref().unwrap_or_default();
            commits
                .iter()
                .map(move |c| s.at.duration_since(*c).as_secs_f64().max(0.0))
        })
        .collect();
    if waits.is_empty() {
        return without(
            "seconds",
            "no release in the window with a previous release to bound its commits",
        );
    }
    waits.sort_by(f64::total_cmp);
    let middle = waits.len() / 2;
    let median = match waits.len() % 2 {
        1 => waits[middle],
        _ => (waits[middle - 1] + waits[middle]) / 2.0,
    };
    key(Some(median), "seconds", waits.len() as u64, |s| match s {
        s if s < DAY => Band::Elite,
        s if s < 7.0 * DAY => Band::High,
        s if s < 30.0 * DAY => Band::Medium,
        _ => Band::Low,
    })
}

/// Releases rolled back in the window, or followed by a hotfix release, over the releases.
/// Elite: at most 5 %; high: 10 %; medium: 15 %; low: more.
fn failure_rate(shipped: &[Shipped], rollbacks: &[Event], span: Span) -> DoraKey {
    if shipped.is_empty() {
        return without("percent", "no release in the window");
    }
    let failed = shipped
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let rolled_back = rollbacks
                .iter()
                .any(|r| r.version == s.version && span.contains(r.at));
            rolled_back || shipped.get(i + 1).is_some_and(|next| next.hotfix)
        })
        .count();
    let rate = 100.0 * failed as f64 / shipped.len() as f64;
    key(Some(rate), "percent", shipped.len() as u64, |r| match r {
        r if r <= 5.0 => Band::Elite,
        r if r <= 10.0 => Band::High,
        r if r <= 15.0 => Band::Medium,
        _ => Band::Low,
    })
}

/// The mean time to green. Elite: under an hour; high: under a day; medium: under a week;
/// low: longer.
fn restore(mttg: Option<&Kpi>) -> DoraKey {
    match mttg.and_then(|k| k.value.map(|v| (v, k.denominator))) {
        Some((seconds, restores)) => key(Some(seconds), "seconds", restores, |s| match s {
            s if s < 3_600.0 => Band::Elite,
            s if s < DAY => Band::High,
            s if s < 7.0 * DAY => Band::Medium,
            _ => Band::Low,
        }),
        None => without("seconds", "no red streak closed in the window"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + day * 86_400).unwrap()
    }

    fn release(day: i64, version: &str, commit_days: &[i64], hotfix: bool) -> Shipped {
        Shipped {
            at: at(day),
            version: version.into(),
            commits: Some(commit_days.iter().map(|d| at(*d)).collect()),
            hotfix,
        }
    }

    #[test]
    fn the_four_keys_and_their_bands() {
        let shipped = [
            release(5, "1.1.0", &[1, 3, 4], false),
            release(12, "1.2.0", &[10], false),
            release(13, "1.2.1", &[13], true),
            release(25, "1.3.0", &[15, 20], false),
        ];
        let rollback = Event {
            id: "event:r".into(),
            version: "1.3.0".into(),
            at: at(26),
            commit: None,
        };
        let dora = keys(&shipped, &[rollback], at(30), None);
        // 4 releases in 30 days: fewer than one a week, more than one a month.
        assert_eq!(dora.deployment_frequency.value, Some(0.13));
        assert_eq!(dora.deployment_frequency.band, Some(Band::Medium));
        // Waits in days: 4, 2, 1, 2, 0, 10, 5: median 2 days.
        assert_eq!(dora.lead_time_for_changes.value, Some(2.0 * DAY));
        assert_eq!(dora.lead_time_for_changes.sample, 7);
        assert_eq!(dora.lead_time_for_changes.band, Some(Band::High));
        // 1.2.0 was followed by a hotfix, 1.3.0 rolled back: 2 of 4.
        assert_eq!(dora.change_failure_rate.value, Some(50.0));
        assert_eq!(dora.change_failure_rate.band, Some(Band::Low));
        assert_eq!(dora.time_to_restore.value, None);
        assert!(dora.time_to_restore.note.is_some());
    }

    #[test]
    fn nothing_released_is_low_frequency_and_no_other_value() {
        let dora = keys(&[], &[], at(30), None);
        assert_eq!(dora.deployment_frequency.value, Some(0.0));
        assert_eq!(dora.deployment_frequency.band, Some(Band::Low));
        assert_eq!(dora.lead_time_for_changes.band, None);
        assert_eq!(dora.change_failure_rate.band, None);
    }
}

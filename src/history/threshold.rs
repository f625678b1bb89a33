//! The threshold check ([`crate::artifacts::learning::THRESHOLD`]): the v1 breach rule, judged on the lane's branch with the
//! `[thresholds.<branch>]` profile (else `default`).

use super::rollup::BranchView;
use crate::artifacts::learning::{ThresholdAction, ThresholdCheck};
use crate::config::Config;

/// Judges `view`, the runs of `branch`, by the v1 breach rule.
pub fn check(view: &BranchView, branch: &str, config: &Config) -> ThresholdCheck {
    let t = config.thresholds_for(branch);
    let profile = if config.thresholds.contains_key(branch) {
        branch
    } else {
        "default"
    };
    let rate = view.ship_rate_last_7();
    let consecutive = view.consecutive_no_ship();
    let enough_data = view.total_runs >= t.min_total_runs;
    let rate_ok = rate >= t.min_ship_rate;
    let consecutive_breach = consecutive >= t.min_consecutive_breaches;
    let breach = enough_data && !rate_ok && consecutive_breach;
    // The reference's order of precedence, quirks included (a healthy all-SHIP history
    // reads "watch"): documented in docs/daily-lane.md.
    let action = if breach {
        ThresholdAction::Recover
    } else if !enough_data {
        ThresholdAction::Collect
    } else if !consecutive_breach {
        ThresholdAction::Watch
    } else {
        ThresholdAction::Maintain
    };
    ThresholdCheck {
        ok: !breach,
        breach,
        enough_data,
        ship_rate_last_7: rate,
        total_runs: view.total_runs,
        branch: branch.to_string(),
        profile: profile.to_string(),
        min_ship_rate: t.min_ship_rate,
        min_total_runs: t.min_total_runs,
        min_consecutive_breaches: t.min_consecutive_breaches,
        consecutive_no_ship: consecutive,
        fail_on_breach: t.fail_on_breach,
        action,
    }
}

impl ThresholdCheck {
    /// Whether the breach must fail the lane.
    pub fn fails_lane(&self) -> bool {
        self.breach && self.fail_on_breach
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::learning_of;

    fn rows(outcomes: &str) -> Vec<String> {
        outcomes
            .chars()
            .map(|c| {
                let d = if c == 'S' { "SHIP" } else { "NO-SHIP" };
                format!(r#"{{"captured_at": "2026-11-25T10:00:00+00:00", "decision": "{d}", "failed_steps": []}}"#)
            })
            .collect()
    }

    #[test]
    fn the_reference_nine_run_sequence() {
        let config = crate::config::detect::config(std::path::Path::new("/nonexistent"));
        use ThresholdAction::{Collect, Maintain, Recover, Watch};
        let expected = [
            Collect, Collect, Watch, Maintain, Recover, Watch, Watch, Recover, Recover,
        ];
        let sequence = "SSFFFSFFF";
        for (n, want) in (1..=9).zip(expected) {
            let t = learning_of(&rows(&sequence[..n]), "local", &config).threshold;
            assert_eq!(t.action, want, "after {n} runs: {t:?}");
            assert_eq!(t.profile, "default");
            assert!(!t.fails_lane());
        }
        let main = learning_of(&rows(sequence), "main", &config).threshold;
        assert_eq!((main.profile.as_str(), main.action), ("main", Recover));
        assert!(main.fails_lane());
        let healthy = learning_of(&rows("SSSSS"), "local", &config).threshold;
        assert_eq!(healthy.action, Watch, "the reference's quirk is kept");
    }
}

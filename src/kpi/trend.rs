//! The weekly series: every KPI over the last 8 seven-day windows (ending at `as_of`,
//! `as_of − 7d`, …), overall and per branch, without ids. It feeds the two-window rule and
//! the report's charts.

use super::scorecard::Sources;
use super::window;
use crate::artifacts::weekly::{ScopeSeries, TREND_SCHEMA, Trend};

impl Trend {
    /// The series of `sources` at their `as_of`.
    pub fn new(sources: &Sources) -> Trend {
        let spans = window::weekly_series(sources.as_of);
        let series = |branch: Option<&str>| -> ScopeSeries {
            let sets: Vec<_> = spans
                .iter()
                .map(|span| sources.kpi_set(*span, branch, false).kpis)
                .collect();
            let mut out = ScopeSeries::new();
            for kpis in sets {
                for (name, kpi) in kpis {
                    out.entry(name).or_default().push(kpi);
                }
            }
            out
        };
        Trend {
            schema_version: TREND_SCHEMA,
            as_of: crate::clock::iso(sources.as_of),
            windows: spans.iter().map(|s| s.label()).collect(),
            overall: series(None),
            branches: sources
                .branches()
                .into_iter()
                .map(|b| {
                    let s = series(Some(&b));
                    (b, s)
                })
                .collect(),
        }
    }

    /// Every scope with its name: `None` overall, then the branches.
    pub fn scopes(&self) -> impl Iterator<Item = (Option<&str>, &ScopeSeries)> {
        std::iter::once((None, &self.overall))
            .chain(self.branches.iter().map(|(b, s)| (Some(b.as_str()), s)))
    }
}

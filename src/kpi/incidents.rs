//! The two-window rule (PRODUCT §9): a KPI worse than its previous weekly window in two
//! consecutive windows — the last three windows each worse than the one before — is an
//! incident-level reliability risk. "Worse" means beyond a tolerance, so noise is not an
//! incident: more than [`PERCENT_POINTS`] percentage points for rates, more than
//! [`DURATION_RATIO`] of the previous value for durations, and only between windows that
//! both have enough data. An incident stays open while the rule holds; the first run where
//! it no longer holds (recovery) closes it.

use crate::artifacts::Places;
use crate::artifacts::weekly::{
    GUIDANCE_MD, INCIDENTS, INCIDENTS_SCHEMA, Incident, Incidents, Kpi, SCORECARD, Trend,
};
use crate::error::Result;
use crate::repo::lanes::Lane;
use crate::workspace::Workspace;

/// Tolerance for rates, in percentage points.
pub const PERCENT_POINTS: f64 = 5.0;

/// Tolerance for durations, as a share of the previous window's value.
pub const DURATION_RATIO: f64 = 0.10;

/// KPIs where a higher value is better; for every other one, higher is worse.
const HIGHER_IS_BETTER: &[&str] = &["ship_rate", "evidence_pack_coverage"];

impl Incident {
    fn same(&self, other: &Incident) -> bool {
        self.kpi == other.kpi && self.branch == other.branch
    }

    /// The P0 follow-up of this incident: title and a concrete action.
    pub fn advice(&self, places: Places) -> (String, String) {
        let values: Vec<String> = self.values.iter().map(|v| self.show(*v)).collect();
        let end = self.windows.last().map_or("", |w| w.end.as_str());
        (
            format!("KPI incident: {} degraded two windows in a row", self.kpi),
            format!(
                "{} went {} over the weekly windows ending {end}; assign an owner, fix the top cause listed in {} (runs counted: {}), then rerun `{}` to confirm recovery.",
                self.scope(),
                values.join(" → "),
                places.page(&GUIDANCE_MD),
                places.doc(&SCORECARD),
                places.lane(Lane::Weekly),
            ),
        )
    }

    /// A value of this KPI for people.
    fn show(&self, value: f64) -> String {
        match self.unit.as_str() {
            "seconds" => crate::clock::human_secs(value),
            _ => format!("{value:.2} %"),
        }
    }

    /// `kpi` or `kpi` on `branch`, for messages.
    pub fn scope(&self) -> String {
        match &self.branch {
            Some(b) => format!("{} on `{b}`", self.kpi),
            None => self.kpi.clone(),
        }
    }
}

impl Incidents {
    /// Applies the rule to `trend`, keeping the opening time of incidents already open in
    /// `previous` and closing those that recovered.
    pub fn new(trend: &Trend, previous: Option<&Incidents>) -> Incidents {
        let earlier = previous.map_or(&[][..], |p| &p.open[..]);
        let mut open: Vec<Incident> = trend
            .scopes()
            .flat_map(|(branch, series)| {
                series
                    .iter()
                    .filter_map(move |(kpi, points)| detect(trend, branch, kpi, points))
            })
            .collect();
        // One cause, one incident: a branch that holds every run (one branch, or the others
        // too small to move the numbers) repeats the overall series exactly.
        let overall: Vec<(String, Vec<f64>)> = open
            .iter()
            .filter(|i| i.branch.is_none())
            .map(|i| (i.kpi.clone(), i.values.clone()))
            .collect();
        open.retain(|i| {
            i.branch.is_none() || !overall.iter().any(|(k, v)| *k == i.kpi && *v == i.values)
        });
        for incident in &mut open {
            if let Some(known) = earlier.iter().find(|e| e.same(incident)) {
                incident.opened_at.clone_from(&known.opened_at);
            }
        }
        let closed = earlier
            .iter()
            .filter(|e| !open.iter().any(|o| o.same(e)))
            .map(|e| Incident {
                closed_at: Some(trend.as_of.clone()),
                ..e.clone()
            })
            .collect();
        Incidents {
            schema_version: INCIDENTS_SCHEMA.to_string(),
            as_of: trend.as_of.clone(),
            tolerance_percent_points: PERCENT_POINTS,
            tolerance_duration_ratio: DURATION_RATIO,
            open,
            closed,
        }
    }
}

/// The incident of one KPI series, if its last three windows each got worse.
fn detect(trend: &Trend, branch: Option<&str>, kpi: &str, points: &[Kpi]) -> Option<Incident> {
    let last = points.get(points.len().checked_sub(3)?..)?;
    let worse = last
        .windows(2)
        .all(|pair| degraded(kpi, &pair[0], &pair[1]));
    worse.then(|| Incident {
        kpi: kpi.to_string(),
        branch: branch.map(str::to_string),
        unit: last[2].unit.to_string(),
        windows: trend.windows[trend.windows.len() - 3..].to_vec(),
        values: last.iter().filter_map(|k| k.value).collect(),
        opened_at: trend.as_of.clone(),
        closed_at: None,
    })
}

/// Whether `now` is worse than `before` beyond the tolerance (both with enough data).
fn degraded(kpi: &str, before: &Kpi, now: &Kpi) -> bool {
    let (Some(b), Some(n)) = (before.value, now.value) else {
        return false;
    };
    let worse_by = if HIGHER_IS_BETTER.contains(&kpi) {
        b - n
    } else {
        n - b
    };
    let tolerance = match now.unit {
        "seconds" => b * DURATION_RATIO,
        _ => PERCENT_POINTS,
    };
    worse_by > tolerance
}

/// The incidents the last weekly run left open; none before the first weekly run.
pub fn open(ws: &Workspace) -> Result<Vec<Incident>> {
    Ok(INCIDENTS
        .read(&ws.out_dir)?
        .map_or_else(Vec::new, |i| i.open))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::weekly::{KpiStatus as Status, SpanLabel};

    fn point(value: Option<f64>, unit: &'static str) -> Kpi {
        Kpi {
            value,
            numerator: 0,
            denominator: 0,
            unit,
            status: if value.is_some() {
                Status::Ok
            } else {
                Status::InsufficientData
            },
            minimum_sample: 3,
            note: None,
            ids: None,
            numerator_ids: None,
            ids_omitted: 0,
            numerator_ids_omitted: 0,
        }
    }

    #[test]
    fn advice_names_the_kpi_the_values_and_the_command() {
        let window = |end: &str| SpanLabel {
            start: String::new(),
            end: end.to_string(),
        };
        let incident = Incident {
            kpi: "ship_rate".into(),
            branch: Some("main".into()),
            unit: "percent".into(),
            windows: vec![window("a"), window("b"), window("c")],
            values: vec![100.0, 50.0, 0.0],
            opened_at: "c".into(),
            closed_at: None,
        };
        let places = Places {
            root: std::path::Path::new("/r"),
            out: std::path::Path::new("/r/build"),
            lanes: crate::repo::lanes::Lanes::of(std::path::Path::new("/r")),
        };
        let (title, action) = incident.advice(places);
        assert_eq!(
            title,
            "KPI incident: ship_rate degraded two windows in a row"
        );
        assert!(action.starts_with("ship_rate on `main` went 100.00 % → 50.00 % → 0.00 % over the weekly windows ending c;"), "{action}");
        assert!(action.contains("sdetkit ops weekly"));
    }

    #[test]
    fn tolerance_depends_on_unit_and_direction() {
        let p = |v| point(Some(v), "percent");
        assert!(degraded("ship_rate", &p(80.0), &p(74.0)));
        assert!(!degraded("ship_rate", &p(80.0), &p(75.0)));
        assert!(degraded("gate_fast_failure_rate", &p(10.0), &p(15.5)));
        assert!(!degraded("gate_fast_failure_rate", &p(15.5), &p(10.0)));
        let s = |v| point(Some(v), "seconds");
        assert!(degraded("mean_time_to_green", &s(1000.0), &s(1101.0)));
        assert!(!degraded("mean_time_to_green", &s(1000.0), &s(1100.0)));
        assert!(!degraded("ship_rate", &point(None, "percent"), &p(0.0)));
    }
}

//! The weekly HTML page: one self-contained page (inline CSS and SVG, no script, no
//! network) with the KPI cards, the 8-window trends drawn by `plotters`, the incidents, the
//! guidance and the latest decision.

use std::collections::BTreeMap;
use std::fmt::Write;

use plotters::prelude::*;

use crate::artifacts::Places;
use crate::artifacts::weekly::{Guidance, Incidents, Kpi, Scorecard, Trend};
use crate::kpi::scorecard::KPIS;
use crate::report::weekly_md;

/// Chart size in pixels.
const CHART: (u32, u32) = (380, 210);

/// Everything the page shows.
pub struct Page<'a> {
    /// The KPIs.
    pub scorecard: &'a Scorecard,
    /// The 8-window series.
    pub trend: &'a Trend,
    /// Open and closed incidents.
    pub incidents: &'a Incidents,
    /// Most-failing, slowest and flaky steps.
    pub guidance: &'a Guidance,
    /// The latest decision line (`SHIP on main`), when a daily run left one.
    pub decision: Option<String>,
    /// How artifacts are named on the page.
    pub places: Places<'a>,
    /// Run id → its CI run's URL, for the runs that recorded one.
    pub run_links: BTreeMap<String, String>,
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;background:#f6f8fa}\
h1{margin:0 0 4px}h2{margin:28px 0 10px}.muted{color:#57606a}\
.cards,.charts{display:flex;flex-wrap:wrap;gap:12px}\
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;width:200px}\
.card .name{font-size:13px;color:#57606a}.card .value{font-size:24px;font-weight:600;margin:6px 0}\
.card .sub{font-size:12px;color:#57606a}.chart{background:#fff;border:1px solid #d0d7de;border-radius:8px}\
.incident{border-left:4px solid #cf222e;background:#fff;padding:8px 12px;margin:6px 0}\
.decision{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600;background:#fff;border:1px solid #d0d7de}\
li{margin:4px 0}";

/// The page as HTML text.
pub fn render(page: &Page) -> String {
    let card = page.scorecard;
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sdetkit weekly report</title><style>{STYLE}</style></head><body>\n<h1>Weekly reliability report</h1><p class=\"muted\">As of {} (UTC windows). Generated {}.</p>\n",
        esc(&card.as_of),
        esc(&card.generated_at)
    );
    let decision = page
        .decision
        .as_deref()
        .unwrap_or("no daily run recorded yet");
    let _ = writeln!(
        out,
        "<h2>Latest decision</h2><p class=\"decision\">{}</p>",
        esc(decision)
    );
    out.push_str(&cards(card));
    out.push_str(&charts(page.trend));
    out.push_str(&incidents(page.incidents, page.places));
    out.push_str(&guidance(page.guidance, &page.run_links));
    out.push_str("</body></html>\n");
    out
}

/// Minimal HTML escaping for text and attribute values.
pub(crate) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One card per KPI: the 7-day value, the 30-day one below.
fn cards(card: &Scorecard) -> String {
    let mut out = String::from("<h2>KPIs (overall)</h2><div class=\"cards\">\n");
    let get = |window: &str, kpi: &str| card.overall.get(window).and_then(|s| s.kpis.get(kpi));
    for kpi in KPIS {
        let (Some(week), month) = (get("7d", kpi), get("30d", kpi)) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"name\">{}</div><div class=\"value\">{}</div><div class=\"sub\">7 days: {}</div><div class=\"sub\">30 days: {}</div></div>",
            label(kpi),
            esc(&headline(week)),
            esc(&weekly_md::cell(week)),
            esc(&month.map_or("—".into(), weekly_md::cell))
        );
    }
    out.push_str("</div>\n");
    out
}

/// A KPI's name for people.
pub(crate) fn label(kpi: &str) -> String {
    kpi.replace('_', " ")
}

/// The big number of a card.
pub(crate) fn headline(kpi: &Kpi) -> String {
    match kpi.value {
        Some(v) if kpi.unit == "seconds" => crate::clock::human_secs(v),
        Some(v) => format!("{v:.1} %"),
        None => "n/a".into(),
    }
}

/// The runs per week (bars) and one line chart per KPI.
fn charts(trend: &Trend) -> String {
    let labels: Vec<String> = trend
        .windows
        .iter()
        .map(|w| w.end.get(5..10).unwrap_or(&w.end).to_string())
        .collect();
    let mut out =
        String::from("<h2>Trends (last 8 weekly windows, overall)</h2><div class=\"charts\">\n");
    if let Some(ship) = trend.overall.get("ship_rate") {
        let runs: Vec<u64> = ship.iter().map(|k| k.denominator).collect();
        out.push_str(&svg_div(bar_chart("runs per week", &labels, &runs)));
    }
    for kpi in KPIS {
        if let Some(series) = trend.overall.get(kpi) {
            let values: Vec<Option<f64>> = series.iter().map(|k| k.value).collect();
            let unit = series.first().map_or("percent", |k| k.unit);
            out.push_str(&svg_div(line_chart(&label(kpi), unit, &labels, &values)));
        }
    }
    out.push_str("</div>\n");
    out
}

fn svg_div(svg: String) -> String {
    format!("<div class=\"chart\">{svg}</div>\n")
}

/// A line chart with a gap wherever a window lacks data. A drawing error leaves the chart
/// blank rather than failing the report.
fn line_chart(title: &str, unit: &str, labels: &[String], values: &[Option<f64>]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART).into_drawing_area();
        let _ = draw_line(&root, title, unit, labels, values);
        let _ = root.present();
    }
    svg
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw_line(
    root: &Area,
    title: &str,
    unit: &str,
    labels: &[String],
    values: &[Option<f64>],
) -> DrawResult {
    root.fill(&WHITE)?;
    let top = match unit {
        "percent" => 100.0,
        _ => values.iter().flatten().fold(1.0_f64, |a, b| a.max(*b)) * 1.15,
    };
    let last = labels.len().saturating_sub(1) as f64;
    let unit_label = if unit == "percent" { "%" } else { "s" };
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{title} ({unit_label})"), ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(22)
        .y_label_area_size(46)
        .build_cartesian_2d(-0.3..last + 0.3, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(labels.len())
        .x_label_formatter(&|x| axis_label(labels, *x))
        .y_labels(5)
        .y_label_formatter(&|y| compact(*y, unit))
        .label_style(("sans-serif", 11))
        .draw()?;
    for segment in segments(values) {
        chart.draw_series(LineSeries::new(segment, BLUE.stroke_width(2)))?;
    }
    let points = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| Circle::new((i as f64, v), 3, BLUE.filled())));
    chart.draw_series(points)?;
    Ok(())
}

/// The label of window `x` on the axis (integers only).
fn axis_label(labels: &[String], x: f64) -> String {
    let near = x.round();
    if (x - near).abs() > 0.01 || near < 0.0 {
        return String::new();
    }
    labels.get(near as usize).cloned().unwrap_or_default()
}

/// A y-axis value, short.
fn compact(y: f64, unit: &str) -> String {
    match unit {
        "percent" => format!("{y:.0}"),
        _ if y >= 3600.0 => format!("{:.1}h", y / 3600.0),
        _ => format!("{y:.0}"),
    }
}

/// The runs of consecutive windows that have a value, as chart points.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => out.last_mut().map_or((), |s| s.push((i as f64, *v))),
            None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// A bar chart of counts per window.
fn bar_chart(title: &str, labels: &[String], counts: &[u64]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART).into_drawing_area();
        let _ = draw_bars(&root, title, labels, counts);
        let _ = root.present();
    }
    svg
}

fn draw_bars(root: &Area, title: &str, labels: &[String], counts: &[u64]) -> DrawResult {
    root.fill(&WHITE)?;
    let top = counts.iter().copied().max().unwrap_or(0).max(1) + 1;
    let n = counts.len().max(1) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(22)
        .y_label_area_size(46)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u64..top)?;
    chart
        .configure_mesh()
        .x_labels(labels.len())
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_labels(5)
        .label_style(("sans-serif", 11))
        .draw()?;
    let bars = counts.iter().enumerate().map(|(i, c)| (i as u32, *c));
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(BLUE.mix(0.5).filled())
            .margin(6)
            .data(bars),
    )?;
    Ok(())
}

fn incidents(incidents: &Incidents, places: Places) -> String {
    let mut out = String::from("<h2>KPI incidents</h2>\n");
    if incidents.open.is_empty() {
        out.push_str("<p>No KPI degraded two windows in a row.</p>\n");
    }
    for i in &incidents.open {
        let (title, action) = i.advice(places);
        let _ = writeln!(
            out,
            "<div class=\"incident\"><strong>{}</strong><br>{}</div>",
            esc(&title),
            esc(&action)
        );
    }
    out
}

/// The guidance: each entry's action, and the runs behind it, each a link to its CI run
/// when the run recorded one (the last few; the JSON has them all).
fn guidance(g: &Guidance, links: &BTreeMap<String, String>) -> String {
    const SHOWN: usize = 6;
    let mut out = String::from("<h2>Guidance</h2>\n");
    for (title, entries) in g.entries() {
        let _ = write!(out, "<h3>{title}</h3>");
        if entries.is_empty() {
            out.push_str("<p class=\"muted\">None this week.</p>\n");
            continue;
        }
        out.push_str("<ul>");
        for (action, runs) in entries {
            let _ = write!(out, "<li>{}", inline_code(action));
            if !runs.is_empty() {
                let shown: Vec<String> = runs[runs.len().saturating_sub(SHOWN)..]
                    .iter()
                    .map(|id| match links.get(*id) {
                        Some(url) => {
                            format!("<a href=\"{}\"><code>{}</code></a>", esc(url), esc(id))
                        }
                        None => format!("<code>{}</code>", esc(id)),
                    })
                    .collect();
                let more = match runs.len() > SHOWN {
                    true => format!(" and {} earlier", runs.len() - SHOWN),
                    false => String::new(),
                };
                let _ = write!(
                    out,
                    "<br><span class=\"muted\">runs: {}{more}</span>",
                    shown.join(", ")
                );
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
    }
    out
}

/// Text whose `code` spans (Markdown backticks) become `<code>`, escaped: no Markdown
/// syntax shows on the page.
fn inline_code(text: &str) -> String {
    esc(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => format!("<code>{part}</code>"),
            _ => part.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line() {
        let v = [None, Some(1.0), Some(2.0), None, None, Some(3.0)];
        assert_eq!(
            segments(&v),
            vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(5.0, 3.0)]]
        );
        assert_eq!(
            esc("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(axis_label(&["a".into(), "b".into()], 1.0), "b");
        assert_eq!(axis_label(&["a".into()], 0.5), "");
    }
}

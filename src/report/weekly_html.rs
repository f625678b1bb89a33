//! The weekly HTML page: one self-contained page (inline CSS and SVG, no script, no
//! network) with the KPI cards, the 8-window trends drawn by `plotters`, the incidents, the
//! guidance and the latest decision.

use std::collections::BTreeMap;
use std::fmt::Write;

use plotters::prelude::*;

use crate::artifacts::Places;
use crate::artifacts::weekly::{Band, Guidance, Incidents, Kpi, Scorecard, Trend};
use crate::kpi::scorecard::KPIS;
use crate::report::weekly_md::{self, label};

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
    /// The SHIP rate the threshold profile asks for, in percent (`[thresholds.default]
    /// min_ship_rate`): the target line of the ship-rate chart and card.
    pub ship_rate_target: f64,
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;background:#f6f8fa}\
h1{margin:0 0 4px}h2{margin:28px 0 10px}.muted{color:#57606a}\
.cards,.charts{display:flex;flex-wrap:wrap;gap:12px}\
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;width:200px}\
.card .name{font-size:13px;color:#57606a}.card .value{font-size:24px;font-weight:600;margin:6px 0}\
.card .sub{font-size:12px;color:#57606a}.chart{background:#fff;border:1px solid #d0d7de;border-radius:8px}\
.incident{border-left:4px solid #cf222e;background:#fff;padding:8px 12px;margin:6px 0}\
.decision{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600;background:#fff;border:1px solid #d0d7de}\
li{margin:4px 0}main{max-width:1240px}\
table{border-collapse:collapse;background:#fff;margin:4px 0 12px;font-size:14px}\
th,td{border:1px solid #d0d7de;padding:5px 9px;text-align:left;vertical-align:top}th{background:#f0f3f6}\
td.num{text-align:right;font-variant-numeric:tabular-nums}.target{color:#1a7f37}\
@media print{body{background:#fff;margin:0}.card,.chart,.incident,table{break-inside:avoid}a{color:inherit}}";

/// The page as HTML text.
pub fn render(page: &Page) -> String {
    let card = page.scorecard;
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sdetkit weekly report</title><style>{STYLE}</style></head><body>\n<main><h1>Weekly reliability report</h1><p class=\"muted\">As of {} (UTC windows). Generated {}.</p>\n",
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
    out.push_str(&cards(card, page.ship_rate_target));
    out.push_str(&dora_cards(&card.dora));
    out.push_str(&charts(page.trend, page.incidents, page.ship_rate_target));
    out.push_str(&incidents(page.incidents, page.guidance, page.places));
    out.push_str(&guidance(page.guidance, &page.run_links));
    out.push_str("</main></body></html>\n");
    out
}

/// Minimal HTML escaping for text and attribute values.
pub(crate) fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One card per KPI: the 7-day value, the 30-day one below, and the target where the
/// threshold profile sets one.
fn cards(card: &Scorecard, ship_rate_target: f64) -> String {
    let mut out = String::from("<h2>KPIs (overall)</h2><div class=\"cards\">\n");
    let get = |window: &str, kpi: &str| card.overall.get(window).and_then(|s| s.kpis.get(kpi));
    for kpi in KPIS {
        let (Some(week), month) = (get("7d", kpi), get("30d", kpi)) else {
            continue;
        };
        let target = match kpi {
            "ship_rate" => {
                format!("<div class=\"sub target\">target: at least {ship_rate_target:.0} %</div>")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"name\">{}</div><div class=\"value\">{}</div><div class=\"sub\">7 days: {}</div><div class=\"sub\">30 days: {}</div>{target}</div>",
            label(kpi),
            esc(&headline(week)),
            esc(&weekly_md::cell(week)),
            esc(&month.map_or("—".into(), weekly_md::cell))
        );
    }
    out.push_str("</div>\n");
    out
}

/// A card per DORA key: its value and band.
fn dora_cards(d: &crate::artifacts::weekly::Dora) -> String {
    let mut out = format!(
        "<h2>Delivery (DORA keys, last {} days)</h2><div class=\"cards\">\n",
        d.window_days
    );
    for (name, key) in weekly_md::dora_keys(d) {
        let band = key.band.map_or("no band", Band::name);
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"name\">{name}</div><div class=\"value\">{band}</div><div class=\"sub\">{}</div></div>",
            esc(&weekly_md::dora_value(key))
        );
    }
    out.push_str("</div>\n");
    out
}

/// The big number of a card.
pub(crate) fn headline(kpi: &Kpi) -> String {
    match kpi.value {
        Some(v) if kpi.unit == "seconds" => crate::clock::human_secs(v),
        Some(v) => format!("{v:.1} %"),
        None => "n/a".into(),
    }
}

/// The runs per week (bars) and one line chart per KPI, with the ship-rate target and the
/// windows of an open overall incident marked on its series.
fn charts(trend: &Trend, incidents: &Incidents, ship_rate_target: f64) -> String {
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
            let line = Line {
                title: label(kpi),
                unit: series.first().map_or("percent", |k| k.unit),
                values: series.iter().map(|k| k.value).collect(),
                target: (kpi == "ship_rate").then_some(ship_rate_target),
                incident: incident_windows(trend, incidents, kpi),
            };
            out.push_str(&svg_div(line_chart(&line, &labels)));
        }
    }
    out.push_str("</div>\n");
    out
}

/// One KPI's chart.
struct Line {
    title: String,
    unit: &'static str,
    /// One value per window; `None` where the window lacks data.
    values: Vec<Option<f64>>,
    /// A horizontal target line.
    target: Option<f64>,
    /// The windows of an open overall incident on this KPI.
    incident: Vec<usize>,
}

/// The indices (in the trend's windows) of the open overall incident on `kpi`.
fn incident_windows(trend: &Trend, incidents: &Incidents, kpi: &str) -> Vec<usize> {
    incidents
        .open
        .iter()
        .filter(|i| i.kpi == kpi && i.branch.is_none())
        .flat_map(|i| &i.windows)
        .filter_map(|w| trend.windows.iter().position(|t| t.end == w.end))
        .collect()
}

fn svg_div(svg: String) -> String {
    format!("<div class=\"chart\">{svg}</div>\n")
}

/// A line chart with a gap wherever a window lacks data, "no data" when no window has any.
/// A drawing error leaves the chart blank rather than failing the report.
fn line_chart(line: &Line, labels: &[String]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART).into_drawing_area();
        let _ = draw_line(&root, line, labels);
        let _ = root.present();
    }
    svg
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

const INCIDENT: RGBColor = RGBColor(207, 34, 46);
const TARGET: RGBColor = RGBColor(26, 127, 55);

fn draw_line(root: &Area, line: &Line, labels: &[String]) -> DrawResult {
    root.fill(&WHITE)?;
    let values = &line.values;
    let top = match line.unit {
        "percent" => 100.0,
        _ => values.iter().flatten().fold(1.0_f64, |a, b| a.max(*b)) * 1.15,
    };
    let last = labels.len().saturating_sub(1) as f64;
    let unit_label = if line.unit == "percent" { "%" } else { "s" };
    let mut caption = format!("{} ({unit_label})", line.title);
    if !line.incident.is_empty() {
        caption.push_str(" · incident");
    }
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(22)
        .y_label_area_size(46)
        .build_cartesian_2d(-0.3..last + 0.3, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(labels.len())
        .x_label_formatter(&|x| axis_label(labels, *x))
        .y_labels(5)
        .y_label_formatter(&|y| compact(*y, line.unit))
        .label_style(("sans-serif", 11))
        .draw()?;
    if let Some(target) = line.target {
        let ends = [(-0.3, target), (last + 0.3, target)];
        chart.draw_series(DashedLineSeries::new(ends, 6, 4, TARGET.stroke_width(1)))?;
        let text = format!("target {target:.0}");
        chart.draw_series(std::iter::once(Text::new(
            text,
            // Just above the line, at the left end, where the newest windows are not.
            (-0.2, target + top * 0.09),
            ("sans-serif", 11).into_font().color(&TARGET),
        )))?;
    }
    if values.iter().all(Option::is_none) {
        let middle = (last / 2.0 - 0.6, top / 2.0);
        let style = ("sans-serif", 14).into_font().color(&RGBColor(87, 96, 106));
        chart.draw_series(std::iter::once(Text::new("no data", middle, style)))?;
        return Ok(());
    }
    for segment in segments(values) {
        chart.draw_series(LineSeries::new(segment, BLUE.stroke_width(2)))?;
    }
    let points = values.iter().enumerate().filter_map(|(i, v)| {
        let color = if line.incident.contains(&i) {
            INCIDENT
        } else {
            BLUE
        };
        v.map(|v| Circle::new((i as f64, v), 3, color.filled()))
    });
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
    // Bars drawn one by one in window order: plotters' Histogram sums its data in a hash
    // map and so draws them in a different order on every run, and the page must be the
    // same bytes for the same history.
    let bars = counts.iter().enumerate().map(|(i, count)| {
        let i = i as u32;
        let end = match i + 1 {
            next if next < n => SegmentValue::Exact(next),
            _ => SegmentValue::Last,
        };
        let mut bar = Rectangle::new(
            [(SegmentValue::Exact(i), 0), (end, *count)],
            BLUE.mix(0.5).filled(),
        );
        bar.set_margin(0, 0, 6, 6);
        bar
    });
    chart.draw_series(bars)?;
    Ok(())
}

/// The open incidents grouped by KPI: the advice once, every scope it holds on, and the step
/// behind it.
fn incidents(incidents: &Incidents, guidance: &Guidance, places: Places) -> String {
    let mut out = String::from("<h2>KPI incidents</h2>\n");
    if incidents.open.is_empty() {
        out.push_str("<p>No KPI degraded two windows in a row.</p>\n");
    }
    let mut by_kpi: BTreeMap<&str, Vec<&crate::artifacts::weekly::Incident>> = BTreeMap::new();
    for i in &incidents.open {
        by_kpi.entry(i.kpi.as_str()).or_default().push(i);
    }
    for (kpi, group) in by_kpi {
        let (title, action) = group[0].advice(places);
        let _ = write!(
            out,
            "<div class=\"incident\"><strong>{}</strong><br>{}",
            inline_code(&title),
            inline_code(&action)
        );
        if group.len() > 1 {
            let scopes: Vec<String> = group[1..].iter().map(|i| inline_code(&i.scope())).collect();
            let _ = write!(
                out,
                "<br><span class=\"muted\">also: {}</span>",
                scopes.join("; ")
            );
        }
        if let Some(step) = guidance.behind(kpi) {
            let _ = write!(
                out,
                "<br>step behind it: <code>{}</code>, failed {} of {} runs this week",
                esc(&step.step),
                step.failures,
                step.runs
            );
        }
        out.push_str("</div>\n");
    }
    out
}

/// The guidance as tables: the steps and tests that failed most, the slowest steps, the
/// flaky ones, each with the runs behind it, linked to their CI run when the run recorded
/// one (the last few; the JSON has them all).
fn guidance(g: &Guidance, links: &BTreeMap<String, String>) -> String {
    let runs = |ids: &[&str]| run_list(ids, links);
    let mut out = String::from("<h2>Guidance</h2>\n");
    let failing = |list: &[crate::artifacts::weekly::Failing], what: &str| {
        let rows = list.iter().map(|f| {
            let ids: Vec<&str> = f.ids.iter().map(String::as_str).collect();
            vec![
                format!("<code>{}</code>", esc(&f.step)),
                format!("{} of {}", f.failures, f.runs),
                runs(&ids),
                inline_code(&f.action),
            ]
        });
        table(&[what, "failed", "runs", "what to do"], rows)
    };
    let flaky = |list: &[crate::artifacts::weekly::Flaky], what: &str| {
        let rows = list.iter().map(|f| {
            vec![
                format!("<code>{}</code>", esc(&f.step)),
                f.occurrences.len().to_string(),
                runs(&f.runs()),
                inline_code(&f.action),
            ]
        });
        table(&[what, "failed then passed", "runs", "what to do"], rows)
    };
    let slowest = g.slowest.iter().map(|s| {
        vec![
            format!("<code>{}</code>", esc(&s.step)),
            crate::clock::human_ms(s.median_ms),
            crate::clock::human_ms(s.p90_ms),
            s.previous_median_ms
                .map_or("—".to_string(), crate::clock::human_ms),
            s.trend.to_string(),
        ]
    });
    let sections = [
        ("Most-failing steps", failing(&g.most_failing, "step")),
        ("Most-failing tests", failing(&g.failing_tests, "test")),
        (
            "Slowest steps",
            table(&["step", "median", "p90", "last week", "trend"], slowest),
        ),
        ("Flaky steps", flaky(&g.flaky, "step")),
        ("Flaky tests", flaky(&g.flaky_tests, "test")),
    ];
    for (title, body) in sections {
        let _ = write!(out, "<h3>{title}</h3>{body}");
    }
    out
}

/// A table, or "None this week." when there are no rows. Cells are HTML already.
fn table(head: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let body: String = rows
        .map(|cells| {
            let tds: String = cells
                .iter()
                .map(|c| {
                    let class = if c.chars().next().is_some_and(|ch| ch.is_ascii_digit()) {
                        " class=\"num\""
                    } else {
                        ""
                    };
                    format!("<td{class}>{c}</td>")
                })
                .collect();
            format!("<tr>{tds}</tr>")
        })
        .collect();
    if body.is_empty() {
        return "<p class=\"muted\">None this week.</p>\n".to_string();
    }
    let ths: String = head.iter().map(|h| format!("<th>{h}</th>")).collect();
    format!("<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>\n")
}

/// The last few run ids, each linked to its CI run when it recorded one.
fn run_list(ids: &[&str], links: &BTreeMap<String, String>) -> String {
    const SHOWN: usize = 6;
    let shown: Vec<String> = ids[ids.len().saturating_sub(SHOWN)..]
        .iter()
        .map(|id| match links.get(*id) {
            Some(url) => format!("<a href=\"{}\"><code>{}</code></a>", esc(url), esc(id)),
            None => format!("<code>{}</code>", esc(id)),
        })
        .collect();
    match ids.len() > SHOWN {
        true => format!("{} and {} earlier", shown.join(", "), ids.len() - SHOWN),
        false => shown.join(", "),
    }
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

    #[test]
    fn a_series_without_any_value_says_no_data_and_targets_are_drawn() {
        let labels: Vec<String> = (1..=8).map(|i| format!("w{i}")).collect();
        let line = |values: Vec<Option<f64>>, target| Line {
            title: "k".into(),
            unit: "percent",
            values,
            target,
            incident: vec![],
        };
        let empty = line_chart(&line(vec![None; 8], None), &labels);
        assert!(empty.contains("no data"), "{empty}");
        let full = line_chart(&line(vec![Some(50.0); 8], Some(60.0)), &labels);
        assert!(
            full.contains("target 60") && !full.contains("no data"),
            "{full}"
        );
    }
}

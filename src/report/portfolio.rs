//! The portfolio for people: a text summary, Markdown (a table per repository, as the
//! weekly scorecard), and one self-contained HTML page.

use std::fmt::Write;

use crate::artifacts::portfolio::{Failing, Flaky, Portfolio, Slow};
use crate::clock::human_ms;
use crate::kpi::scorecard::KPIS;
use crate::report::weekly_html::{STYLE, esc, headline};
use crate::report::weekly_md;
use crate::report::weekly_md::label;

/// A few lines per repository: runs and ship rate over 7 and 30 days, and what fails most.
pub fn text(p: &Portfolio, dir: &str) -> String {
    let mut out = format!(
        "portfolio: {}, as of {}\n",
        repositories(p.repositories.len()),
        p.as_of
    );
    let line = |name: &str,
                sets: &std::collections::BTreeMap<
        &'static str,
        crate::artifacts::weekly::KpiSet,
    >| {
        let cell = |w: &str| {
            sets.get(w).map_or("—".to_string(), |s| {
                format!(
                    "{} runs, ship {}",
                    s.runs,
                    s.kpis.get("ship_rate").map_or("—".into(), headline)
                )
            })
        };
        format!("  {name}: 7d {} · 30d {}\n", cell("7d"), cell("30d"))
    };
    out.push_str(&line("all", &p.overall));
    for (repo, card) in &p.repositories {
        out.push_str(&line(repo, &card.windows));
    }
    if let Some(top) = p.most_failing.first() {
        let _ = writeln!(
            out,
            "most failing: {} `{}` ({} of {} runs this week)",
            top.repo, top.step, top.failures, top.runs
        );
    }
    let _ = writeln!(out, "report: {dir}/index.html");
    out
}

fn repositories(n: usize) -> String {
    match n {
        1 => "1 repository".to_string(),
        n => format!("{n} repositories"),
    }
}

/// The portfolio in Markdown.
pub fn md(p: &Portfolio) -> String {
    let mut out = format!(
        "# Portfolio\n\nAs of {} (UTC windows ending then), {}.\n\n",
        p.as_of,
        repositories(p.repositories.len())
    );
    out.push_str(&weekly_md::table("All repositories", &p.overall));
    for (repo, card) in &p.repositories {
        out.push_str(&weekly_md::table(&format!("`{repo}`"), &card.windows));
    }
    out.push_str(&lists_md(p));
    out.push_str("## Not in the shared store\n\n");
    for why in &p.not_in_store {
        let _ = writeln!(out, "- {why}");
    }
    out
}

fn lists_md(p: &Portfolio) -> String {
    let mut out = String::new();
    for (title, entries) in sections(p) {
        let _ = write!(out, "## {title}\n\n");
        if entries.is_empty() {
            out.push_str("None.\n");
        }
        for e in entries {
            let _ = writeln!(out, "- {e}");
        }
        out.push('\n');
    }
    out
}

/// The portfolio-wide lists as `(title, lines)`.
fn sections(p: &Portfolio) -> [(&'static str, Vec<String>); 5] {
    let failing = |list: &[Failing]| {
        list.iter()
            .map(|f| {
                format!(
                    "{} `{}`: failed {} of {} runs this week",
                    f.repo, f.step, f.failures, f.runs
                )
            })
            .collect()
    };
    let flaky = |list: &[Flaky]| {
        list.iter()
            .map(|f| {
                format!(
                    "{} `{}`: failed then passed on the same inputs {} time(s)",
                    f.repo, f.step, f.pairs
                )
            })
            .collect()
    };
    let slow = |list: &[Slow]| {
        list.iter()
            .map(|s| {
                format!(
                    "{} `{}`: {} median, {} p90 over {} runs ({})",
                    s.repo,
                    s.step,
                    human_ms(s.median_ms),
                    human_ms(s.p90_ms),
                    s.samples,
                    s.trend
                )
            })
            .collect()
    };
    [
        ("Most-failing steps", failing(&p.most_failing)),
        ("Slowest steps", slow(&p.slowest)),
        ("Flaky steps", flaky(&p.flaky)),
        ("Most-failing tests", failing(&p.failing_tests)),
        ("Flaky tests", flaky(&p.flaky_tests)),
    ]
}

/// The portfolio as one HTML page: the overall cards, a row per repository, the lists.
pub fn html(p: &Portfolio) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sdetkit portfolio</title><style>{STYLE}table{{border-collapse:collapse;background:#fff}}td,th{{border:1px solid #d0d7de;padding:4px 8px;text-align:left}}</style></head><body>\n<h1>Portfolio</h1><p class=\"muted\">As of {} (UTC windows), {}. Generated {}.</p>\n",
        esc(&p.as_of),
        repositories(p.repositories.len()),
        esc(&p.generated_at)
    );
    out.push_str("<h2>All repositories (7 days)</h2><div class=\"cards\">\n");
    if let Some(week) = p.overall.get("7d") {
        for (name, kpi) in KPIS.iter().filter_map(|k| week.kpis.get(k).map(|v| (k, v))) {
            let _ = writeln!(
                out,
                "<div class=\"card\"><div class=\"name\">{}</div><div class=\"value\">{}</div><div class=\"sub\">{}</div></div>",
                label(name),
                esc(&headline(kpi)),
                esc(&weekly_md::cell(kpi))
            );
        }
    }
    out.push_str("</div>\n<h2>Repositories</h2><table><tr><th>repository</th><th>runs 7d</th>");
    for kpi in &KPIS[..5] {
        let _ = write!(out, "<th>{} 7d</th>", label(kpi));
    }
    out.push_str("<th>runs 30d</th><th>ship rate 30d</th></tr>\n");
    for (repo, card) in &p.repositories {
        let week = card.windows.get("7d");
        let month = card.windows.get("30d");
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            esc(repo),
            week.map_or(0, |s| s.runs)
        );
        for kpi in &KPIS[..5] {
            let cell = week
                .and_then(|s| s.kpis.get(kpi))
                .map_or("—".into(), headline);
            let _ = write!(out, "<td>{}</td>", esc(&cell));
        }
        let ship = month
            .and_then(|s| s.kpis.get("ship_rate"))
            .map_or("—".into(), headline);
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td></tr>",
            month.map_or(0, |s| s.runs),
            esc(&ship)
        );
    }
    out.push_str("</table>\n");
    for (title, entries) in sections(p) {
        let _ = write!(out, "<h2>{title}</h2>");
        if entries.is_empty() {
            out.push_str("<p class=\"muted\">None.</p>\n");
            continue;
        }
        out.push_str("<ul>");
        for e in entries {
            let _ = write!(out, "<li>{}</li>", esc(&e));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Not in the shared store</h2><ul>");
    for why in &p.not_in_store {
        let _ = write!(out, "<li>{}</li>", esc(why));
    }
    out.push_str("</ul></body></html>\n");
    out
}

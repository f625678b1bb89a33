//! `portfolio`: the weekly KPIs of every repository in the PostgreSQL store, computed in the
//! database, written as `ops/portfolio/portfolio.json`, `.md` and `index.html`.

use jiff::Timestamp;

use crate::artifacts::portfolio::{PORTFOLIO, PORTFOLIO_HTML, PORTFOLIO_MD, Portfolio};
use crate::config::Config;
use crate::error::Result;
use crate::kpi::portfolio::Windows;
use crate::report;
use crate::store::postgres::{Database, portfolio};
use crate::workspace::Workspace;

/// A computed portfolio and the SQL it took.
pub struct PortfolioRun {
    /// The portfolio.
    pub portfolio: Portfolio,
    /// The statements run, in order.
    pub sql: Vec<String>,
}

/// Computes the portfolio at `as_of` and writes its artifacts; `Ok(Err(why))` when the
/// database cannot be reached.
pub fn run(
    ws: &Workspace,
    config: &Config,
    as_of: Timestamp,
) -> Result<std::result::Result<PortfolioRun, String>> {
    let mut db = match Database::connect(&config.history.url_env) {
        Ok(db) => db,
        Err(why) => return Ok(Err(why)),
    };
    let windows = Windows::ending(as_of);
    let counts = match portfolio::counts(db.client(), &windows.bounds()) {
        Ok(counts) => counts,
        Err(why) => return Ok(Err(why)),
    };
    let generated_at = crate::clock::iso(crate::clock::now());
    let built = Portfolio::new(&counts, &windows, as_of, generated_at);
    let out = &ws.out_dir;
    crate::artifacts::write_all(&[
        PORTFOLIO.entry(out, &built),
        PORTFOLIO_MD.entry(out, report::portfolio::md(&built)),
        PORTFOLIO_HTML.entry(out, report::portfolio::html(&built)),
    ])?;
    Ok(Ok(PortfolioRun {
        portfolio: built,
        sql: counts.sql,
    }))
}

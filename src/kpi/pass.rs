//! The one pass over the event log. Rows older than the trend horizon are only read far
//! enough to advance the red-streak state (so a streak that opened months ago still has its
//! true start); rows inside it are counted into the KPI tally and the guidance's, then
//! dropped, so memory is bounded by windows, branches and failures, not by runs. Both tallies
//! need the horizon's runs in time order: that is the log's order (rows are appended as they
//! happen and a pulled history is merged in place by time), and a log found out of order
//! (a clock set back, a hand edit) is read a second time with the horizon's runs held and
//! sorted, for the same results. Parsing the rows is most of the work, so one thread parses
//! them (in batches, in log order) while the calling thread counts.
//!
//! The rows before the horizon only move the streaks, and the horizon only moves forward, so a
//! pass in log order leaves a [`Prefix`]: the streak state where the rows that any later
//! horizon would still pass over end. The next pass starts there instead of at the top of the
//! log (a mark sealed like the learning checkpoint's: a rewritten, truncated or replaced log,
//! or an earlier `as_of`, means a full read), so its cost is the last 8 weeks, not the history.

use std::cell::Cell;
use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::guidance::GuidanceTally;
use super::streaks::{Step, Streaks};
use super::tally::Tally;
use super::window::{self, Span};
use crate::artifacts::eventlog::{EventLog, Row};
use crate::artifacts::evidence::VERIFIED;
use crate::artifacts::jsonl::{Checkpoint, Here, Mark};
use crate::error::Result;
use crate::history::run::Run;
use crate::history::window::Window;

/// What the pass gathered.
#[derive(Debug)]
pub struct Pass {
    /// The KPI counts of the horizon.
    pub tally: Tally,
    /// What the guidance reads of the horizon's runs.
    pub guidance: GuidanceTally,
    /// Red-streak state up to `as_of`.
    pub streaks: Streaks,
    /// Rows skipped as unreadable.
    pub corrupt_rows: u64,
    /// Where the next pass can start, and the state there (`None` after a log out of order).
    pub next: Option<Checkpoint<Prefix>>,
}

/// What the rows before a mark left: rows every later horizon passes over, since they are
/// older than `cutoff`, the oldest time the horizon of the pass that kept them reached back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefix {
    /// Corrupt rows before the mark.
    pub corrupt: u64,
    /// Every readable row before the mark was captured before this.
    pub cutoff: Timestamp,
    /// The red streaks after those rows.
    pub streaks: Streaks,
}

/// How the horizon's runs reach the tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// As written, until one is older than the run before it.
    Log,
    /// Held, then sorted by time (stable, so equal times keep the log's order).
    Sorted,
}

/// The pass in progress.
struct Reading<'a> {
    pass: Pass,
    verified: &'a HashSet<String>,
    order: Order,
    /// The time of the last run fed, and how many were fed.
    last: Option<Timestamp>,
    fed: u64,
    held: Vec<Run>,
    out_of_order: bool,
    /// What the pass resumes from, and the corrupt rows before it once it did.
    saved: Option<&'a Prefix>,
    base_corrupt: u64,
    judge: &'a Judge,
}

impl Pass {
    /// Streams `log` once (twice when it is out of order), for the horizon ending at `as_of`;
    /// `verified` holds the runs with a verified evidence pack.
    pub fn read(log: &EventLog, as_of: Timestamp, verified: &HashSet<String>) -> Result<Pass> {
        Pass::resume(log, as_of, verified, None)
    }

    /// [`Pass::read`], starting where `saved` says when it fits the log and this horizon, with
    /// the same results as a read from the top.
    pub fn resume(
        log: &EventLog,
        as_of: Timestamp,
        verified: &HashSet<String>,
        saved: Option<&Checkpoint<Prefix>>,
    ) -> Result<Pass> {
        let judge = Judge::new(as_of);
        let saved = saved.filter(|c| c.tally.cutoff <= judge.prefilter.cutoff());
        match Reading::run(log, &judge, verified, Order::Log, saved)? {
            Some(pass) => Ok(pass),
            None => Ok(Reading::run(log, &judge, verified, Order::Sorted, None)?
                .expect("a sorted pass is never out of order")),
        }
    }
}

/// A row as the pass uses it, owned: it is made on the parsing thread.
enum Seen {
    /// A run of the horizon.
    Run(Box<Run>),
    /// A row before the horizon: only its streak step.
    Before {
        at: Timestamp,
        branch: Option<String>,
        id: String,
        ship: bool,
    },
    /// A row after `as_of`, which no window holds.
    After,
    /// Whether the read starts at the saved prefix (the first thing the parser says).
    Start(bool),
    /// Where the rows a later horizon would pass over end (before the first row that passes
    /// the horizon's prefilter, else at the end of the log), and the corrupt rows before it
    /// among those read.
    Boundary(Mark, u64),
}

/// Rows parsed per hand-over between the parsing and the counting thread.
const BATCH: usize = 1024;

/// What the rows of the log are judged by.
struct Judge {
    horizon: Span,
    /// Second-granularity text prefilter: rows it lets through are parsed and judged exactly.
    prefilter: Window,
}

impl Judge {
    fn new(as_of: Timestamp) -> Judge {
        Judge {
            horizon: window::horizon(as_of),
            prefilter: Window::last_days(as_of, window::WEEK_DAYS * window::SERIES_LEN as i64),
        }
    }

    /// Whether `row` is one that every later horizon passes over: older than the prefilter's
    /// cutoff, or without a time at all (corrupt whatever the horizon).
    fn settled(&self, row: &Row) -> bool {
        let captured = row.head.captured_at.as_deref();
        captured.is_none_or(|c| !self.prefilter.contains(c))
    }

    /// What `row` is to the pass; only a row inside the horizon is parsed in full.
    fn judge(&self, row: &Row) -> Result<Seen, String> {
        let head = &row.head;
        let captured = head.captured_at.as_deref().ok_or("no captured_at")?;
        if self.prefilter.contains(captured) {
            let run = Run::of(row.full()?)?;
            if self.horizon.contains(run.at) {
                return Ok(Seen::Run(Box::new(run)));
            }
            if run.at > self.horizon.end {
                return Ok(Seen::After);
            }
        }
        let at = crate::clock::parse(captured).ok_or("unreadable captured_at")?;
        Ok(Seen::Before {
            at,
            branch: head.branch.as_deref().map(str::to_string),
            id: row
                .run_id()
                .map_or_else(|| captured.to_string(), |id| id.into_owned()),
            ship: head.ship(),
        })
    }
}

impl<'a> Reading<'a> {
    /// The pass in `order`; `None` when the log turned out not to be in time order.
    fn run(
        log: &EventLog,
        judge: &'a Judge,
        verified: &'a HashSet<String>,
        order: Order,
        saved: Option<&'a Checkpoint<Prefix>>,
    ) -> Result<Option<Pass>> {
        let as_of = judge.horizon.end;
        let mut reading = Reading {
            pass: Pass {
                tally: Tally::new(as_of),
                guidance: GuidanceTally::new(as_of),
                streaks: Streaks::default(),
                corrupt_rows: 0,
                next: None,
            },
            verified,
            order,
            last: None,
            fed: 0,
            held: Vec::new(),
            out_of_order: false,
            saved: saved.map(|c| &c.tally),
            base_corrupt: 0,
            judge,
        };
        // Parsing the rows is most of the work: one thread parses while this one counts.
        let (batches, parsed) = std::sync::mpsc::sync_channel::<Vec<Seen>>(8);
        let scanned = std::thread::scope(|s| {
            // The sender moves in: the counting loop ends when the parser is done.
            let parser = s.spawn(move || parse(log, judge, saved.map(|c| c.mark), batches));
            for batch in parsed {
                batch.into_iter().for_each(|seen| reading.take(seen));
                if reading.out_of_order {
                    break;
                }
            }
            parser.join().expect("the parsing thread does not panic")
        });
        reading.pass.corrupt_rows = reading.base_corrupt + scanned?;
        if reading.out_of_order {
            return Ok(None);
        }
        let mut held = std::mem::take(&mut reading.held);
        held.sort_by_key(|r| r.at);
        held.iter().for_each(|run| reading.feed(run));
        reading.pass.tally.finish();
        Ok(Some(reading.pass))
    }

    fn take(&mut self, seen: Seen) {
        if self.out_of_order {
            return;
        }
        match seen {
            Seen::Start(resumed) => {
                if let Some(saved) = self.saved.filter(|_| resumed) {
                    self.pass.streaks = saved.streaks.clone();
                    self.base_corrupt = saved.corrupt;
                }
            }
            // A sorted pass holds the horizon's runs, so it leaves no prefix to start from.
            Seen::Boundary(mark, corrupt) if self.order == Order::Log => {
                self.pass.next = Some(Checkpoint {
                    mark,
                    tally: Prefix {
                        corrupt: self.base_corrupt + corrupt,
                        cutoff: self.judge.prefilter.cutoff(),
                        streaks: self.pass.streaks.clone(),
                    },
                });
            }
            Seen::Boundary(..) => {}
            Seen::Run(run) => match self.order {
                Order::Sorted => self.held.push(*run),
                Order::Log => self.feed_in_order(&run),
            },
            Seen::Before { at, .. } if self.last.is_some_and(|last| at < last) => {
                self.out_of_order = true;
            }
            Seen::Before {
                at,
                branch,
                id,
                ship,
            } => {
                self.pass.streaks.observe(&Step {
                    branch: branch.as_deref(),
                    at,
                    id: &id,
                    ship,
                });
            }
            Seen::After => {}
        }
    }

    fn feed_in_order(&mut self, run: &Run) {
        if self.last.is_some_and(|last| run.at < last) {
            self.out_of_order = true;
        } else {
            self.feed(run);
        }
    }

    /// Counts one run of the horizon, in time order.
    fn feed(&mut self, run: &Run) {
        let seq = self.fed;
        let pass = &mut self.pass;
        let closed = pass.streaks.observe(&Step {
            branch: run.branch.as_deref(),
            at: run.at,
            id: &run.id,
            ship: run.ship,
        });
        let id: Rc<str> = run.id.as_str().into();
        for (branch, start) in closed {
            pass.tally
                .closed(branch.as_deref(), start, run.at, &id, seq);
        }
        // Without packs there is nothing to look up: skip hashing every id.
        let covered =
            run.has_run_id && !self.verified.is_empty() && self.verified.contains(&run.id);
        pass.tally.observe(run, &id, covered, seq);
        pass.guidance.observe(run);
        self.last = Some(run.at);
        self.fed += 1;
    }
}

/// The parsing side of a pass: judges the rows of `log` from `from` (when it fits) and sends
/// them in batches, led by whether it resumed and with the boundary of the rows a later
/// horizon passes over; returns the corrupt rows it read.
fn parse(
    log: &EventLog,
    judge: &Judge,
    from: Option<Mark>,
    batches: std::sync::mpsc::SyncSender<Vec<Seen>>,
) -> Result<u64> {
    let started = Cell::new(None);
    let mut batch = Vec::with_capacity(BATCH);
    let mut bounded = false;
    // Once the counting side has hung up (the log is out of order and will be read again),
    // the rest of the rows are not parsed for nothing.
    let mut counted = true;
    let scanned = log.scan_marked(
        from,
        |resumed| started.set(Some(resumed)),
        |here: &Here, row| {
            if let Some(resumed) = started.take() {
                batch.push(Seen::Start(resumed));
            }
            if !counted {
                return Ok(());
            }
            if !bounded && !judge.settled(row) {
                bounded = true;
                // Without a mark (the seal could not be read) the pass leaves no prefix.
                if let Ok(mark) = here.mark() {
                    batch.push(Seen::Boundary(mark, here.corrupt));
                }
            }
            batch.push(judge.judge(row)?);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                counted = batches.send(full).is_ok();
            }
            Ok(())
        },
    );
    if let Some(resumed) = started.take() {
        batch.push(Seen::Start(resumed));
    }
    if let (false, Ok(scanned)) = (bounded, &scanned) {
        batch.push(Seen::Boundary(scanned.end, scanned.corrupt));
    }
    let _ = batches.send(batch);
    scanned.map(|s| s.corrupt)
}

/// The run ids with a verified evidence pack, and the rows skipped as unreadable.
pub fn verified_runs(out: &Path) -> Result<(HashSet<String>, u64)> {
    let mut ids = HashSet::new();
    let corrupt = VERIFIED.scan(out, |row| {
        ids.insert(row.run_id);
        Ok(())
    })?;
    Ok((ids, corrupt))
}

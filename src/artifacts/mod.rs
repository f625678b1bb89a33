//! Every file the tool writes or reads under the out-dir, in one place: its path, its Rust
//! type, its schema, its reader and its atomic writer. No other module builds an artifact's
//! path or parses an artifact's JSON; they hold a [`Doc`], a [`Page`] or a [`Log`] from here
//! and call it.
//!
//! The types are plain data: the modules that compute them (gates, history, KPIs, follow-up)
//! add their behaviour in `impl` blocks of their own. Every JSON document and row is written
//! with sorted keys (the event-log scanner relies on it) and atomically (a killed run leaves
//! the old file or the new one, never a torn one). No secret is written: JSON is redacted as
//! it becomes text ([`crate::json`]), pages here, step logs as they are captured.

pub mod cache;
pub mod ci;
pub mod eventlog;
pub mod evidence;
pub mod file;
pub mod followup;
pub mod jsonl;
pub mod learning;
pub mod nextest;
pub mod portfolio;
pub mod premerge;
pub mod proof;
pub mod releases;
pub mod weekly;

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::schemas::Schema;

pub use file::{
    Entry, Written, append_atomic, fresh_dir, make_dir, sweep, write_all, write_atomic,
    write_executable, write_under,
};

/// A JSON document at a fixed place under the out-dir, holding a `T`.
pub struct Doc<T> {
    /// Path under the out-dir, `/`-separated.
    pub rel: &'static str,
    /// The schema it must satisfy, when one is shipped.
    pub schema: Option<&'static Schema>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Doc<T> {
    /// The document at `rel`, validated by `schema` in contract health.
    pub const fn new(rel: &'static str, schema: Option<&'static Schema>) -> Self {
        Doc {
            rel,
            schema,
            _type: PhantomData,
        }
    }

    /// Its path under `out`.
    pub fn path(&self, out: &Path) -> PathBuf {
        out.join(self.rel)
    }

    /// Its file name, for messages.
    pub fn name(&self) -> &'static str {
        file_name(self.rel)
    }

    /// The raw JSON on disk, for schema validation; `Ok(None)` when there is none.
    pub fn read_value(&self, out: &Path) -> Result<Option<Value>> {
        file::read_json(&self.path(out))
    }

    /// The document's `generated_at`, when it exists and has one.
    pub fn stamp(&self, out: &Path) -> Result<Option<String>> {
        let stamp: Option<Stamp> = file::read_typed(&self.path(out))?;
        Ok(stamp.and_then(|s| s.generated_at))
    }
}

/// The one field of a document that says when it was written.
#[derive(serde::Deserialize)]
struct Stamp {
    #[serde(default)]
    generated_at: Option<String>,
}

impl<T: Serialize> Doc<T> {
    /// The pretty JSON (sorted keys, trailing newline, secrets redacted) of `value`;
    /// `stable` drops what differs between two runs of the same tree (`--stable-json`).
    fn text(&self, value: &T, stable: bool) -> String {
        let mut json = crate::json::to_value(value);
        if stable {
            crate::json::stabilize(&mut json);
        }
        crate::json::pretty(&json)
    }

    /// The document for [`write_all`], which writes several at once.
    pub fn entry(&self, out: &Path, value: &T) -> Entry {
        Entry::json(out, self.path(out), self.text(value, false))
    }

    /// The document on one line, for [`write_all`]: for files only this tool reads back
    /// (checkpoints), where layout is wasted bytes.
    pub fn compact_entry(&self, out: &Path, value: &T) -> Entry {
        Entry::json(
            out,
            self.path(out),
            crate::json::line(&crate::json::to_value(value)),
        )
    }

    /// Writes `value` atomically.
    pub fn write(&self, out: &Path, value: &T, stable: bool) -> Result<Written> {
        Written::under(out, self.path(out), self.text(value, stable).as_bytes())
    }
}

impl<T: DeserializeOwned> Doc<T> {
    /// Reads the document; `Ok(None)` when it does not exist, an [`Error::Artifact`] naming
    /// the file and line when it is not what this tool writes.
    pub fn read(&self, out: &Path) -> Result<Option<T>> {
        file::read_typed(&self.path(out))
    }
}

/// A text page (Markdown, HTML, plain log) at a fixed place under the out-dir.
pub struct Page {
    /// Path under the out-dir, `/`-separated.
    pub rel: &'static str,
}

impl Page {
    /// Its path under `out`.
    pub fn path(&self, out: &Path) -> PathBuf {
        out.join(self.rel)
    }

    /// The page for [`write_all`], secrets redacted.
    pub fn entry(&self, out: &Path, text: String) -> Entry {
        Entry::text(out, self.path(out), text)
    }

    /// Writes the page atomically, secrets redacted.
    pub fn write(&self, out: &Path, text: &str) -> Result<Written> {
        let text = crate::secrets::redactor().text(text);
        Written::under(out, self.path(out), text.as_bytes())
    }
}

/// An append-only JSONL history at a fixed place under the out-dir, one `R` per line.
pub struct Log<R> {
    /// Path under the out-dir, `/`-separated.
    pub rel: &'static str,
    /// The schema every row must satisfy.
    pub schema: &'static Schema,
    _row: PhantomData<fn() -> R>,
}

impl<R> Log<R> {
    /// The history at `rel` whose rows satisfy `schema`.
    pub const fn new(rel: &'static str, schema: &'static Schema) -> Self {
        Log {
            rel,
            schema,
            _row: PhantomData,
        }
    }

    /// Its path under `out`.
    pub fn path(&self, out: &Path) -> PathBuf {
        out.join(self.rel)
    }
}

impl<R: Serialize> Log<R> {
    /// Appends one row under the history's lock.
    pub fn append(&self, out: &Path, row: &R) -> Result<()> {
        jsonl::append(out, &self.path(out), &crate::json::to_value(row))
    }
}

impl<R: DeserializeOwned> Log<R> {
    /// Streams every readable row to `visit`, in file order; returns how many lines were
    /// skipped as corrupt (each reported on stderr), counting the rows `visit` rejects.
    pub fn scan(&self, out: &Path, mut visit: impl FnMut(R) -> Result<(), String>) -> Result<u64> {
        jsonl::scan(&self.path(out), |line| {
            visit(serde_json::from_str(line).map_err(|e| e.to_string())?)
        })
    }
}

/// One artifact the contract-health check validates.
pub struct Contract {
    /// Path under the out-dir.
    pub rel: &'static str,
    /// Its schema.
    pub schema: &'static Schema,
    /// The lane that writes it (`daily` or `weekly`).
    pub lane: &'static str,
    /// One JSON value per line.
    pub jsonl: bool,
    /// Whether its absence is a violation: the weekly lane's own documents, written just
    /// before the check. A daily artifact may legitimately be absent (no daily run yet,
    /// which freshness reports).
    pub required: bool,
}

impl Contract {
    const fn doc<T>(doc: &Doc<T>, lane: &'static str) -> Contract {
        let schema = match doc.schema {
            Some(s) => s,
            None => panic!("a contract document has a schema"),
        };
        Contract {
            rel: doc.rel,
            schema,
            lane,
            jsonl: false,
            required: matches!(lane.as_bytes(), b"weekly"),
        }
    }

    const fn log<R>(log: &Log<R>, lane: &'static str) -> Contract {
        Contract {
            rel: log.rel,
            schema: log.schema,
            lane,
            jsonl: true,
            required: false,
        }
    }
}

/// Every artifact of the daily and weekly lanes that has a schema, in lane order.
pub static CONTRACTS: [Contract; 19] = [
    Contract::doc(&proof::GATE_FAST, "daily"),
    Contract::doc(&proof::GATE_RELEASE, "daily"),
    Contract::doc(&proof::DOCTOR, "daily"),
    Contract::doc(&proof::SUMMARY, "daily"),
    Contract::log(&eventlog::LOG, "daily"),
    Contract::doc(&learning::ROLLUP, "daily"),
    Contract::doc(&learning::CONTROL_TOWER, "daily"),
    Contract::doc(&learning::TREND, "daily"),
    Contract::doc(&learning::THRESHOLD, "daily"),
    Contract::doc(&followup::FOLLOWUP, "daily"),
    Contract::log(&followup::HISTORY, "daily"),
    Contract::doc(&followup::CONTRACT_CHECK, "daily"),
    Contract::doc(&followup::HISTORY_ROLLUP, "daily"),
    Contract::doc(&weekly::SCORECARD, "weekly"),
    Contract::doc(&weekly::TREND, "weekly"),
    Contract::doc(&weekly::INCIDENTS, "weekly"),
    Contract::doc(&weekly::GUIDANCE, "weekly"),
    Contract::log(&weekly::HISTORY, "weekly"),
    Contract::log(&releases::LEDGER, "weekly"),
];

fn file_name(rel: &'static str) -> &'static str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Names things for people as this repository knows them: artifact paths relative to the
/// repository root (absolute when the out-dir lies elsewhere), and the lane commands it can
/// run, as every report and recommendation shows them.
#[derive(Debug, Clone, Copy)]
pub struct Places<'a> {
    /// The repository root.
    pub root: &'a Path,
    /// The out-dir.
    pub out: &'a Path,
    /// How the lanes are run here.
    pub lanes: crate::repo::lanes::Lanes,
}

impl Places<'_> {
    /// Where `doc` is, for people.
    pub fn doc<T>(&self, doc: &Doc<T>) -> String {
        self.show(&doc.path(self.out))
    }

    /// Where `page` is, for people.
    pub fn page(&self, page: &Page) -> String {
        self.show(&page.path(self.out))
    }

    /// The command that runs `lane` here.
    pub fn lane(&self, lane: crate::repo::lanes::Lane) -> String {
        self.lanes.command(lane)
    }

    /// `path`, relative to the root when inside it.
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }
}

/// `path` under `out` as the `/`-separated name an artifact or a pack uses for it.
pub fn rel_name(out: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(out).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The error for a file of ours that is not what we wrote.
pub(crate) fn corrupt(path: &Path, line: Option<u64>, problem: impl Into<String>) -> Error {
    Error::Artifact {
        path: path.to_path_buf(),
        line,
        problem: problem.into(),
    }
}

//! Where the history of runs lives beyond this machine (`[history] store`): nowhere
//! (`local`), on a git ref of the repository's remote (`git`), or in a PostgreSQL database
//! (`postgres`). The local event log is always written first and stays the source every lane
//! reads; a store only adds the rows other machines recorded (pull) and hands this machine's
//! rows on (push). A store that cannot be reached never fails a lane: the lane says so in one
//! line and goes on with its local history.

pub mod git;
pub mod postgres;

use std::collections::HashSet;
use std::thread::JoinHandle;

use serde::Serialize;

use crate::artifacts::eventlog::EventLog;
use crate::artifacts::eventlog::union::{self, Keyed};
use crate::config::{Config, HistoryOptions, StoreKind};
use crate::error::Result;
use crate::workspace::Workspace;
use git::{GitRef, Pushed};
use postgres::Database;

/// A store's answer: what it did, or why it could not (one line for the user).
pub type Answer<T> = std::result::Result<T, String>;

/// The configured store of a workspace.
pub struct Store {
    root: std::path::PathBuf,
    log: EventLog,
    options: HistoryOptions,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pulled {
    /// Rows the store holds.
    pub remote_rows: usize,
    /// Rows added to the local log.
    pub added: usize,
}

/// What a store and the local log hold, compared.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Status {
    /// `local`, `git` or `postgres`.
    pub store: &'static str,
    /// Where the store is (`origin refs/sdetkit/history`, the URL variable's name).
    pub place: String,
    /// Readable rows in the local log.
    pub local_rows: usize,
    /// Rows in the store (`None` for `local`).
    pub remote_rows: Option<usize>,
    /// Local rows the store lacks (a push would send them).
    pub to_push: Option<usize>,
    /// Store rows the local log lacks (a pull would bring them).
    pub to_pull: Option<usize>,
}

impl Store {
    /// The store `config` names for `ws`.
    pub fn of(ws: &Workspace, config: &Config) -> Store {
        Store {
            root: ws.root.clone(),
            log: EventLog::at(&ws.out_dir),
            options: config.history.clone(),
        }
    }

    /// Whether there is anything beyond the local log.
    pub fn is_local(&self) -> bool {
        self.options.store == StoreKind::Local
    }

    fn git(&self) -> GitRef<'_> {
        GitRef::new(&self.root, &self.options.remote, &self.options.git_ref)
    }

    /// The store's name and place, for messages.
    fn describe(&self) -> (&'static str, String) {
        match self.options.store {
            StoreKind::Local => ("local", self.log.path().display().to_string()),
            StoreKind::Git => (
                "git",
                format!("{} {}", self.options.remote, self.options.git_ref),
            ),
            StoreKind::Postgres => ("postgres", format!("${}", self.options.url_env)),
        }
    }

    /// Adds the store's rows the local log lacks. `Ok(Err(why))` when the store cannot be
    /// reached; `Err` only when the local log cannot be written.
    pub fn pull(&self) -> Result<Answer<Pulled>> {
        let (blobs, remote_rows) = match self.options.store {
            StoreKind::Local => {
                return Ok(Ok(Pulled {
                    remote_rows: 0,
                    added: 0,
                }));
            }
            StoreKind::Git => match self.git_rows() {
                Ok(blobs) => {
                    let count = blobs.iter().map(|b| union::canonical(b).len()).sum();
                    (blobs, count)
                }
                Err(why) => return Ok(Err(why)),
            },
            StoreKind::Postgres => match self.database_rows()? {
                Ok(found) => found,
                Err(why) => return Ok(Err(why)),
            },
        };
        let keyed: Vec<Keyed> = blobs.iter().flat_map(|b| union::canonical(b)).collect();
        let added = self.log.merge(&keyed)?;
        Ok(Ok(Pulled { remote_rows, added }))
    }

    /// The repository's identity in a shared store.
    fn repo_id(&self) -> Answer<String> {
        crate::repo::git::identity(&self.root).ok_or_else(|| {
            "no repository identity (no `origin` remote and no commit) to file runs under"
                .to_string()
        })
    }

    /// The database's rows of this repository that the local log lacks (as one JSONL text),
    /// and how many rows the database holds for it.
    fn database_rows(&self) -> Result<Answer<(Vec<Vec<u8>>, usize)>> {
        let local = self.log.bytes()?;
        let local: HashSet<String> = union::canonical(&local)
            .into_iter()
            .map(|k| k.key.into_owned())
            .collect();
        Ok((|| {
            let repo = self.repo_id()?;
            let mut db = Database::connect(&self.options.url_env)?;
            let keys = db.keys(&repo)?;
            let missing: Vec<String> = keys
                .iter()
                .filter(|k| !local.contains(*k))
                .cloned()
                .collect();
            let rows = db.rows(&repo, &missing)?;
            let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
            Ok((vec![text.into_bytes()], keys.len()))
        })())
    }

    /// Sends the local rows the database lacks; returns how many it added.
    fn push_to_database(&self, local: &[u8]) -> Answer<usize> {
        let rows = union::canonical(local);
        let repo = self.repo_id()?;
        let mut db = Database::connect(&self.options.url_env)?;
        let keys = db.keys(&repo)?;
        let missing: Vec<&Keyed> = rows
            .iter()
            .filter(|k| !keys.contains(k.key.as_ref()))
            .collect();
        db.insert(&repo, &missing)
    }

    /// The month files on the git ref.
    fn git_rows(&self) -> Answer<Vec<Vec<u8>>> {
        let git = self.git();
        let fetched = git.fetch().map_err(|u| u.0)?;
        let oids: Vec<&str> = fetched.shards.values().map(String::as_str).collect();
        git.read(&oids).map_err(|u| u.0)
    }

    /// Hands every local row the store lacks on to it.
    pub fn push(&self) -> Result<Answer<usize>> {
        let local = self.log.bytes()?;
        Ok(match self.options.store {
            StoreKind::Local => Ok(0),
            StoreKind::Git => match self.git().push(&local) {
                Ok(Pushed::UpToDate) => Ok(0),
                Ok(Pushed::Added { rows, .. }) => Ok(rows),
                Err(u) => Err(u.0),
            },
            StoreKind::Postgres => self.push_to_database(&local),
        })
    }

    /// Compares the store with the local log (fetching, never changing either).
    pub fn status(&self) -> Result<Answer<Status>> {
        let local = self.log.bytes()?;
        let local = union::canonical(&local);
        let (store, place) = self.describe();
        let mut status = Status {
            store,
            place,
            local_rows: local.len(),
            remote_rows: None,
            to_push: None,
            to_pull: None,
        };
        let remote: Answer<HashSet<String>> = match self.options.store {
            StoreKind::Local => return Ok(Ok(status)),
            StoreKind::Git => self.git_rows().map(|blobs| {
                blobs
                    .iter()
                    .flat_map(|b| union::canonical(b))
                    .map(|k| k.key.into_owned())
                    .collect()
            }),
            StoreKind::Postgres => self
                .repo_id()
                .and_then(|repo| Database::connect(&self.options.url_env)?.keys(&repo)),
        };
        let remote = match remote {
            Ok(keys) => keys,
            Err(why) => return Ok(Err(why)),
        };
        let local: HashSet<&str> = local.iter().map(|k| k.key.as_ref()).collect();
        status.remote_rows = Some(remote.len());
        status.to_push = Some(local.iter().filter(|k| !remote.contains(**k)).count());
        status.to_pull = Some(
            remote
                .iter()
                .filter(|k| !local.contains(k.as_str()))
                .count(),
        );
        Ok(Ok(status))
    }

    /// Starts a pull on a thread of its own, so a lane's gates run while it fetches.
    pub fn pull_in_background(self) -> Pending {
        if self.is_local() {
            return Pending {
                handle: None,
                store: Some(self),
            };
        }
        let handle = std::thread::spawn(move || {
            let answer = self.pull();
            (self, answer)
        });
        Pending {
            handle: Some(handle),
            store: None,
        }
    }
}

/// A pull started by [`Store::pull_in_background`].
pub struct Pending {
    handle: Option<JoinHandle<(Store, Result<Answer<Pulled>>)>>,
    store: Option<Store>,
}

impl Pending {
    /// Waits for the pull; warns (one line) when the store could not be reached. Returns the
    /// store, for the push after the run is recorded.
    pub fn finish(mut self) -> Result<Store> {
        let Some(handle) = self.handle.take() else {
            return Ok(self.store.take().expect("a local store is kept"));
        };
        let (store, answer) = handle.join().expect("a pull thread does not panic");
        if let Err(why) = answer? {
            store.warn(&why, "this run learns from the local history only");
        }
        Ok(store)
    }
}

impl Drop for Pending {
    /// A lane that stops early (setup failed, interrupted) still waits for the pull, so the
    /// process never exits in the middle of merging rows into the local log.
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Store {
    /// Pushes after a lane recorded its run; warns (one line) when the store could not be
    /// reached: the row is safe in the local log and a later push sends it.
    pub fn push_after_run(&self) -> Result<()> {
        if self.is_local() {
            return Ok(());
        }
        if let Err(why) = self.push()? {
            self.warn(
                &why,
                "the run is kept in the local history; `sdetkit history push` sends it later",
            );
        }
        Ok(())
    }

    fn warn(&self, why: &str, consequence: &str) {
        eprintln!("sdetkit: warning: history: {why}; {consequence}");
    }
}

//! History on a git ref: the event-log rows of every clone of a repository, kept on a ref of
//! its remote (`refs/sdetkit/history` by default) so that CI jobs, which start from a fresh
//! checkout, learn from the runs before them with no server.
//!
//! The ref points at a commit whose tree holds one JSONL file per month (`2026-12.jsonl`),
//! each in canonical order (see [`union`]), so the same rows are always the same blobs. A push
//! is a fast-forward of that ref to a commit whose parent is the remote's commit and whose
//! tree is the union of the remote's rows and the local ones: a push that loses a race is
//! rejected, fetches, merges again and retries, so no row is lost and none is doubled. The
//! remote ref moves atomically (git's own ref lock), so a killed push leaves it valid.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::artifacts::eventlog::union::{self, Keyed};

/// How long a fetch or a push may take before it is given up (the lane goes on with its
/// local history).
const NETWORK_TIMEOUT: Duration = Duration::from_secs(120);

/// Pushes tried before giving up when other clones keep moving the ref.
pub const MAX_ATTEMPTS: u32 = 20;

/// A history ref on a remote.
pub struct GitRef<'a> {
    root: &'a Path,
    remote: &'a str,
    name: &'a str,
}

/// Why the remote could not be used; the lane goes on with its local history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// What the remote held at a fetch.
pub struct Fetched {
    /// The ref's commit; `None` when the remote has no history yet.
    pub commit: Option<String>,
    /// Its month files: name → blob id.
    pub shards: BTreeMap<String, String>,
}

/// How a push ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// The remote already had every local row.
    UpToDate,
    /// The remote now has `rows` more rows, after `attempts` tries.
    Added {
        /// Rows added.
        rows: usize,
        /// Pushes tried.
        attempts: u32,
    },
}

impl<'a> GitRef<'a> {
    /// The ref `name` on `remote`, for the repository at `root`.
    pub fn new(root: &'a Path, remote: &'a str, name: &'a str) -> GitRef<'a> {
        GitRef { root, remote, name }
    }

    /// Where fetches leave the remote's commit: a local ref of its own, so that nothing else
    /// (`FETCH_HEAD`, the user's remote-tracking branches) is touched.
    fn tracking(&self) -> String {
        let tail = self.name.strip_prefix("refs/").unwrap_or(self.name);
        format!("refs/sdetkit/remotes/{}/{tail}", self.remote)
    }

    /// Fetches the ref; `commit: None` when the remote does not have it yet.
    pub fn fetch(&self) -> Result<Fetched, Unavailable> {
        let refspec = format!("+{}:{}", self.name, self.tracking());
        let out = self.network(&[
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            self.remote,
            &refspec,
        ])?;
        if !out.ok {
            if out.stderr.contains("couldn't find remote ref") {
                self.git(&["update-ref", "-d", &self.tracking()], None)?;
                return Ok(Fetched {
                    commit: None,
                    shards: BTreeMap::new(),
                });
            }
            return Err(self.unavailable("fetch from", &out.stderr));
        }
        let commit = self.git_ok(&["rev-parse", "--verify", "-q", &self.tracking()], None)?;
        let commit = commit.trim().to_string();
        let shards = self.shards(&commit)?;
        Ok(Fetched {
            commit: Some(commit),
            shards,
        })
    }

    /// The month files of `commit`'s tree.
    fn shards(&self, commit: &str) -> Result<BTreeMap<String, String>, Unavailable> {
        let listing = self.git_ok(&["ls-tree", "-z", commit], None)?;
        Ok(listing
            .split('\0')
            .filter_map(|entry| {
                let (meta, name) = entry.split_once('\t')?;
                let mut meta = meta.split(' ');
                let (_, kind, oid) = (meta.next()?, meta.next()?, meta.next()?);
                (kind == "blob" && name.ends_with(".jsonl"))
                    .then(|| (name.to_string(), oid.to_string()))
            })
            .collect())
    }

    /// The contents of `blobs`, read by one `git cat-file --batch`, in the same order.
    pub fn read(&self, blobs: &[&str]) -> Result<Vec<Vec<u8>>, Unavailable> {
        if blobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = crate::tools::git(self.root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Unavailable(format!("cannot run git: {e}")))?;
        let mut input = String::new();
        for oid in blobs {
            input.push_str(oid);
            input.push('\n');
        }
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut output = Vec::new();
        child
            .stdout
            .take()
            .expect("piped")
            .read_to_end(&mut output)
            .map_err(|e| Unavailable(format!("cannot read git cat-file: {e}")))?;
        let _ = writer.join();
        let _ = child.wait();
        parse_batch(&output, blobs.len())
            .ok_or_else(|| Unavailable("git cat-file gave an unreadable answer".to_string()))
    }

    /// Pushes the union of the remote's rows and `local` (a log's bytes), retrying when other
    /// clones push first.
    pub fn push(&self, local: &[u8]) -> Result<Pushed, Unavailable> {
        let rows = union::canonical(local);
        let mut by_month: BTreeMap<String, Vec<Keyed>> = BTreeMap::new();
        for row in rows {
            by_month.entry(row.month()).or_default().push(row);
        }
        for attempt in 1..=MAX_ATTEMPTS {
            let fetched = self.fetch()?;
            let Some((commit, added)) = self.merge_commit(&fetched, &by_month)? else {
                return Ok(Pushed::UpToDate);
            };
            if self.push_commit(&commit, fetched.commit.as_deref())? {
                return Ok(Pushed::Added {
                    rows: added,
                    attempts: attempt,
                });
            }
            std::thread::sleep(backoff(attempt));
        }
        Err(Unavailable(format!(
            "{} kept moving: gave up after {MAX_ATTEMPTS} pushes",
            self.name
        )))
    }

    /// The commit holding the remote's rows plus `local`'s, and how many rows it adds;
    /// `None` when it would add none.
    fn merge_commit(
        &self,
        fetched: &Fetched,
        local: &BTreeMap<String, Vec<Keyed>>,
    ) -> Result<Option<(String, usize)>, Unavailable> {
        let months: Vec<&String> = local.keys().collect();
        let names: Vec<String> = months.iter().map(|m| format!("{m}.jsonl")).collect();
        let present: Vec<&str> = names
            .iter()
            .filter_map(|n| fetched.shards.get(n).map(String::as_str))
            .collect();
        let mut contents = self.read(&present)?.into_iter();
        let mut tree = fetched.shards.clone();
        let mut added = 0;
        let mut newest: Option<Timestamp> = None;
        for (month, name) in months.iter().zip(&names) {
            let remote = match fetched.shards.contains_key(name) {
                true => contents.next().unwrap_or_default(),
                false => Vec::new(),
            };
            let (rows, n) = union::union(union::canonical(&remote), &local[*month]);
            if n == 0 {
                continue;
            }
            added += n;
            newest = newest.max(rows.iter().filter_map(|r| r.at).max());
            let blob = self.git_ok(
                &["hash-object", "-w", "--stdin"],
                Some(union::text(&rows).into_bytes()),
            )?;
            tree.insert(name.clone(), blob.trim().to_string());
        }
        if added == 0 {
            return Ok(None);
        }
        let listing: String = tree
            .iter()
            .map(|(name, oid)| format!("100644 blob {oid}\t{name}\n"))
            .collect();
        let tree = self.git_ok(&["mktree"], Some(listing.into_bytes()))?;
        let message = format!("sdetkit history: {added} row(s)");
        let mut args = vec!["commit-tree", tree.trim(), "-m", &message];
        if let Some(parent) = &fetched.commit {
            args.extend(["-p", parent]);
        }
        // The commit's time is the newest row's, so the same merge gives the same commit.
        let date = format!("{} +0000", newest.map_or(0, |t| t.as_second()));
        let commit = self.commit(&args, &date)?;
        Ok(Some((commit, added)))
    }

    fn commit(&self, args: &[&str], date: &str) -> Result<String, Unavailable> {
        let out = self
            .command(args)
            .env("GIT_AUTHOR_NAME", "sdetkit")
            .env("GIT_AUTHOR_EMAIL", "sdetkit@localhost")
            .env("GIT_COMMITTER_NAME", "sdetkit")
            .env("GIT_COMMITTER_EMAIL", "sdetkit@localhost")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Unavailable(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(self.unavailable(
                "write history commit for",
                &String::from_utf8_lossy(&out.stderr),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Pushes `commit` as a fast-forward of the remote ref from `parent`: `Ok(false)` when
    /// another clone moved the ref first (fetch, merge and try again).
    fn push_commit(&self, commit: &str, parent: Option<&str>) -> Result<bool, Unavailable> {
        let refspec = format!("{commit}:{}", self.name);
        // The lease names the commit the merge was built on, so a push never replaces rows
        // it has not seen, even where the remote would allow a forced update.
        let lease = format!("--force-with-lease={}:{}", self.name, parent.unwrap_or(""));
        let out = self.network(&["push", "--porcelain", &lease, self.remote, &refspec])?;
        if out.ok {
            self.git(&["update-ref", &self.tracking(), commit], None)?;
            return Ok(true);
        }
        let rejected = out.stdout.lines().chain(out.stderr.lines()).any(lost_race);
        if rejected {
            Ok(false)
        } else {
            Err(self.unavailable("push to", &out.stderr))
        }
    }

    /// One line saying why the remote cannot be used.
    fn unavailable(&self, doing: &str, stderr: &str) -> Unavailable {
        let why = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .find(|l| {
                l.starts_with("fatal:") || l.starts_with("remote:") || l.starts_with("error:")
            })
            .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or("git failed");
        Unavailable(format!(
            "cannot {doing} {} ({}): {why}",
            self.remote, self.name
        ))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = crate::tools::git(self.root);
        cmd.args(args);
        cmd
    }

    /// Runs a local git command; `Err` when it cannot run.
    fn git(&self, args: &[&str], input: Option<Vec<u8>>) -> Result<Output, Unavailable> {
        run(self.command(args), input, None)
    }

    /// Runs a local git command and returns its stdout; `Err` when it fails.
    fn git_ok(&self, args: &[&str], input: Option<Vec<u8>>) -> Result<String, Unavailable> {
        let out = self.git(args, input)?;
        if out.ok {
            Ok(out.stdout)
        } else {
            Err(self.unavailable(&format!("run git {} for", args[0]), &out.stderr))
        }
    }

    /// Runs a git command that talks to the remote: never prompts (CI has nobody to answer),
    /// and is given up after [`NETWORK_TIMEOUT`].
    fn network(&self, args: &[&str]) -> Result<Output, Unavailable> {
        let mut cmd = self.command(args);
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        if std::env::var_os("GIT_SSH_COMMAND").is_none() {
            cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        run(cmd, None, Some(NETWORK_TIMEOUT))
    }
}

/// Whether a line of `git push` says the ref moved under us (retry), as opposed to a refusal
/// (permissions, hooks) that retrying will not change.
fn lost_race(line: &str) -> bool {
    const RACE: [&str; 7] = [
        "fetch first",
        "non-fast-forward",
        "stale info",
        "failed to update ref",
        "failed to lock",
        "cannot lock ref",
        "incorrect old value",
    ];
    RACE.iter().any(|r| line.contains(r))
}

/// The wait before push `attempt + 1`: growing, capped, and spread (from the process id and
/// the clock) so that clones that collided do not collide again in step.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    let spread = hasher.finish();
    let base = 50 * u64::from(attempt.min(20));
    Duration::from_millis(base.min(1_000) + spread % 100)
}

/// What a git command gave.
struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with `input` on stdin, giving up after `timeout`.
fn run(
    mut cmd: Command,
    input: Option<Vec<u8>>,
    timeout: Option<Duration>,
) -> Result<Output, Unavailable> {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| Unavailable(format!("cannot run git: {e}")))?;
    let writer = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped");
        std::thread::spawn(move || stdin.write_all(&bytes))
    });
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if timeout.is_some_and(|t| started.elapsed() > t) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Unavailable(format!(
                    "git {} gave no answer in {}",
                    cmd.get_args().nth(2).and_then(|a| a.to_str()).unwrap_or(""),
                    crate::clock::human(timeout.unwrap_or_default())
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(Unavailable(format!("cannot wait for git: {e}"))),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Ok(Output {
        ok: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Reads a pipe to its end on a thread of its own (so neither pipe can fill and block git).
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Splits `git cat-file --batch` output (`<oid> blob <size>\n<bytes>\n` per object) into
/// the `n` contents; `None` when it is not that.
fn parse_batch(mut output: &[u8], n: usize) -> Option<Vec<Vec<u8>>> {
    let mut contents = Vec::with_capacity(n);
    for _ in 0..n {
        let header_end = memchr::memchr(b'\n', output)?;
        let header = std::str::from_utf8(&output[..header_end]).ok()?;
        let size: usize = header.rsplit(' ').next()?.parse().ok()?;
        let body = output.get(header_end + 1..header_end + 1 + size)?;
        contents.push(body.to_vec());
        output = output.get(header_end + 1 + size + 1..).unwrap_or_default();
    }
    Some(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_output_is_split_by_sizes() {
        let out = b"aaa blob 3\nx\ny\nbbb blob 0\n\n";
        let parts = parse_batch(out, 2).unwrap();
        assert_eq!(parts, vec![b"x\ny".to_vec(), Vec::new()]);
        assert!(parse_batch(b"aaa missing\n", 1).is_none());
    }

    #[test]
    fn races_are_told_from_refusals() {
        assert!(lost_race("!\trefs/x:refs/x\t[rejected] (fetch first)"));
        assert!(lost_race(
            " ! [remote rejected] x -> x (failed to update ref)"
        ));
        assert!(!lost_race("remote: Permission to o/r.git denied to bot."));
        assert!(!lost_race(
            "!\tx:x\t[remote rejected] (pre-receive hook declined)"
        ));
    }
}

//! `evidence pack`: the run's artifacts and logs, redacted, in a zip whose bytes depend only
//! on the run (sorted entries, timestamps from the run's start, fixed permissions).

use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::artifacts::evidence::RUN_FILES;
use crate::artifacts::evidence::{
    ConfigDigest, Entry, MANIFEST, MANIFEST_SCHEMA, Manifest, Tool, pack_path,
};
use crate::artifacts::{followup, learning, proof};
use crate::config::Config;
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::files::Links;
use crate::workspace::Workspace;

/// Artifacts of a run besides the proof's own, packed when the lane wrote them in this run.
/// The pre-merge verdict is not among them: it is written after the pack it judges, and
/// carries that pack's sha256 instead.
pub const DERIVED: &[&str] = &[
    learning::ROLLUP.rel,
    learning::CONTROL_TOWER.rel,
    learning::CONTROL_TOWER_MD.rel,
    learning::TREND.rel,
    learning::TREND_MD.rel,
    learning::THRESHOLD.rel,
    followup::FOLLOWUP.rel,
    followup::FOLLOWUP_MD.rel,
    followup::HISTORY_ROLLUP.rel,
    followup::CONTRACT_CHECK.rel,
];

/// The most of one file packed: a step log is capped at 16 MiB.
const ENTRY_CAP: u64 = 64 << 20;

/// The packed pack.
pub struct Packed {
    /// Where the pack was written.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

/// Packs the latest run (which must be `run` when given) into
/// `build/evidence/evidence-<run_id>.zip`.
pub fn pack(ws: &Workspace, config: &Config, run: Option<&str>) -> Result<Packed> {
    let summary_path = proof::SUMMARY.path(&ws.out_dir);
    let summary = proof::SUMMARY.read(&ws.out_dir)?.ok_or_else(|| {
        Error::input(
            &summary_path,
            "no run to pack; run `sdetkit ops proof` or `sdetkit ops daily` first",
        )
    })?;
    let run_id = summary.run_id.clone();
    if run_id.is_empty() {
        return Err(Error::input(
            &summary_path,
            "has no run_id (written with --stable-json or by another tool); rerun the lane without --stable-json",
        ));
    }
    if let Some(wanted) = run
        && wanted != run_id
    {
        return Err(Error::Usage(format!(
            "run {wanted} is not the latest run ({run_id}); only the latest run's artifacts are on disk"
        )));
    }
    let started_at = summary.started_at.clone();
    let record = RUN_FILES
        .read(&ws.out_dir)?
        .filter(|r| r.run_id == run_id)
        .ok_or_else(|| {
            Error::input(
                RUN_FILES.path(&ws.out_dir),
                format!(
                    "has no record of run {run_id}'s files (written by an older sdetkit, or removed); rerun the lane to pack a run"
                ),
            )
        })?;
    let redactor = crate::secrets::redactor();
    let mut files = Vec::new();
    let mut entries = Vec::new();
    let mut contents = Vec::new();
    for (rel, sha256) in &record.files {
        let raw = own_file(ws, &run_id, rel, sha256)?;
        let clean = redactor.bytes(&raw).into_owned();
        entries.push(Entry {
            path: rel.clone(),
            sha256: sha256_hex(&clean),
            bytes: clean.len() as u64,
        });
        files.push(rel.clone());
        contents.push(clean);
    }
    let manifest = Manifest {
        schema_version: MANIFEST_SCHEMA.into(),
        run_id: run_id.clone(),
        created_at: started_at.clone(),
        commit: summary.git.commit.clone(),
        branch: summary.git.branch.clone(),
        decision: summary.decision.as_str().to_string(),
        release_dry_run: summary.release_dry_run,
        tool: Tool {
            name: "sdetkit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        config: config_digest(ws, config),
        files: entries,
    };
    let path = pack_path(&ws.out_dir, &run_id);
    let bytes = zip_bytes(&manifest, &files, &contents, &started_at)?;
    crate::artifacts::write_under(&ws.out_dir, &path, &bytes)?;
    Ok(Packed { path, manifest })
}

/// The bytes of `rel`, which run `run_id` wrote with digest `sha256`: a file that is gone,
/// a link, or changed since (a later `gate fast`, a concurrent lane) is not the run's.
fn own_file(ws: &Workspace, run_id: &str, rel: &str, sha256: &str) -> Result<Vec<u8>> {
    let path = ws.out_dir.join(rel);
    let rerun = "rerun the lane to pack a run whose files are all its own";
    let raw = crate::files::read(&path, ENTRY_CAP, Links::Refuse)?.ok_or_else(|| {
        Error::input(
            &path,
            format!("removed since run {run_id} wrote it; {rerun}"),
        )
    })?;
    if sha256_hex(&raw) != sha256 {
        return Err(Error::input(
            &path,
            format!(
                "changed since run {run_id} wrote it (by a later `sdetkit gate` or a concurrent lane); {rerun}"
            ),
        ));
    }
    Ok(raw)
}

fn config_digest(ws: &Workspace, config: &Config) -> ConfigDigest {
    match config.source.as_ref().and_then(|p| std::fs::read(p).ok()) {
        Some(bytes) => ConfigDigest {
            source: ws.rel(
                config
                    .source
                    .as_deref()
                    .unwrap_or(Path::new("sdetkit.toml")),
            ),
            sha256: sha256_hex(&bytes),
        },
        None => {
            let steps: String = config
                .fast
                .iter()
                .map(|s| format!("{}\t{}\n", s.id, s.run))
                .collect();
            ConfigDigest {
                source: "auto-detected".into(),
                sha256: sha256_hex(steps.as_bytes()),
            }
        }
    }
}

/// The zip's entry timestamp: the run's start, clamped to what zip can store.
fn zip_time(started_at: &str) -> DateTime {
    let parsed =
        crate::clock::parse(started_at).map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC));
    parsed
        .and_then(|z| {
            let year = z.year().clamp(1980, 2107) as u16;
            DateTime::from_date_and_time(
                year,
                z.month() as u8,
                z.day() as u8,
                z.hour() as u8,
                z.minute() as u8,
                z.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

fn zip_bytes(
    manifest: &Manifest,
    files: &[String],
    contents: &[Vec<u8>],
    started_at: &str,
) -> Result<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip_time(started_at))
        .unix_permissions(0o644);
    let manifest_json = crate::json::pretty(&crate::json::to_value(manifest));
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let fail = |e: zip::result::ZipError| {
        Error::io(
            "evidence pack",
            "cannot build the zip",
            std::io::Error::other(e),
        )
    };
    zip.start_file(MANIFEST, options).map_err(fail)?;
    zip.write_all(manifest_json.as_bytes())
        .map_err(|e| Error::io("evidence pack", "cannot build the zip", e))?;
    for (name, bytes) in files.iter().zip(contents) {
        zip.start_file(name.as_str(), options).map_err(fail)?;
        zip.write_all(bytes)
            .map_err(|e| Error::io("evidence pack", "cannot build the zip", e))?;
    }
    Ok(zip.finish().map_err(fail)?.into_inner())
}

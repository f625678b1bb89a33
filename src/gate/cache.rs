//! The step cache: a fast-gate step whose inputs are exactly those of an earlier **passed**
//! run of the same step is reported `cached` (naming the run it stands on) instead of being
//! run again. The key is a digest of what the step reads and how it runs: the work tree's
//! content (tracked files as committed, changed and untracked files by their bytes; only the
//! files its `inputs` globs match, when it has some), its command, working directory, `env`
//! and JUnit path, the environment variables that change what build tools do, the versions of
//! the programs it runs, and sdetkit's version. Failures are never cached.

use std::collections::HashMap;
use std::path::Path;

use crate::artifacts::cache::{self, StepEntry};
use crate::artifacts::proof::GateKind;
use crate::config::StepSpec;
use crate::inputs::Inputs;
use crate::runner::{Status, StepOutcome};

/// Variables of the process environment that change what common build and test tools do;
/// part of every key (a step's own `env` always is).
const INFLUENTIAL: &[&str] = &[
    "CI",
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_PROFILE_DEV_DEBUG",
    "NODE_ENV",
    "NODE_OPTIONS",
    "PYTHONPATH",
    "GOFLAGS",
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    // The profile a `cargo nextest run` step runs with when its command names none.
    "NEXTEST_PROFILE",
];

/// The cache as one run sees it.
pub struct StepCache<'a> {
    /// The out-dir, where entries live.
    pub out: &'a Path,
    /// The repository root.
    pub root: &'a Path,
    /// What the run reads, tools included.
    pub inputs: &'a Inputs,
    /// This run's id, recorded in the entries it stores.
    pub run_id: Option<&'a str>,
}

impl StepCache<'_> {
    /// The key of every cacheable step of `specs`, by id.
    pub fn keys(&self, gate: GateKind, specs: &[StepSpec]) -> HashMap<String, String> {
        specs
            .iter()
            .filter(|s| s.cache)
            .map(|s| (s.id.clone(), self.key(gate, s)))
            .collect()
    }

    fn key(&self, gate: GateKind, spec: &StepSpec) -> String {
        let mut how = format!(
            "gate {}\nstep {}\nrun {}\ncwd {}\njunit {}\n",
            gate.short(),
            spec.id,
            spec.run,
            spec.cwd.as_deref().unwrap_or(Path::new("")).display(),
            spec.junit.as_deref().unwrap_or(Path::new("")).display(),
        );
        for (k, v) in &spec.env {
            how.push_str(&format!("env {k}={v}\n"));
        }
        for k in INFLUENTIAL {
            if let Ok(v) = std::env::var(k) {
                how.push_str(&format!("process-env {k}={v}\n"));
            }
        }
        for (name, _) in crate::inputs::located_tools(spec, self.root) {
            let version = self
                .inputs
                .tools
                .get(&name)
                .map_or("unknown", String::as_str);
            how.push_str(&format!("tool {name} {version}\n"));
        }
        self.inputs.files_digest(spec.inputs.as_ref(), &how)
    }

    /// The outcomes of the steps whose key has an entry: `cached`, with their log copied into
    /// this run's `logs_dir` and a message naming the run they stand on.
    pub fn hits(
        &self,
        specs: &[StepSpec],
        keys: &HashMap<String, String>,
        logs_dir: &Path,
    ) -> Vec<StepOutcome> {
        specs
            .iter()
            .filter_map(|spec| {
                let (entry, log) = cache::lookup(self.out, keys.get(&spec.id)?)?;
                let copy = crate::runner::log_path(logs_dir, &spec.id);
                let sha256 = cache::restore_log(&log, &copy, self.out);
                let from = entry
                    .run_id
                    .as_deref()
                    .map_or_else(String::new, |id| format!(" in run {id}"));
                let reason = format!(
                    "cached: passed on the same inputs{from} at {} (took {}); `--no-cache` runs it",
                    entry.passed_at,
                    crate::clock::human_ms(entry.duration_ms)
                );
                let mut outcome =
                    StepOutcome::cached(spec, sha256.is_some().then_some(copy), reason);
                outcome.log_sha256 = sha256;
                Some(outcome)
            })
            .collect()
    }

    /// Stores an entry for every cacheable step of `outcomes` that passed in this run. A
    /// failure to store (a full disk) is not the run's failure and is not reported: the step
    /// simply runs again next time, and the artifacts' own writes report the disk.
    pub fn store(&self, gate: GateKind, keys: &HashMap<String, String>, outcomes: &[StepOutcome]) {
        let passed_at = crate::clock::iso(crate::clock::now());
        for o in outcomes.iter().filter(|o| o.status == Status::Passed) {
            let Some(key) = keys.get(&o.id) else { continue };
            let entry = StepEntry {
                gate: gate.short().to_string(),
                step: o.id.clone(),
                run_id: self.run_id.map(str::to_string),
                passed_at: passed_at.clone(),
                duration_ms: o.duration_ms,
            };
            let _ = cache::store(self.out, key, &entry, o.log.as_deref());
        }
    }
}

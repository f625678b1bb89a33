//! The doctor's `tools` check: every program the configured steps need, found the way the
//! steps will look for it (PATH, or `node_modules/.bin` for `package.json` scripts), through
//! shell syntax, Makefile recipes and scripts, with its version and, when missing, the install
//! hint detection uses too.

use std::path::{Path, PathBuf};

use crate::config::{Config, StepSpec, Tool};
use crate::gate::check::Check;
use crate::triage::Classification;

/// The check.
pub fn check(root: &Path, config: &Config) -> Check {
    let steps: Vec<&StepSpec> = config
        .fast
        .iter()
        .chain(&config.release_steps)
        .chain(&config.doctor_steps)
        .chain(config.setup.iter())
        .collect();
    if steps.is_empty() {
        return Check::skip("PATH", "no steps configured or detected");
    }
    // (tool, the directory its step works in)
    let mut wanted: Vec<(Tool, PathBuf)> = Vec::new();
    for step in &steps {
        let dir = step.dir(root);
        let needed = step
            .requires
            .iter()
            .cloned()
            .chain(crate::tools::needs::of_command(&step.run, &dir));
        for tool in needed {
            if !wanted
                .iter()
                .any(|(t, d)| t.program == tool.program && (t.local.is_none() || *d == dir))
            {
                wanted.push((tool, dir.clone()));
            }
        }
    }
    if wanted.is_empty() {
        return Check::pass("PATH", "the steps need no program beyond the shell's own");
    }
    let found: Vec<(Option<PathBuf>, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = wanted
            .iter()
            .map(|(tool, dir)| {
                s.spawn(move || {
                    let path = tool.locate(dir);
                    let version = path.as_deref().and_then(crate::tools::version);
                    (path, version)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("version probe does not panic"))
            .collect()
    });
    let details: Vec<String> = wanted
        .iter()
        .zip(&found)
        .map(|((tool, _), (path, version))| match path {
            Some(path) => format!(
                "{}: {} ({})",
                tool.describe(),
                version.as_deref().unwrap_or("version unknown"),
                path.display()
            ),
            None => format!("{}: not found", tool.describe()),
        })
        .collect();
    let missing: Vec<&Tool> = wanted
        .iter()
        .zip(&found)
        .filter(|(_, (path, _))| path.is_none())
        .map(|((tool, _), _)| tool)
        .collect();
    if missing.is_empty() {
        return Check::pass("PATH", format!("{} tool(s) found", wanted.len())).details(details);
    }
    let names: Vec<String> = missing.iter().map(|t| t.describe()).collect();
    // One line per hint: `biome, tsc: dependencies are not installed: run `npm ci``.
    let mut by_hint: Vec<(&str, Vec<&str>)> = Vec::new();
    for t in &missing {
        match by_hint.iter_mut().find(|(h, _)| *h == t.hint) {
            Some((_, programs)) => programs.push(&t.program),
            None => by_hint.push((&t.hint, vec![&t.program])),
        }
    }
    let hints: Vec<String> = by_hint
        .iter()
        .map(|(hint, programs)| format!("{}: {hint}", programs.join(", ")))
        .collect();
    Check::fail(
        "PATH",
        format!("missing: {}", names.join(", ")),
        hints.join("; "),
    )
    .details(details)
    .classified(Classification::Environment)
}

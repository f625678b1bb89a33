//! The commented `sdetkit.toml` that `init` writes.

use std::fmt::Write;
use std::path::Path;

use crate::config::detect::{Detection, Proposal};
use crate::repo::tags::Convention;

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Renders the config for the detected steps, with the other sections as commented examples.
pub fn render(root: &Path, found: &Detection) -> String {
    let mut out = String::from(
        "# sdetkit configuration: the single source of truth for the gates (written by `sdetkit init`).\n\
         # Reference: README.md of sdetkit. Unknown keys are errors, reported with their line.\n\n\
         # The \"reinstall lane\" run before the proof by `sdetkit ops daily` (skipped by --no-setup).\n",
    );
    match &found.setup {
        Some(setup) => {
            let _ = write!(
                out,
                "[setup]\nrun = {}\ntimeout = \"20m\"\n\n",
                quoted(&setup.run)
            );
        }
        None => out.push_str("# [setup]\n# run = \"make deps\"\n# timeout = \"10m\"\n\n"),
    }
    for f in &found.findings {
        let _ = writeln!(out, "# Detected {} from {}.", f.ecosystem, f.evidence);
        for note in &f.notes {
            let _ = writeln!(out, "#   {}", note.replace('\n', " "));
        }
    }
    if found.steps.is_empty() {
        out.push_str("# Nothing detected: add your checks. A gate with no steps fails (nothing was checked).\n");
        out.push_str("# [[gate.fast.steps]]\n# id = \"test\"\n# run = \"make test\"\n");
    }
    let proposals: Vec<&Proposal> = found.findings.iter().flat_map(|f| &f.steps).collect();
    for step in &found.steps {
        out.push('\n');
        if let Some(p) = proposals.iter().find(|p| p.id == step.id) {
            let _ = writeln!(out, "# from {}", p.from);
        }
        let _ = write!(
            out,
            "[[gate.fast.steps]]\nid = {}\nrun = {}\n",
            quoted(&step.id),
            quoted(&step.run)
        );
        if let Some(cwd) = &step.cwd {
            let _ = writeln!(out, "cwd = {}", quoted(&cwd.to_string_lossy()));
        }
        if !step.needs.is_empty() {
            let needs: Vec<String> = step.needs.iter().map(|n| quoted(n)).collect();
            let _ = writeln!(out, "needs = [{}]", needs.join(", "));
        }
        if !step.env.is_empty() {
            let env: Vec<String> = step
                .env
                .iter()
                .map(|(k, v)| format!("{} = {}", quoted(k), quoted(v)))
                .collect();
            let _ = writeln!(out, "env = {{ {} }}", env.join(", "));
        }
        out.push_str("# timeout = \"30m\"      # default; the whole process group is killed when it runs out\n");
    }
    out.push_str("\n# Optional per step: needs = [\"other-id\"], cwd = \"sub/dir\", env = { KEY = \"value\" },\n# junit = \"target/junit.xml\" (structured results for first-failure triage).\n");
    out.push_str(&release_section(root));
    out.push_str(
        "\n[doctor]\n# skip = [\"ci-config\"]\n# allow_secrets_in = [\"tests/fixtures/**\"]  # fake tokens in test data\n\n\
         # Weekly threshold profiles, by branch; `default` is the fallback.\n\
         [thresholds.default]\nmin_ship_rate = 0.5\nmin_total_runs = 3\nmin_consecutive_breaches = 2\nfail_on_breach = false\n\n\
         [thresholds.main]\nmin_ship_rate = 0.6\nmin_total_runs = 5\nmin_consecutive_breaches = 2\nfail_on_breach = true\n",
    );
    out
}

/// `[gate.release]` with the repository's own conventions written down: its changelog (or
/// that it keeps none) and its tag prefix, read from its files and tags.
fn release_section(root: &Path) -> String {
    let mut out = String::from("\n[gate.release]\n");
    match crate::repo::changelog::find(root) {
        Some(p) => {
            let _ = writeln!(out, "changelog = {}", quoted(&p.to_string_lossy()));
        }
        None => out.push_str(
            "changelog = false            # no changelog found: releases are described elsewhere\n",
        ),
    }
    match crate::repo::tags::convention(root) {
        Convention::Prefix(prefix) => {
            let _ = writeln!(
                out,
                "tag_prefix = {}             # read from the repository's tags",
                quoted(&prefix)
            );
        }
        Convention::PerPackage { example, .. } => {
            let _ = writeln!(
                out,
                "# Packages are tagged one by one (e.g. {example}): there is no single release\n\
                 # version, so the version, changelog and tag checks say so instead of failing."
            );
        }
        Convention::Unknown => {
            out.push_str("tag_prefix = \"v\"               # no release tag yet\n")
        }
    }
    out.push_str(
        "release_branches = [\"main\", \"master\", \"release/*\"]\n\
         # version_file = \"VERSION\"  # when the version is not in a manifest or the latest tag\n\
         # skip = [\"upstream\"]       # built-in checks to leave out\n",
    );
    out
}

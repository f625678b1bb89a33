//! Node: CI's npm / pnpm / yarn commands when it runs any; otherwise the `package.json` scripts
//! that check (`check` and `check:*`, `lint`, `typecheck`, `format:check`, a check-only
//! `format`, `test`), through the package manager the lockfile names.

use std::path::Path;

use super::classify::{self, Verdict};
use super::{Candidate, EcoSteps, from_ci};
use crate::tools::node::{self, PackageManager};

/// Script names proposed when CI says nothing, in this order.
const WANTED: &[&str] = &[
    "check",
    "lint",
    "typecheck",
    "type-check",
    "types",
    "format:check",
    "fmt:check",
    "check-format",
    "format-check",
    "prettier:check",
    "format",
    "test",
];

pub(super) fn steps(root: &Path, ci: Vec<Candidate>) -> Option<EcoSteps> {
    if !root.join("package.json").is_file() && ci.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    if !ci.is_empty() {
        let steps = from_ci(ci, &mut notes, None, false);
        return Some(EcoSteps {
            evidence: "package.json".into(),
            steps,
            notes,
        });
    }
    let Some(manifest) = node::manifest(root) else {
        notes.push("package.json is not valid JSON; no npm steps added".into());
        return Some(EcoSteps {
            evidence: "package.json".into(),
            steps: Vec::new(),
            notes,
        });
    };
    let scripts: Vec<(String, String)> = manifest
        .get("scripts")
        .and_then(|s| s.as_object())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    let pm = PackageManager::of(root);
    let mut names: Vec<&str> = Vec::new();
    for wanted in WANTED {
        if *wanted == "check" {
            names.extend(
                scripts
                    .iter()
                    .filter(|(n, _)| n == "check" || n.starts_with("check:"))
                    .map(|(n, _)| n.as_str()),
            );
        } else if scripts.iter().any(|(n, _)| n == wanted) {
            names.push(wanted);
        }
    }
    // A script another chosen one already runs (`check` = `npm run lint && tsc`) is left out.
    let bodies: Vec<&str> = names
        .iter()
        .filter_map(|n| {
            scripts
                .iter()
                .find(|(s, _)| s == n)
                .map(|(_, b)| b.as_str())
        })
        .collect();
    let called = |name: &str| {
        bodies.iter().any(|b| {
            crate::tools::shell::commands(b).iter().any(|w| {
                matches!(node::invocation(w, root), Some(node::Invocation::Script(s)) if s == name)
            })
        })
    };
    let mut steps = Vec::new();
    for name in names {
        if called(name) {
            notes.push(format!(
                "`{name}` script not added on its own: another chosen script runs it"
            ));
            continue;
        }
        let body = &scripts.iter().find(|(s, _)| s == name).expect("listed").1;
        let run = pm.run_script(name);
        match classify::node_script(name, body, &run) {
            Verdict::Check(check) => steps.push(Candidate::new(
                check,
                format!("package.json scripts.{name}"),
            )),
            Verdict::Drop(reason) => notes.push(format!("{reason}; not added")),
            _ => {}
        }
    }
    for missing in ["lint", "test"] {
        if !scripts.iter().any(|(n, _)| n == missing) {
            notes.push(format!("no `{missing}` script in package.json"));
        }
    }
    Some(EcoSteps {
        evidence: "package.json".into(),
        steps,
        notes,
    })
}

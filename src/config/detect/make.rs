//! Makefile targets: the ones CI runs; otherwise `test` and `check` when their recipes run
//! something the ecosystem steps do not (a grammar's `tree-sitter test`), and `lint` too when
//! make is the only ecosystem.

use std::path::Path;

use super::classify::{Check, Eco, Kind};
use super::{Candidate, EcoSteps};
use crate::tools::makefile::Makefile;
use crate::tools::needs;

pub(super) fn steps(
    root: &Path,
    ci: Vec<Candidate>,
    covered_runs: &[String],
    others: bool,
) -> Option<EcoSteps> {
    let file = Makefile::find(root);
    let evidence = file.as_ref().map_or("CI".to_string(), |f| f.name.clone());
    let mut notes = Vec::new();
    if !ci.is_empty() {
        if let Some(f) = &file
            && f.has_target("lint")
            && !ci.iter().any(|c| c.check.run.contains("lint"))
        {
            notes.push("`make lint` not added: CI does not run it".into());
        }
        return Some(EcoSteps {
            evidence,
            steps: ci,
            notes,
        });
    }
    let file = file?;
    let covered: Vec<String> = covered_runs
        .iter()
        .flat_map(|r| needs::of_command(r, root))
        .map(|t| t.program)
        .collect();
    let targets: &[&str] = if others {
        &["check", "test"]
    } else {
        &["lint", "check", "test"]
    };
    let mut steps = Vec::new();
    for target in targets.iter().filter(|t| file.has_target(t)) {
        let run = format!("make {target}");
        let programs: Vec<String> = needs::of_command(&run, root)
            .into_iter()
            .map(|t| t.program)
            .filter(|p| p != "make")
            .collect();
        if others && programs.iter().all(|p| covered.contains(p)) {
            notes.push(format!(
                "`{run}` not added: it runs {}, which the other steps already run",
                if programs.is_empty() {
                    "nothing new".to_string()
                } else {
                    programs.join(", ")
                }
            ));
            continue;
        }
        let kind = match *target {
            "test" => Kind::Test,
            _ => Kind::Lint,
        };
        steps.push(Candidate::new(
            Check {
                eco: Eco::Make,
                kind,
                id: format!("make-{target}"),
                run,
                note: None,
            },
            format!("{} target `{target}`", file.name),
        ));
    }
    if others && file.has_target("lint") {
        notes.push(
            "`make lint` not added: other ecosystems' linters run, and CI does not run it".into(),
        );
    }
    if steps.is_empty() && notes.is_empty() {
        return None;
    }
    Some(EcoSteps {
        evidence,
        steps,
        notes,
    })
}

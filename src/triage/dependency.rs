//! Package managers that could not resolve or fetch a dependency: pip, npm, cargo, and
//! Python's own `ModuleNotFoundError`.

use super::hit::{Context, Hit, Matcher};
use super::{Classification, Layer};

/// Phrases that only a failed resolution prints.
const PHRASES: &[&str] = &[
    "Could not find a version that satisfies the requirement",
    "No matching distribution found for",
    "ResolutionImpossible",
    "failed to select a version for",
    "no matching package named",
    "npm ERR! code E404",
    "npm error code E404",
    "ERESOLVE",
    "ModuleNotFoundError: No module named",
];

/// Dependency resolution failures.
pub struct Dependency;

impl Matcher for Dependency {
    fn start(&self, line: &str, _ctx: &Context) -> Option<Hit> {
        PHRASES
            .iter()
            .any(|p| line.contains(p))
            .then(|| Hit::new(Layer::Runner, Classification::Dependency, line.trim()))
    }
}

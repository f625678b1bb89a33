//! `tree-sitter test`: the corpus files by name (`  main:`), their cases numbered
//! (`4. ✗ Top-level null`), then each failure's expected and actual trees. The case is the
//! test; its file is `test/corpus/<name>.txt` and its line the case's heading there (read
//! from the repository when it is at hand); the rerun selects it by name.

use std::sync::LazyLock;

use regex::Regex;

use super::hit::{Context, Hit, Matcher, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer};

static CASE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\s*)\d+\. \u{2717} (.+?)\s*$"));
static FILE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(\s*)(\S[^:]*):$"));

/// Lines looked back over for the corpus file's name.
const LOOK_BACK: usize = 200;
/// Where tree-sitter keeps its corpus.
const CORPUS: &str = "test/corpus";

/// tree-sitter's test runner.
pub struct TreeSitter;

impl Matcher for TreeSitter {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        let c = CASE.captures(line)?;
        let indent = c[1].len();
        let name = c[2].to_string();
        let above = ctx.before(LOOK_BACK);
        let file = above.iter().rev().find_map(|l| {
            FILE.captures(l)
                .filter(|f| f[1].len() < indent)
                .map(|f| f[2].to_string())
        });
        let mut hit = Hit::new(Layer::Runner, Classification::Test, line.trim());
        hit.test = Some(name);
        hit.file = file.map(|f| format!("{CORPUS}/{f}.txt"));
        Some(hit)
    }

    fn finish(&self, hit: &mut Hit, step: &Step) {
        let Some(name) = hit.test.clone() else {
            return;
        };
        if let Some(file) = hit.file.clone() {
            hit.line = heading_line(step, &file, &name);
        }
        hit.next_command = Some(format!(
            "tree-sitter test -i {}",
            shell_quote(&format!("^{}$", escape(&name)))
        ));
    }
}

/// The line of the case's name in its corpus file: the line between two `===` rules.
fn heading_line(step: &Step, file: &str, name: &str) -> Option<u64> {
    let text = step.read(file)?;
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .position(|w| w[0].trim_start().starts_with("===") && w[1].trim() == name)
        .map(|i| i as u64 + 2)
}

/// `name` as a Rust regular expression matching it literally (without escaping what needs
/// none, so that the command stays readable).
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

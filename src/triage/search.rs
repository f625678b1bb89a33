//! One pass over a log: the earliest failure of the best layer that recognises anything.
//! A structured record beats any runner line, a runner line beats the generic heuristic,
//! and within a layer the earliest line wins, not the loudest or the last.

use std::io::Read;

use super::hit::{CONTEXT_LINES, Context, Follow, Hit, Matcher};
use super::reader::Reader;
use super::step::Step;
use super::{
    cargo, cc, dependency, format, generic, gotest, jest, libtest, lint, make, missing, mypy,
    nextest, nodetest, pytest, rustc, treesitter,
};

/// Lines a matcher may read past the start of its failure to fill in the details (pytest
/// prints the traceback of the first `-v` failure after all the other results).
const FOLLOW_LINES: usize = 20_000;

/// Structured records: machine-readable results.
const STRUCTURED: &[&dyn Matcher] = &[&libtest::Libtest, &nextest::Nextest];

/// Runner matchers, wrappers (make) last so that the real error above them wins a tie.
const RUNNER: &[&dyn Matcher] = &[
    &cargo::CargoTest,
    &rustc::Rustc,
    &pytest::Pytest,
    &pytest::Unittest,
    &jest::Jest,
    &jest::Vitest,
    &nodetest::NodeTest,
    &gotest::GoTest,
    &mypy::Mypy,
    &lint::Lint,
    &format::Format,
    &cc::Cc,
    &treesitter::TreeSitter,
    &dependency::Dependency,
    &missing::Missing,
    &make::Make,
];

/// The heuristic of last resort.
const GENERIC: &[&dyn Matcher] = &[&generic::Generic];

/// The first failure in `source`, the log of `step`, or `None` when no layer recognises
/// anything.
pub fn first_hit(source: impl Read, step: &Step) -> std::io::Result<Option<Hit>> {
    let layers = [STRUCTURED, RUNNER, GENERIC];
    let mut reader = Reader::new(source);
    reader.every_line = step.every_line;
    let mut best = None;
    // Only layers above the best hit so far can still change the answer.
    let mut open = layers.len();
    while open > 0 {
        let Some(line) = reader.next_candidate()? else {
            break;
        };
        let next = reader.peek_line()?;
        let before = |n| reader.before(n);
        let ctx = Context {
            before: &before,
            next: next.as_deref(),
            step,
        };
        let found = layers[..open]
            .iter()
            .enumerate()
            .find_map(|(depth, layer)| {
                layer
                    .iter()
                    .find_map(|m| m.start(&line, &ctx).map(|hit| (depth, *m, hit)))
            });
        if let Some((depth, matcher, mut hit)) = found {
            if hit.excerpt.is_empty() {
                hit.excerpt = reader
                    .before(CONTEXT_LINES)
                    .iter()
                    .filter_map(|l| matcher.shown(l).map(|l| l.into_owned()))
                    .collect();
                if let Some(shown) = matcher.shown(&line) {
                    hit.push_excerpt(&shown);
                }
            }
            follow(&mut reader, matcher, &mut hit, step)?;
            best = Some(hit);
            open = depth;
        }
    }
    Ok(best)
}

/// Feeds the lines after a failure's start to its matcher until it has what it needs. The
/// line that completes the failure stays unread, so that a better layer can still see it.
fn follow(
    reader: &mut Reader<impl Read>,
    matcher: &dyn Matcher,
    hit: &mut Hit,
    step: &Step,
) -> std::io::Result<()> {
    for _ in 0..FOLLOW_LINES {
        let mark = reader.mark();
        let Some(line) = reader.next_line()? else {
            break;
        };
        let verdict = matcher.follow(hit, &line);
        if let Some(shown) = matcher.shown(&line) {
            hit.push_excerpt(&shown);
        }
        if verdict == Follow::Done {
            reader.rewind(mark);
            break;
        }
    }
    matcher.finish(hit, step);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::{Classification, Layer};

    fn answer(log: &str) -> Hit {
        first_hit(log.as_bytes(), &Step::bare()).unwrap().unwrap()
    }

    #[test]
    fn a_structured_record_beats_an_earlier_runner_line() {
        let log = "src/a.py:1: error: x  [misc]\n{ \"type\": \"test\", \"name\": \"t::a\", \"event\": \"failed\" }\n";
        let hit = answer(log);
        assert_eq!(hit.layer, Layer::Structured);
        assert_eq!(hit.test.as_deref(), Some("t::a"));
    }

    #[test]
    fn a_runner_line_beats_an_earlier_generic_one() {
        let hit = answer("error: something vague\nsrc/a.py:1: error: precise  [misc]\n");
        assert_eq!(hit.layer, Layer::Runner);
        assert_eq!(hit.classification, Classification::Type);
    }

    #[test]
    fn the_earliest_runner_line_wins() {
        let log = "FAILED tests/a.py::test_one - assert 1\nsrc/a.py:1: error: later  [misc]\n";
        assert_eq!(answer(log).test.as_deref(), Some("tests/a.py::test_one"));
    }

    #[test]
    fn a_wrapper_alone_points_above_itself() {
        let hit = answer(
            "run-tests.sh: database refused the connection\nmake: *** [Makefile:3: test] Error 1\n",
        );
        assert_eq!(hit.message, "run-tests.sh: database refused the connection");
        assert_eq!(hit.next_command.as_deref(), Some("make test"));
    }

    #[test]
    fn nothing_recognised_is_none() {
        assert!(
            first_hit(
                "all good\nProcess completed with exit code 1.\n".as_bytes(),
                &Step::bare()
            )
            .unwrap()
            .is_none()
        );
    }
}

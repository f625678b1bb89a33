//! A YAML document as a small tree that remembers the line of every node, for CI files and
//! `.pre-commit-config.yaml`. Parsing is yaml-rust2's; a file that does not parse is `None`.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One node and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where it starts.
    pub line: usize,
    /// What it holds.
    pub value: Value,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any scalar, as text (`true`, `3.10` and `~` included: CI files mean them as text).
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with scalar keys, in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A sequence's items; a scalar is a sequence of itself (`script: make test`).
    pub fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => vec![self],
            Value::Map(_) => Vec::new(),
        }
    }

    /// A mapping's entries.
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The text of the scalar under `key`.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::str)
    }
}

/// Parses `text`; `None` when it is not YAML or is empty.
pub fn parse(text: &str) -> Option<Node> {
    let mut builder = Builder::default();
    Parser::new_from_str(text).load(&mut builder, false).ok()?;
    builder.done
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    done: Option<Node>,
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<String>),
}

impl Builder {
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.done = Some(node),
            Some(Frame::Seq(parent, _)) => {
                if let Value::Seq(items) = &mut parent.value {
                    items.push(node);
                }
            }
            Some(Frame::Map(parent, _, key)) => match key.take() {
                None => *key = Some(node.str().unwrap_or_default().to_string()),
                Some(k) => {
                    if let Value::Map(entries) = &mut parent.value {
                        // `<<: *defaults` merges the anchored mapping's entries.
                        if k == "<<" {
                            entries.extend(node.entries().iter().cloned());
                        } else {
                            entries.push((k, node));
                        }
                    }
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(text, _, anchor, _) => self.finish(
                Node {
                    line,
                    value: Value::Scalar(text),
                },
                anchor,
            ),
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or(Node {
                        line,
                        value: Value::Scalar(String::new()),
                    });
                self.finish(node, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(
                Node {
                    line,
                    value: Value::Seq(Vec::new()),
                },
                anchor,
            )),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map(
                Node {
                    line,
                    value: Value::Map(Vec::new()),
                },
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq(node, anchor) | Frame::Map(node, anchor, _)) =
                    self.stack.pop()
                {
                    self.finish(node, anchor);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_blocks_and_flow() {
        let doc = parse(
            "on: [push]\njobs:\n  t:\n    strategy:\n      matrix:\n        task: [format, lint]\n        include:\n          - {python: '3.13', os: x}\n    steps:\n      - run: |\n          a\n          b\n      - run: >\n          c\n          d\n",
        )
        .unwrap();
        let job = doc.get("jobs").unwrap().get("t").unwrap();
        let matrix = job.get("strategy").unwrap().get("matrix").unwrap();
        let tasks: Vec<&str> = matrix
            .get("task")
            .unwrap()
            .items()
            .iter()
            .filter_map(|n| n.str())
            .collect();
        assert_eq!(tasks, ["format", "lint"]);
        assert_eq!(
            matrix.get("include").unwrap().items()[0].text("python"),
            Some("3.13")
        );
        let steps = job.get("steps").unwrap().items();
        assert_eq!(steps[0].text("run"), Some("a\nb\n"));
        // A block scalar starts on its first content line; a plain one on its own line.
        assert_eq!(steps[0].get("run").unwrap().line, 11);
        assert_eq!(doc.get("on").unwrap().line, 1);
        assert_eq!(steps[1].text("run"), Some("c d\n"));
        assert!(parse("a: [").is_none());
    }

    #[test]
    fn anchors_and_merge_keys() {
        let doc = parse("base: &b\n  script: make test\njob:\n  <<: *b\n  stage: test\n").unwrap();
        assert_eq!(doc.get("job").unwrap().text("script"), Some("make test"));
    }
}

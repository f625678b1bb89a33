//! A JSON Schema 2020-12 validator for the keywords sdetkit's own schemas use, and only those.
//!
//! sdetkit validates what it writes and reads against schemas it ships itself, so a general
//! validator (remote references, every draft, every format, annotations) is build time a
//! user pays for nothing: the `jsonschema` crate alone was 128 s of a 4-minute cold build on
//! two cores. A schema is compiled once into a tree of [`Node`]s; a keyword this module does
//! not know is a compile error, never silently ignored, so a schema can never claim a
//! constraint that is not checked. The test suite cross-checks every shipped schema against
//! the full `jsonschema` crate on valid and broken documents.

use regex::Regex;
use serde_json::{Map, Value};

/// A compiled schema: check documents with [`Validator::errors`].
#[derive(Debug)]
pub struct Validator {
    root: Node,
    /// `$defs` by name; a `$ref` is an index into it.
    defs: Vec<Node>,
}

/// One violation: where in the document (a JSON pointer, `""` for the root) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer of the offending value.
    pub at: String,
    /// What is wrong, in the words of the keyword that failed.
    pub what: String,
}

/// A schema object compiled: each keyword it holds, in a fixed order of evaluation.
#[derive(Debug, Default)]
struct Node {
    /// `true` / `false` schemas: everything or nothing is valid.
    always: Option<bool>,
    keywords: Vec<Keyword>,
}

#[derive(Debug)]
enum Keyword {
    Ref(usize),
    Type(Vec<Kind>),
    Const(Value),
    Enum(Vec<Value>),
    Minimum(f64),
    Maximum(f64),
    MinLength(usize),
    Pattern(Regex),
    DateTime,
    MinItems(usize),
    MaxItems(usize),
    Items(Box<Node>),
    Required(Vec<String>),
    Properties(Vec<(String, Node)>),
    /// `additionalProperties`, with the names `properties` lists (those are not additional).
    Additional(Box<Node>, Vec<String>),
    AllOf(Vec<Node>),
    OneOf(Vec<Node>),
    IfThenElse(Box<Node>, Option<Box<Node>>, Option<Box<Node>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

/// Keywords that carry no constraint.
const ANNOTATIONS: [&str; 6] = [
    "$schema",
    "$id",
    "title",
    "description",
    "$comment",
    "$defs",
];

impl Validator {
    /// Compiles `schema`; an unknown keyword, a bad regex or a `$ref` that is not a local
    /// `#/$defs/<name>` is an error naming it.
    pub fn compile(schema: &Value) -> Result<Validator, String> {
        let empty = Map::new();
        let defs_map = match schema.get("$defs") {
            Some(Value::Object(defs)) => defs,
            Some(_) => return Err("$defs: not an object".to_string()),
            None => &empty,
        };
        let names: Vec<&String> = defs_map.keys().collect();
        let compiler = Compiler { names: &names };
        let defs = defs_map
            .iter()
            .map(|(name, def)| compiler.node(def).map_err(|e| format!("$defs/{name}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Validator {
            root: compiler.node(schema)?,
            defs,
        })
    }

    /// Every violation of `instance`: a schema's keywords in name order, the document's
    /// keys in name order, array items in order, so the same document gives the same list.
    pub fn errors(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(&self.root, instance, &mut String::new(), &mut out);
        out
    }

    fn valid(&self, node: &Node, instance: &Value) -> bool {
        let mut out = Vec::new();
        self.check(node, instance, &mut String::new(), &mut out);
        out.is_empty()
    }

    fn check(&self, node: &Node, value: &Value, at: &mut String, out: &mut Vec<Violation>) {
        if let Some(always) = node.always {
            if !always {
                push(out, at, format!("False schema does not allow {value}"));
            }
            return;
        }
        for keyword in &node.keywords {
            self.keyword(keyword, value, at, out);
        }
    }

    fn keyword(&self, keyword: &Keyword, value: &Value, at: &mut String, out: &mut Vec<Violation>) {
        match keyword {
            Keyword::Ref(def) => self.check(&self.defs[*def], value, at, out),
            Keyword::Type(kinds) => {
                if !kinds.iter().any(|k| k.holds(value)) {
                    let names: Vec<String> =
                        kinds.iter().map(|k| format!("\"{}\"", k.name())).collect();
                    let expected = match names.as_slice() {
                        [one] => one.clone(),
                        many => format!("any of [{}]", many.join(", ")),
                    };
                    push(out, at, format!("{value} is not of type {expected}"));
                }
            }
            Keyword::Const(expected) => {
                if !equal(value, expected) {
                    push(out, at, format!("{expected} was expected"));
                }
            }
            Keyword::Enum(options) => {
                if !options.iter().any(|o| equal(value, o)) {
                    push(
                        out,
                        at,
                        format!("{value} is not one of {}", Value::Array(options.clone())),
                    );
                }
            }
            Keyword::Minimum(min) => {
                if value.as_f64().is_some_and(|v| v < *min) {
                    push(
                        out,
                        at,
                        format!("{value} is less than the minimum of {min}"),
                    );
                }
            }
            Keyword::Maximum(max) => {
                if value.as_f64().is_some_and(|v| v > *max) {
                    push(
                        out,
                        at,
                        format!("{value} is greater than the maximum of {max}"),
                    );
                }
            }
            Keyword::MinLength(min) => {
                if value.as_str().is_some_and(|s| s.chars().count() < *min) {
                    push(out, at, format!("{value} is shorter than {min} characters"));
                }
            }
            Keyword::Pattern(re) => {
                if value.as_str().is_some_and(|s| !re.is_match(s)) {
                    push(
                        out,
                        at,
                        format!("{value} does not match \"{}\"", re.as_str()),
                    );
                }
            }
            Keyword::DateTime => {
                if value.as_str().is_some_and(|s| !is_date_time(s)) {
                    push(out, at, format!("{value} is not a \"date-time\""));
                }
            }
            Keyword::MinItems(min) => {
                if value.as_array().is_some_and(|a| a.len() < *min) {
                    push(out, at, format!("{value} has less than {min} items"));
                }
            }
            Keyword::MaxItems(max) => {
                if value.as_array().is_some_and(|a| a.len() > *max) {
                    push(out, at, format!("{value} has more than {max} items"));
                }
            }
            Keyword::Items(node) => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    self.below(node, item, at, &i.to_string(), out);
                }
            }
            Keyword::Required(names) => {
                if let Some(object) = value.as_object() {
                    for name in names.iter().filter(|n| !object.contains_key(*n)) {
                        push(out, at, format!("\"{name}\" is a required property"));
                    }
                }
            }
            Keyword::Properties(properties) => {
                if let Some(object) = value.as_object() {
                    for (name, node) in properties {
                        if let Some(v) = object.get(name) {
                            self.below(node, v, at, name, out);
                        }
                    }
                }
            }
            Keyword::Additional(node, known) => self.additional(node, known, value, at, out),
            Keyword::AllOf(nodes) => {
                for node in nodes {
                    self.check(node, value, at, out);
                }
            }
            Keyword::OneOf(nodes) => match nodes.iter().filter(|n| self.valid(n, value)).count() {
                1 => {}
                0 => push(
                    out,
                    at,
                    format!(
                        "{value} is not valid under any of the schemas listed in the 'oneOf' keyword"
                    ),
                ),
                _ => push(
                    out,
                    at,
                    format!(
                        "{value} is valid under more than one of the schemas listed in the 'oneOf' keyword"
                    ),
                ),
            },
            Keyword::IfThenElse(cond, then, otherwise) => {
                let branch = if self.valid(cond, value) {
                    then
                } else {
                    otherwise
                };
                if let Some(node) = branch {
                    self.check(node, value, at, out);
                }
            }
        }
    }

    fn additional(
        &self,
        node: &Node,
        known: &[String],
        value: &Value,
        at: &mut String,
        out: &mut Vec<Violation>,
    ) {
        let Some(object) = value.as_object() else {
            return;
        };
        let extra = object.iter().filter(|(name, _)| !known.contains(name));
        if node.always == Some(false) {
            let names: Vec<String> = extra.map(|(name, _)| format!("'{name}'")).collect();
            if !names.is_empty() {
                let verb = if names.len() == 1 { "was" } else { "were" };
                let what = format!(
                    "Additional properties are not allowed ({} {verb} unexpected)",
                    names.join(", ")
                );
                push(out, at, what);
            }
            return;
        }
        for (name, v) in extra {
            self.below(node, v, at, name, out);
        }
    }

    /// Checks `value`, found under `step` of the document at `at`.
    fn below(
        &self,
        node: &Node,
        value: &Value,
        at: &mut String,
        step: &str,
        out: &mut Vec<Violation>,
    ) {
        let len = at.len();
        at.push('/');
        // JSON pointer escaping (RFC 6901).
        at.push_str(&step.replace('~', "~0").replace('/', "~1"));
        self.check(node, value, at, out);
        at.truncate(len);
    }
}

fn push(out: &mut Vec<Violation>, at: &str, what: String) {
    out.push(Violation {
        at: at.to_string(),
        what,
    });
}

/// JSON Schema equality: numbers by value (`1` equals `1.0`), the rest structurally.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

impl Kind {
    fn parse(name: &str) -> Result<Kind, String> {
        Ok(match name {
            "null" => Kind::Null,
            "boolean" => Kind::Boolean,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "string" => Kind::String,
            "array" => Kind::Array,
            "object" => Kind::Object,
            other => return Err(format!("type: unknown type {other:?}")),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }

    fn holds(self, value: &Value) -> bool {
        match (self, value) {
            (Kind::Null, Value::Null)
            | (Kind::Boolean, Value::Bool(_))
            | (Kind::Number, Value::Number(_))
            | (Kind::String, Value::String(_))
            | (Kind::Array, Value::Array(_))
            | (Kind::Object, Value::Object(_)) => true,
            // 2020-12: a number with a zero fractional part is an integer.
            (Kind::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

/// Compiles schema objects, resolving `$ref`s against the root's `$defs` names.
struct Compiler<'a> {
    names: &'a [&'a String],
}

impl Compiler<'_> {
    fn node(&self, schema: &Value) -> Result<Node, String> {
        let object = match schema {
            Value::Bool(b) => {
                return Ok(Node {
                    always: Some(*b),
                    keywords: Vec::new(),
                });
            }
            Value::Object(object) => object,
            other => {
                return Err(format!(
                    "a schema must be an object or a boolean, not {other}"
                ));
            }
        };
        let mut keywords = Vec::new();
        for (name, value) in object {
            if ANNOTATIONS.contains(&name.as_str()) {
                continue;
            }
            let keyword = match name.as_str() {
                // `then` and `else` belong to `if` (and mean nothing without it).
                "if" => {
                    let branch = |key: &str| {
                        object
                            .get(key)
                            .map(|s| self.node(s).map(Box::new))
                            .transpose()
                    };
                    Keyword::IfThenElse(
                        Box::new(self.node(value)?),
                        branch("then")?,
                        branch("else")?,
                    )
                }
                "then" | "else" => continue,
                "additionalProperties" => {
                    let known = object.get("properties").and_then(Value::as_object);
                    let known = known
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default();
                    Keyword::Additional(Box::new(self.node(value)?), known)
                }
                _ => self
                    .keyword(name, value)
                    .map_err(|e| format!("{name}: {e}"))?,
            };
            keywords.push(keyword);
        }
        Ok(Node {
            always: None,
            keywords,
        })
    }

    fn keyword(&self, name: &str, value: &Value) -> Result<Keyword, String> {
        Ok(match name {
            "$ref" => Keyword::Ref(self.reference(value)?),
            "type" => Keyword::Type(match value {
                Value::String(one) => vec![Kind::parse(one)?],
                Value::Array(many) => many
                    .iter()
                    .map(|k| Kind::parse(k.as_str().unwrap_or_default()))
                    .collect::<Result<_, _>>()?,
                _ => return Err("not a string or an array".to_string()),
            }),
            "const" => Keyword::Const(value.clone()),
            "enum" => Keyword::Enum(value.as_array().ok_or("not an array")?.clone()),
            "minimum" => Keyword::Minimum(value.as_f64().ok_or("not a number")?),
            "maximum" => Keyword::Maximum(value.as_f64().ok_or("not a number")?),
            "minLength" => Keyword::MinLength(count(value)?),
            "minItems" => Keyword::MinItems(count(value)?),
            "maxItems" => Keyword::MaxItems(count(value)?),
            "pattern" => Keyword::Pattern(
                Regex::new(value.as_str().ok_or("not a string")?).map_err(|e| e.to_string())?,
            ),
            "format" => match value.as_str() {
                Some("date-time") => Keyword::DateTime,
                other => return Err(format!("format {other:?} is not checked by sdetkit")),
            },
            "items" => Keyword::Items(Box::new(self.node(value)?)),
            "required" => Keyword::Required(
                value
                    .as_array()
                    .ok_or("not an array")?
                    .iter()
                    .map(|n| n.as_str().map(str::to_string).ok_or("not a string"))
                    .collect::<Result<_, _>>()?,
            ),
            "properties" => Keyword::Properties(
                value
                    .as_object()
                    .ok_or("not an object")?
                    .iter()
                    .map(|(k, s)| Ok((k.clone(), self.node(s).map_err(|e| format!("{k}: {e}"))?)))
                    .collect::<Result<_, String>>()?,
            ),
            "allOf" => Keyword::AllOf(self.nodes(value)?),
            "oneOf" => Keyword::OneOf(self.nodes(value)?),
            other => {
                return Err(format!(
                    "keyword {other:?} is not supported by sdetkit's validator"
                ));
            }
        })
    }

    fn nodes(&self, value: &Value) -> Result<Vec<Node>, String> {
        value
            .as_array()
            .ok_or("not an array")?
            .iter()
            .map(|s| self.node(s))
            .collect()
    }

    fn reference(&self, value: &Value) -> Result<usize, String> {
        let target = value.as_str().ok_or("not a string")?;
        let name = target.strip_prefix("#/$defs/").ok_or_else(|| {
            format!("{target:?}: only local #/$defs/<name> references are supported")
        })?;
        self.names
            .iter()
            .position(|n| n.as_str() == name)
            .ok_or_else(|| format!("{target:?}: no such definition"))
    }
}

fn count(value: &Value) -> Result<usize, String> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| "not a non-negative integer".to_string())
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T` and `Z` in either case,
/// with real calendar days and a leap second allowed.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day)) = (digits(0, 4), digits(5, 2), digits(8, 2)) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && matches!(b.get(10), Some(b'T' | b't'))) {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) = (digits(11, 2), digits(14, 2), digits(17, 2))
    else {
        return false;
    };
    if !(at(13, b':') && at(16, b':')) {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    let offset_ok = match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && digits(i + 1, 2).is_some_and(|h| h < 24)
                && digits(i + 4, 2).is_some_and(|m| m < 60)
        }
        _ => false,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    offset_ok && (1..=days).contains(&day) && hour < 24 && minute < 60 && second <= 60
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, instance: Value) -> Vec<String> {
        let v = Validator::compile(&schema).unwrap();
        v.errors(&instance)
            .into_iter()
            .map(|e| format!("{}: {}", e.at, e.what))
            .collect()
    }

    #[test]
    fn date_times_are_rfc_3339() {
        for good in [
            "2026-11-25T14:15:56Z",
            "2026-11-25t14:15:56.787462+00:00",
            "2024-02-29T23:59:60-05:30",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "yesterday",
            "2026-11-25",
            "2026-11-25T14:15:56",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T14:15:56.Z",
            "2026-11-25T14:15:56+0000",
            "2026-11-25T14:15:56Zx",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn keywords_report_where_and_what() {
        let schema = json!({
            "type": "object", "required": ["a", "b"], "additionalProperties": false,
            "properties": {
                "a": {"type": "array", "maxItems": 1, "items": {"$ref": "#/$defs/n"}},
                "b": {"enum": ["x", "y"]}
            },
            "$defs": {"n": {"type": ["integer", "null"], "minimum": 0}}
        });
        assert_eq!(
            errors(schema.clone(), json!({"a": [1.0, -2, "s"], "c/d": 1})),
            [
                ": Additional properties are not allowed ('c/d' was unexpected)",
                "/a/1: -2 is less than the minimum of 0",
                "/a/2: \"s\" is not of type any of [\"integer\", \"null\"]",
                "/a: [1.0,-2,\"s\"] has more than 1 items",
                ": \"b\" is a required property",
            ]
        );
        assert!(errors(schema, json!({"a": [null], "b": "y"})).is_empty());
    }

    #[test]
    fn conditionals_and_one_of() {
        let schema = json!({
            "if": {"properties": {"k": {"const": 1}}},
            "then": {"required": ["x"]},
            "else": {"oneOf": [{"required": ["y"]}, {"required": ["z"]}]}
        });
        assert_eq!(
            errors(schema.clone(), json!({"k": 1})),
            [": \"x\" is a required property"]
        );
        assert!(errors(schema.clone(), json!({"k": 2, "y": 0})).is_empty());
        assert_eq!(errors(schema, json!({"y": 0, "z": 0})).len(), 1);
    }

    #[test]
    fn unknown_keywords_and_references_do_not_compile() {
        let e = Validator::compile(&json!({"uniqueItems": true})).unwrap_err();
        assert!(e.contains("uniqueItems"), "{e}");
        let e = Validator::compile(&json!({"$ref": "https://x/y"})).unwrap_err();
        assert!(e.contains("only local"), "{e}");
        let e = Validator::compile(&json!({"format": "uri"})).unwrap_err();
        assert!(e.contains("uri"), "{e}");
    }
}

//! The gates' findings as SARIF 2.1.0 (`--sarif-out`), for code-scanning dashboards: one run
//! of the tool `sdetkit`, a rule per step or check that has a finding (`gate-fast/unit`,
//! `doctor/secrets`), a result per [`super::ci::findings`] entry with its level, message and
//! place (its file and line; unlocated ones at the configuration file, line 1, since GitHub
//! code scanning rejects a whole file for one result without a location).

use serde_json::{Value, json};

use super::ci::{Level, findings};
use crate::artifacts::proof::GateReport;

/// The schema a SARIF 2.1.0 log names.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of `gates`; `anchor` is the configuration file, relative to the root.
pub fn log(gates: &[GateReport], anchor: &str) -> Value {
    let found = findings(gates);
    let mut rules: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for f in &found {
        let index = match rules.iter().position(|r| *r == f.rule) {
            Some(i) => i,
            None => {
                rules.push(&f.rule);
                rules.len() - 1
            }
        };
        let (uri, line) = f.place(anchor);
        results.push(json!({
            "ruleId": f.rule,
            "ruleIndex": index,
            "level": match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
            },
            "message": {"text": f.text()},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri_reference(uri)},
                    "region": {"startLine": line},
                }
            }],
        }));
    }
    let rules: Vec<Value> = rules
        .iter()
        .map(|id| {
            let (gate, step) = id.split_once('/').unwrap_or(("", id));
            json!({
                "id": id,
                "name": step,
                "shortDescription": {"text": format!("`{step}` of {gate}")},
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sdetkit",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// A relative path as a URI reference: every byte but letters, digits, `-._~` and `/`
/// percent-encoded (a space, a `%`, a `:` that would read as a scheme, non-ASCII names).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri_reference;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("src/lib.rs"), "src/lib.rs");
        assert_eq!(
            uri_reference("docs/a b:c%é.md"),
            "docs/a%20b%3Ac%25%C3%A9.md"
        );
    }
}

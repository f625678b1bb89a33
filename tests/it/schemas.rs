//! sdetkit's own schema validator against the full `jsonschema` crate: on every artifact the
//! lanes really write, and on thousands of broken variants of them, both give the same verdict.

use assert_cmd::assert::OutputAssertExt;
use serde_json::{Value, json};

use sdetkit::artifacts::CONTRACTS;

use crate::support::Repo;

/// Every variant of `doc` with one change: a key removed, a value replaced by one of another
/// type or out of range, an unknown key added.
fn variants(doc: &Value) -> Vec<Value> {
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5),
        json!(""),
        json!("x"),
        json!("2026-02-30T00:00:00Z"),
        json!([]),
        json!({}),
    ];
    let mut out = Vec::new();
    let mut pointers = Vec::new();
    collect(doc, String::new(), &mut pointers);
    for pointer in &pointers {
        for replacement in &replacements {
            let mut v = doc.clone();
            *v.pointer_mut(pointer).unwrap() = replacement.clone();
            out.push(v);
        }
        let mut v = doc.clone();
        match v.pointer_mut(pointer).unwrap() {
            Value::Object(map) => {
                map.insert("zz_unknown".into(), json!(1));
                let first = map.keys().next().cloned();
                out.push(v.clone());
                if let Some(first) = first {
                    v.pointer_mut(pointer)
                        .unwrap()
                        .as_object_mut()
                        .unwrap()
                        .remove(&first);
                    out.push(v);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.push(items[0].clone());
                out.push(v.clone());
                v.pointer_mut(pointer)
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .clear();
                out.push(v);
            }
            _ => {}
        }
    }
    out
}

fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[test]
fn the_shipped_validator_agrees_with_jsonschema_on_real_artifacts_and_their_variants() {
    let repo = Repo::releasable(
        "[[gate.fast.steps]]\nid = \"unit\"\nrun = \"test -f ok || { echo 'error: boom'; exit 1; }\"\n",
    );
    repo.sdetkit(&["ops", "daily"]).assert().code(0);
    repo.write("ok", "");
    repo.commit("fix");
    repo.sdetkit(&["ops", "daily"]).assert().code(0);
    repo.sdetkit(&["ops", "record", "release", "--version", "1.0.0"])
        .assert()
        .code(0);
    repo.sdetkit(&["ops", "weekly"]).assert().code(0);

    let mut checked = 0;
    let mut disagreements = Vec::new();
    for contract in &CONTRACTS {
        let path = repo.path().join("build").join(contract.rel);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let docs: Vec<Value> = if contract.jsonl {
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        } else {
            vec![serde_json::from_str(&text).unwrap()]
        };
        let schema: Value = serde_json::from_str(contract.schema.text).unwrap();
        let reference = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for doc in &docs {
            assert!(
                contract.schema.violations(doc).is_empty(),
                "{}: {:?}",
                contract.rel,
                contract.schema.violations(doc)
            );
            for variant in std::iter::once(doc.clone()).chain(variants(doc)) {
                let ours = contract.schema.violations(&variant);
                if ours.is_empty() != reference.is_valid(&variant) {
                    disagreements.push(format!("{}: ours {ours:?} on {variant}", contract.rel));
                }
                checked += 1;
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(checked > 5_000, "only {checked} documents checked");
}

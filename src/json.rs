//! JSON text: sorted keys (the event-log scanner and byte-identical `--stable-json` output rely
//! on them), the reference's pretty layout, and the `--stable-json` normalisation. Every JSON
//! text the tool writes (artifacts, rows, packs, `--format json`) is made here, so this is
//! where its strings are redacted ([`crate::secrets::redactor`]). Files are written by
//! [`crate::artifacts`].

use serde::Serialize;
use serde_json::Value;

/// Keys whose values change from run to run for the same tree and outcomes.
const VOLATILE_KEYS: &[&str] = &[
    "duration_ms",
    "started_ms",
    "started_at",
    "generated_at",
    "run_id",
    "root",
];

/// Converts to a `Value`; `serde_json::Map` is a `BTreeMap`, so keys come out sorted.
pub fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("artifact types always serialise")
}

/// Drops the keys that differ between two runs of the same tree (durations, timestamps,
/// run ids, absolute roots), recursively.
pub fn stabilize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !VOLATILE_KEYS.contains(&key.as_str()));
            map.values_mut().for_each(stabilize);
        }
        Value::Array(items) => items.iter_mut().for_each(stabilize),
        _ => {}
    }
}

/// Pretty JSON (2-space indent, sorted keys, secrets redacted) with a trailing newline, as
/// the reference wrote it.
pub fn pretty(value: &Value) -> String {
    let redactor = crate::secrets::redactor();
    let mut text =
        serde_json::to_string_pretty(&redactor.json(value)).expect("values always serialise");
    text.push('\n');
    text
}

/// One JSONL row: compact, sorted keys, secrets redacted, newline-terminated.
pub fn line(value: &Value) -> String {
    let redactor = crate::secrets::redactor();
    let mut text = serde_json::to_string(&redactor.json(value)).expect("values always serialise");
    text.push('\n');
    text
}

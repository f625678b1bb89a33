//! Maps keyed by owned strings, looked up by borrowed ones on hot paths.

use std::collections::BTreeMap;

/// The value of `key` in `map`, made by `new` when absent: the key is copied only then, not
/// on every lookup as `map.entry(key.to_string())` would.
pub fn entry<'m, V>(
    map: &'m mut BTreeMap<String, V>,
    key: &str,
    new: impl FnOnce() -> V,
) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), new());
    }
    map.get_mut(key).expect("inserted above")
}

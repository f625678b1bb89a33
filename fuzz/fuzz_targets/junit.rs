//! The JUnit reader: any bytes give a failure, nothing, or a malformed-XML error naming a
//! line; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("sdetkit-fuzz-junit-{}.xml", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let _ = sdetkit::triage::junit::first_failure(&[path]);
});

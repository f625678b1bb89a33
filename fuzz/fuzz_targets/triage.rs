//! Every log matcher of the triage layer, through `triage::analyze`: any bytes give an answer
//! (possibly "nothing recognised"), never a panic, with an excerpt of at most 20 lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("sdetkit-fuzz-triage-{}.log", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let found = sdetkit::triage::analyze(&path, &[], &sdetkit::triage::StepContext::new("fuzz")).unwrap();
    assert!(found.excerpt.lines().count() <= 20, "excerpt too long");
});

//! `sdetkit.toml` parsing and validation: any bytes give a config or a one-line error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match sdetkit::config::load_str(std::path::Path::new("sdetkit.toml"), text) {
            Ok(_) => {}
            Err(e) => assert!(!e.to_string().contains('\n'), "multi-line error: {e}"),
        }
    }
});

//! The event-log row reader against `serde_json`, on the contract `artifacts::eventlog`
//! documents: a canonical row (what sdetkit writes: compact, sorted keys) reads exactly as
//! serde reads it; a row serde rejects may still be accepted when the damage lies past what
//! the scanner reads (a deliberate trade-off for speed), but every value it returns must be
//! in the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdetkit::artifacts::eventlog::RowHead;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let fast = RowHead::parse(line);
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(value) => {
            let canonical = serde_json::to_string(&value).is_ok_and(|c| c == line.trim_end());
            if let (true, Ok(a), Ok(b)) = (canonical, &fast, serde_json::from_str::<RowHead>(line)) {
                assert_eq!(a, &b, "scanner and serde disagree on {line:?}");
            }
        }
        Err(_) => {
            // Accepting a row serde rejects is the scanner's documented trade-off (damage past
            // what it reads); what it returns must still be read from the line, not invented.
            if let Ok(row) = &fast {
                let read = [
                    Some(&row.decision),
                    row.captured_at.as_ref(),
                    row.branch.as_ref(),
                ];
                for value in read.into_iter().flatten().chain(&row.failed_steps) {
                    assert!(line.contains(&format!("\"{value}\"")), "scanner invented {value:?} from {line:?}");
                }
            }
        }
    }
});

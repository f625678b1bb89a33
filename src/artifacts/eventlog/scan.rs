//! A fast reader for the head of an event-log row ([`RowHead`]: the fields most readers
//! need). A 100k-row log is ~45 MB; full JSON deserialisation of every row dominated the
//! lane's overhead, so rows are scanned here and only what is unusual goes to `serde_json`.
//!
//! Both writers (sdetkit and the Python reference) sort keys, and every head key sorts at
//! or before `failed_steps`. So the scanner reads keys in order, checking the structure as it
//! goes, and stops at the first key past `failed_steps` while the keys seen so far are
//! sorted; of the rest it checks only that the row is closed (a torn row is not). It gives
//! up (`None`) on anything it does not handle, such as escapes in a needed string or a
//! needed field of an unexpected type; the caller then asks `serde_json`, which decides.
//! The trade-off, deliberate: a row whose keys are *unsorted* after a sorted prefix (written
//! by hand) may have a later `branch` go unread, and damage inside the skipped tail of a
//! closed row goes unnoticed.

use std::borrow::Cow;

use super::RowHead;

/// Reads the head of `line` if it is a plain row with sorted keys, else `None`; with it,
/// where the keys after the head start (for [`field`]), when there are any.
pub fn head(line: &str) -> Option<(RowHead<'_>, Option<usize>)> {
    let mut s = Scanner {
        bytes: line.as_bytes(),
        text: line,
        at: 0,
    };
    let mut view = RowHead {
        captured_at: None,
        decision: Cow::Borrowed(""),
        failed_steps: Vec::new(),
        branch: None,
    };
    let mut has_decision = false;
    let mut previous = "";
    s.expect(b'{')?;
    if !s.accept(b'}') {
        loop {
            s.skip_ws();
            let key_at = s.at;
            let key = s.string()?;
            if sorts_after(key, previous) && sorts_after(key, LAST_NEEDED) {
                // Keys so far are sorted and past every needed one: the rest of a sorted row
                // holds nothing to read, only its end to check.
                return (has_decision && line.trim_end().ends_with('}'))
                    .then_some((view, Some(key_at)));
            }
            previous = key;
            s.expect(b':')?;
            match key {
                "captured_at" => view.captured_at = Some(Cow::Borrowed(s.string()?)),
                "decision" => {
                    view.decision = Cow::Borrowed(s.string()?);
                    has_decision = true;
                }
                "failed_steps" => view.failed_steps = s.strings()?,
                "branch" => view.branch = s.nullable_string()?.map(Cow::Borrowed),
                _ => s.skip_value()?,
            }
            if s.accept(b'}') {
                break;
            }
            s.expect(b',')?;
        }
    }
    s.skip_ws();
    (has_decision && s.at == s.bytes.len()).then_some((view, None))
}

/// The string (or null) value of `key` among the sorted keys of `line` from byte `from`
/// (where [`head`] stopped): `Some(None)` when the row has no such key or it is null, `None`
/// when the scanner gives up (an escape, an unexpected type), for serde to decide.
pub fn field<'a>(line: &'a str, from: usize, key: &str) -> Option<Option<&'a str>> {
    let mut s = Scanner {
        bytes: line.as_bytes(),
        text: line,
        at: from,
    };
    loop {
        let found = s.string()?;
        if found > key {
            return Some(None);
        }
        s.expect(b':')?;
        if found == key {
            return s.nullable_string();
        }
        s.skip_value()?;
        if s.accept(b'}') {
            return Some(None);
        }
        s.expect(b',')?;
    }
}

/// Whether `bytes` holds a character JSON does not allow unescaped inside a string.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b < 0x20)
}

/// The last head key in sorted order.
const LAST_NEEDED: &str = "failed_steps";

/// `a > b`, deciding on the first byte when it can: the hot path of the row scan, where a
/// full comparison (a `memcmp` call) per key was a fifth of the time.
fn sorts_after(a: &str, b: &str) -> bool {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => a > b,
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    fn accept(&mut self, byte: u8) -> bool {
        self.skip_ws();
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.accept(byte).then_some(())
    }

    /// A string without escapes, borrowed from the line.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let end = self.quote_or_escape()?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        let text = self.text.get(start..end)?;
        // JSON forbids raw control characters in strings; leave such a row to serde.
        (!has_control(text.as_bytes())).then_some(text)
    }

    fn nullable_string(&mut self) -> Option<Option<&'a str>> {
        self.skip_ws();
        if self.bytes.get(self.at..self.at + 4) == Some(b"null") {
            self.at += 4;
            return Some(None);
        }
        self.string().map(Some)
    }

    /// An array of strings without escapes.
    fn strings(&mut self) -> Option<Vec<Cow<'a, str>>> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.accept(b']') {
            return Some(items);
        }
        loop {
            items.push(Cow::Borrowed(self.string()?));
            if self.accept(b']') {
                return Some(items);
            }
            self.expect(b',')?;
        }
    }

    /// Skips any value: a string (escapes allowed), a bracketed value, or a scalar.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.bytes.get(self.at)? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_nested(),
            _ => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
                {
                    self.at += 1;
                }
                (self.at > start).then_some(())
            }
        }
    }

    /// Skips a string starting at its opening quote (raw control characters make it
    /// invalid, as they do for serde).
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            let from = self.at;
            let found = self.quote_or_escape()?;
            if has_control(&self.bytes[from..found]) {
                return None;
            }
            self.at = found + 1;
            if self.bytes[found] == b'"' {
                return Some(());
            }
            self.at += 1;
        }
    }

    /// Index of the next `"` or backslash from here.
    fn quote_or_escape(&self) -> Option<usize> {
        let rest = self.bytes.get(self.at..)?;
        memchr::memchr2(b'"', b'\\', rest).map(|i| self.at + i)
    }

    /// Skips an object or array, matching brackets outside strings.
    fn skip_nested(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.bytes.get(self.at)? {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compact_and_reference_rows_like_serde() {
        let lines = [
            r#"{"branch":"main","captured_at":"2026-11-25T14:15:56.787462+00:00","decision":"NO-SHIP","failed_steps":["gate-fast","doctor"],"lane":"daily","ok":false,"run_id":"r-1","steps":[{"duration_ms":3,"name":"gate-fast","status":"failed"}]}"#,
            r#"{"captured_at": "2026-11-25T14:15:56+00:00", "decision": "SHIP", "failed_steps": [], "ok": true, "selected_python": "C:\\py", "step_count": 3}"#,
            r#"{"decision": "SHIP", "branch": null}"#,
        ];
        for line in lines {
            let (fast, _) = head(line).unwrap();
            let slow: RowHead = serde_json::from_str(line).unwrap();
            assert_eq!(fast, slow);
        }
        let (_, rest) = head(lines[0]).unwrap();
        let rest = rest.unwrap();
        assert_eq!(field(lines[0], rest, "lane"), Some(Some("daily")));
        assert_eq!(field(lines[0], rest, "run_id"), Some(Some("r-1")));
        assert_eq!(field(lines[0], rest, "ok"), None, "not a string");
        assert_eq!(field(lines[0], rest, "kind"), Some(None), "absent");
    }

    #[test]
    fn raw_control_characters_before_the_needed_keys_are_not_a_row() {
        let line = "{\"commit\u{1}\":\"x\",\"decision\":\"SHIP\",\"failed_steps\":[]}";
        assert!(head(line).is_none());
        assert!(
            RowHead::parse(line).is_err(),
            "serde rejects it too, so it is corrupt"
        );
        let value = "{\"captured_at\":\"2026\u{0}\",\"decision\":\"SHIP\"}";
        assert!(RowHead::parse(value).is_err());
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        for line in [
            r#"{"decision": "SH"#,
            r#"{"decision": "SHIP"} x"#,
            r#"{"captured_at": "x"}"#,
            r#"{"decision": "S\"HIP"}"#,
            r#"{"decision": "SHIP", "failed_steps": "gate-fast"}"#,
            r#"{"decision": "SHIP", "steps": [{"a": 1}, {"b""#,
            r#"{"decision": "SHIP" "ok": true}"#,
            "[1, 2]",
            "",
        ] {
            assert!(head(line).is_none(), "{line}");
        }
    }

    /// A small deterministic generator (no dependency): rows with random keys, values,
    /// escapes and damage, sorted as both writers sort them.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
        fn value(&mut self, depth: u32) -> serde_json::Value {
            use serde_json::json;
            match self.next() % if depth > 2 { 5 } else { 7 } {
                0 => json!(null),
                1 => json!(self.next().is_multiple_of(2)),
                2 => json!(self.next() % 1000),
                3 => json!(self.pick(&[
                    "SHIP",
                    "NO-SHIP",
                    "main",
                    "a\"b",
                    "tab\there",
                    "é\\x",
                    "",
                    "daily"
                ])),
                4 => json!([self.pick(&["gate-fast", "doctor", "x\ny"]), "gate-release"]),
                5 => json!([{"k": self.value(depth + 1)}]),
                _ => json!({"inner": self.value(depth + 1), "z": [1, {"q": "}"}]}),
            }
        }
    }

    /// The property the reader relies on: on any row a writer could produce (sorted keys,
    /// compact or spaced), the scanner either gives up or reads exactly what serde reads.
    #[test]
    fn the_scanner_agrees_with_serde_on_generated_rows() {
        let keys = [
            "branch",
            "captured_at",
            "commit",
            "decision",
            "failed_steps",
            "lane",
            "ok",
            "release_dry_run",
            "run_id",
            "steps",
            "tests",
        ];
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut read_fast = 0;
        for i in 0..20_000 {
            let mut row = serde_json::Map::new();
            for key in keys {
                if g.next().is_multiple_of(4) {
                    continue;
                }
                // Mostly the types writers use, sometimes anything.
                let value = match (key, g.next() % 5) {
                    (_, 0) => g.value(0),
                    ("failed_steps", _) => {
                        serde_json::json!([g.pick(&["gate-fast", "doctor", "x\\y"])])
                    }
                    ("branch" | "captured_at" | "decision" | "lane" | "run_id", _) => {
                        serde_json::json!(g.pick(&[
                            "SHIP",
                            "NO-SHIP",
                            "main",
                            "a\"b",
                            "daily",
                            "2026-11-25T10:00:00Z"
                        ]))
                    }
                    _ => g.value(0),
                };
                row.insert(key.to_string(), value);
            }
            let value = serde_json::Value::Object(row);
            let mut line = if i % 2 == 0 {
                serde_json::to_string(&value).unwrap()
            } else {
                serde_json::to_string_pretty(&value)
                    .unwrap()
                    .replace('\n', " ")
            };
            let damaged = i % 7 == 0;
            if damaged {
                // Damage: cut the row somewhere.
                let cut = (g.next() as usize) % line.len().max(1);
                line.truncate(line.floor_char_boundary(cut));
            }
            let slow = serde_json::from_str::<RowHead>(&line);
            match (head(&line), slow) {
                (Some((fast, rest)), Ok(slow)) => {
                    read_fast += 1;
                    assert_eq!(fast, slow, "{line}");
                    #[derive(serde::Deserialize)]
                    struct Ids<'a> {
                        #[serde(borrow)]
                        lane: Option<Cow<'a, str>>,
                        #[serde(borrow)]
                        run_id: Option<Cow<'a, str>>,
                    }
                    if let (Some(rest), Ok(ids)) = (rest, serde_json::from_str::<Ids>(&line)) {
                        for (key, want) in [("lane", ids.lane), ("run_id", ids.run_id)] {
                            if let Some(got) = field(&line, rest, key) {
                                assert_eq!(got, want.as_deref(), "{key} of {line}");
                            }
                        }
                    }
                }
                // The documented trade-off: damage past the head of a closed row goes unseen.
                (Some(_), Err(_)) => assert!(damaged, "accepted an undamaged bad row: {line}"),
                (None, _) => {}
            }
        }
        assert!(
            read_fast > 1_500,
            "the fast path must carry the common rows ({read_fast})"
        );
    }
}

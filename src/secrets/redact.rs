//! Replacing secrets in text: known secret values (with their other lines, their HTML and
//! Markdown escapes and their base64), token shapes, URL credentials and private keys, body
//! and all. A text is redacted line by line, so a private key's body lines go with its
//! BEGIN line; a stream ([`Stream`]) also holds back the tail of a line cut by its reader, so
//! a secret straddling the cut is still seen whole.

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// The replacement text.
pub const MARK: &str = "[REDACTED]";

/// Values shorter than this are not treated as secrets: redacting `1` or `true` everywhere
/// would destroy logs without protecting anything.
const MIN_SECRET_LEN: usize = 6;

/// Encoded forms (base64 fragments) shorter than this are not looked for: too likely to
/// occur by chance.
const MIN_ENCODED_LEN: usize = 8;

/// Lines after a private key's BEGIN line that are redacted whole when no END line comes.
const MAX_KEY_LINES: u32 = 128;

/// Bytes at the end of a cut line held back for the next piece: more than any token shape
/// needs before it matches.
const HOLD: usize = 4096;

/// The most a stream holds back: a secret longer than this that straddles a cut loses only
/// its first part.
const MAX_CARRY: usize = 64 * 1024;

/// Replaces secrets in text.
#[derive(Debug)]
pub struct Redactor {
    values: Option<AhoCorasick>,
    /// The longest value pattern, in bytes.
    longest: usize,
}

/// `scheme://user:password@`: the credentials of a URL.
fn url_credentials() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"([A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#@:'"<>]*:[^\s/?#'"<>]+@"#)
            .expect("static pattern")
    })
}

fn key_begin() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----").expect("static"))
}

fn key_end() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"-----END [A-Z0-9 ]*PRIVATE KEY-----").expect("static"))
}

impl Redactor {
    /// A redactor for these secret values (each also as its lines, its escapes and its
    /// base64), plus the token shapes, URL credentials and private keys.
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut patterns: Vec<String> = values.into_iter().flat_map(|v| forms(&v)).collect();
        patterns.sort();
        patterns.dedup();
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        let values = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("literal patterns always build")
        });
        Redactor { values, longest }
    }

    /// `text` with every secret replaced by [`MARK`].
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Only ASCII replaces whole matches of UTF-8 patterns: still UTF-8.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// `text`, owned, with every secret replaced by [`MARK`].
    pub fn string(&self, text: String) -> String {
        match self.text(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(clean) => clean,
        }
    }

    /// `text` (any bytes) with every secret replaced by [`MARK`].
    pub fn bytes<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.touches(text) {
            return Cow::Borrowed(text);
        }
        let mut out = Vec::with_capacity(text.len());
        let mut stream = self.stream();
        for line in text.split_inclusive(|&b| b == b'\n') {
            stream.push(line, &mut out);
        }
        stream.finish(&mut out);
        Cow::Owned(out)
    }

    /// A streaming redaction, fed line by line (see [`Stream`]).
    pub fn stream(&self) -> Stream<'_> {
        Stream {
            redactor: self,
            key: None,
            carry: Vec::new(),
        }
    }

    /// `value` with every string in it (keys too) redacted, for serialising.
    pub fn json<'a>(&'a self, value: &'a Value) -> impl Serialize + 'a {
        Json(value, self)
    }

    /// Whether `text` may hold anything to replace.
    fn touches(&self, text: &[u8]) -> bool {
        self.values.as_ref().is_some_and(|ac| ac.is_match(text))
            || memchr::memmem::find(text, b"PRIVATE KEY-----").is_some()
            || url_credentials().is_match(text)
            || super::token_shapes().is_match(text)
    }

    /// Redacts one line (or piece of a line) into `out`; `key` says whether a private key's
    /// body is being read, and how many of its lines were.
    fn line(&self, line: &[u8], key: &mut Option<u32>, out: &mut Vec<u8>) {
        let mut rest = line;
        while !rest.is_empty() {
            if key.is_some() {
                match key_end().find(rest) {
                    Some(end) => {
                        out.extend_from_slice(MARK.as_bytes());
                        rest = &rest[end.end()..];
                        *key = None;
                    }
                    None => {
                        out.extend_from_slice(MARK.as_bytes());
                        if rest.ends_with(b"\n") {
                            out.push(b'\n');
                            *key = key.map(|n| n + 1).filter(|&n| n < MAX_KEY_LINES);
                        }
                        return;
                    }
                }
            }
            match key_begin().find(rest) {
                Some(begin) => {
                    self.plain(&rest[..begin.start()], out);
                    rest = &rest[begin.end()..];
                    *key = Some(0);
                }
                None => {
                    self.plain(rest, out);
                    return;
                }
            }
        }
    }

    /// Redacts values, URL credentials and token shapes (no private key) into `out`.
    fn plain(&self, text: &[u8], out: &mut Vec<u8>) {
        let mut text = Cow::Borrowed(text);
        if let Some(ac) = &self.values
            && ac.is_match(&*text)
        {
            let marks = vec![MARK.as_bytes(); ac.patterns_len()];
            text = Cow::Owned(ac.replace_all_bytes(&text, &marks));
        }
        if url_credentials().is_match(&text) {
            let replaced =
                url_credentials().replace_all(&text, format!("${{1}}{MARK}@").as_bytes());
            text = Cow::Owned(replaced.into_owned());
        }
        let shapes = super::token_shapes();
        if shapes.is_match(&text) {
            text = Cow::Owned(shapes.replace_all(&text, MARK.as_bytes()).into_owned());
        }
        out.extend_from_slice(&text);
    }

    /// Where a line cut at the end of `buf` may be redacted up to, holding the rest back: no
    /// match may straddle the cut, and what follows it can still complete a secret.
    fn safe_cut(&self, buf: &[u8]) -> usize {
        let mut cut = buf.len().saturating_sub(self.longest.max(HOLD));
        let mut spans: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.values {
            spans.extend(ac.find_iter(buf).map(|m| (m.start(), m.end())));
        }
        for re in [url_credentials(), super::token_shapes(), key_begin()] {
            spans.extend(re.find_iter(buf).map(|m| (m.start(), m.end())));
        }
        spans.sort_unstable_by(|a, b| b.cmp(a));
        for (start, end) in spans {
            if start < cut && end > cut {
                cut = start;
            }
        }
        cut.max(buf.len().saturating_sub(MAX_CARRY))
    }
}

/// A redaction fed piece by piece: whole lines, or the parts of a line too long to read at
/// once. Keeps what spans lines: a private key's body, and the held-back tail of a cut line.
pub struct Stream<'r> {
    redactor: &'r Redactor,
    key: Option<u32>,
    carry: Vec<u8>,
}

impl Stream<'_> {
    /// Redacts the next piece into `out`: a line ending in `\n`, or part of a line whose
    /// rest follows (the end of which may be held back until it does).
    pub fn push(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        let held;
        let buf = if self.carry.is_empty() {
            piece
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(piece);
            held = joined;
            &held[..]
        };
        let cut = if buf.ends_with(b"\n") {
            buf.len()
        } else {
            self.redactor.safe_cut(buf)
        };
        self.redactor.line(&buf[..cut], &mut self.key, out);
        self.carry = buf[cut..].to_vec();
    }

    /// Redacts whatever was held back (the stream ended mid-line) into `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let rest = std::mem::take(&mut self.carry);
        self.redactor.line(&rest, &mut self.key, out);
    }
}

/// The forms a secret value is looked for in: trimmed; each of its lines; escaped as HTML and
/// as a Markdown table cell; and the base64 characters it determines at each of the three
/// alignments it can have inside a larger encoded value (standard and URL-safe alphabets).
fn forms(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.len() < MIN_SECRET_LEN {
        return Vec::new();
    }
    let mut plain = vec![value.to_string()];
    plain.extend(
        value
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= MIN_SECRET_LEN && *l != value)
            .map(str::to_string),
    );
    let mut forms = plain.clone();
    for p in &plain {
        let html = p
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        forms.push(html);
        forms.push(p.replace('|', "\\|"));
    }
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(value.as_bytes());
        let encoded = base64(&bytes);
        let start = [0, 2, 3][offset];
        let end = bytes.len() * 8 / 6;
        if end >= start + MIN_ENCODED_LEN {
            let middle = &encoded[start..end];
            forms.push(middle.to_string());
            forms.push(middle.replace('+', "-").replace('/', "_"));
        }
    }
    forms
}

/// Standard base64, without padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A JSON value serialised with its strings redacted.
struct Json<'a>(&'a Value, &'a Redactor);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Json(value, redactor) = *self;
        match value {
            Value::String(text) => s.serialize_str(&redactor.text(text)),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Json(item, redactor))?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (key, item) in fields {
                    map.serialize_entry(&*redactor.text(key), &Json(item, redactor))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(r: &Redactor, text: &str) -> String {
        r.text(text).into_owned()
    }

    #[test]
    fn redacts_values_and_token_shapes() {
        let r = Redactor::new(["hunter2-very-secret".to_string()]);
        let token = format!("gh{}_{}", "p", "a".repeat(36));
        let line = format!("using hunter2-very-secret and {token} here");
        assert_eq!(redact(&r, &line), "using [REDACTED] and [REDACTED] here");
    }

    #[test]
    fn short_values_are_left_alone() {
        let r = Redactor::new(["1".to_string()]);
        assert_eq!(redact(&r, "value 1"), "value 1");
    }

    #[test]
    fn a_private_key_goes_body_and_all() {
        let r = Redactor::new([]);
        // Armour lines built at run time: a literal one is what `doctor`'s secret scan (rightly)
        // flags in this repository's own sources.
        let armour = |edge: &str, kind: &str| format!("-----{edge} {kind}PRIVATE KEY-----");
        let text = format!(
            "before\n{}\nMHcCAQEEIB\nAwEHoUQDQg\n{} after\nnext\n",
            armour("BEGIN", "EC "),
            armour("END", "EC ")
        );
        assert_eq!(
            redact(&r, &text),
            "before\n[REDACTED]\n[REDACTED]\n[REDACTED]\n[REDACTED] after\nnext\n"
        );
        let one_line = format!(
            "{{\"key\": \"{}\\nMIIE\\n{}\\n\"}}",
            armour("BEGIN", ""),
            armour("END", "")
        );
        assert_eq!(redact(&r, &one_line), "{\"key\": \"[REDACTED]\\n\"}");
    }

    #[test]
    fn multi_line_values_go_line_by_line_and_trailing_newlines_do_not_matter() {
        let r = Redactor::new([
            "line-one-secret\nline-two-secret\nok\n".to_string(),
            "trailing-secret\n".to_string(),
        ]);
        assert_eq!(
            redact(&r, "a line-two-secret b\nok\nc trailing-secret d"),
            "a [REDACTED] b\nok\nc [REDACTED] d"
        );
    }

    #[test]
    fn url_credentials_go_and_the_host_stays() {
        let r = Redactor::new([]);
        assert_eq!(
            redact(&r, "git clone https://ci:p@ss:w0rd@example.com/r.git done"),
            "git clone https://[REDACTED]@example.com/r.git done"
        );
        assert_eq!(
            redact(&r, "see https://example.com/a:b"),
            "see https://example.com/a:b"
        );
    }

    #[test]
    fn base64_of_a_secret_is_found_at_any_alignment() {
        let secret = "s3cr3t-deploy-token-value";
        let r = Redactor::new([secret.to_string()]);
        for prefix in ["", "u:", "user:"] {
            let encoded = base64(format!("{prefix}{secret}").as_bytes());
            let out = redact(&r, &encoded);
            assert!(out.contains(MARK), "{prefix:?}: {out}");
            assert!(
                out.len() < prefix.len() * 2 + MARK.len() + 4,
                "{prefix:?}: {out}"
            );
        }
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE");
    }

    #[test]
    fn a_stream_sees_a_secret_across_a_cut_line() {
        let secret = "s3cr3t-deploy-token-value";
        let r = Redactor::new([secret.to_string()]);
        let line = format!("{}{secret}\n", "x".repeat(10_000));
        for at in [9_990, 10_005, 10_024] {
            let mut stream = r.stream();
            let mut out = Vec::new();
            stream.push(&line.as_bytes()[..at], &mut out);
            stream.push(&line.as_bytes()[at..], &mut out);
            stream.finish(&mut out);
            let out = String::from_utf8(out).unwrap();
            assert_eq!(
                out,
                format!("{}{MARK}\n", "x".repeat(10_000)),
                "cut at {at}"
            );
        }
    }

    #[test]
    fn json_strings_and_keys_are_redacted() {
        let r = Redactor::new(["hunter2-very-secret".to_string()]);
        let value = serde_json::json!({"hunter2-very-secret": ["a hunter2-very-secret", 3]});
        let text = serde_json::to_string(&r.json(&value)).unwrap();
        assert_eq!(text, r#"{"[REDACTED]":["a [REDACTED]",3]}"#);
    }
}

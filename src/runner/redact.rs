//! Secret redaction for captured logs: values of secret-named environment variables and
//! well-known token shapes are replaced before anything reaches disk.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::secrets;

/// The replacement text.
pub const MARK: &str = "[REDACTED]";

/// Values shorter than this are not treated as secrets: redacting `1` or `true` everywhere
/// would destroy logs without protecting anything.
const MIN_SECRET_LEN: usize = 6;

/// Replaces secrets in text.
#[derive(Debug)]
pub struct Redactor {
    values: Option<AhoCorasick>,
}

impl Redactor {
    /// Builds from the process environment plus `extra` (name, value) pairs, e.g. step `env`.
    pub fn from_env<'a>(extra: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let extra: Vec<(String, String)> = extra
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut values: Vec<String> = env
            .into_iter()
            .chain(extra)
            .filter(|(k, v)| secrets::is_secret_name(k) && v.len() >= MIN_SECRET_LEN)
            .map(|(_, v)| v)
            .collect();
        values.sort();
        values.dedup();
        let values = (!values.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&values)
                .expect("literal patterns always build")
        });
        Redactor { values }
    }

    /// The line with every secret replaced by [`MARK`].
    pub fn redact<'a>(&self, line: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(line);
        if let Some(ac) = &self.values
            && ac.is_match(line)
        {
            out = Cow::Owned(
                ac.replace_all_bytes(line, &[MARK.as_bytes()].repeat(ac.patterns_len())),
            );
        }
        let shapes = secrets::token_shapes();
        if shapes.is_match(&out) {
            out = Cow::Owned(shapes.replace_all(&out, MARK.as_bytes()).into_owned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_env_values_and_token_shapes() {
        let r = Redactor::from_env([("DEPLOY_TOKEN", "hunter2-very-secret")]);
        let token = format!("gh{}_{}", "p", "a".repeat(36));
        let line = format!("using hunter2-very-secret and {token} here");
        let out = r.redact(line.as_bytes());
        let out = String::from_utf8_lossy(&out);
        assert_eq!(out, "using [REDACTED] and [REDACTED] here");
    }

    #[test]
    fn short_values_are_left_alone() {
        let r = Redactor::from_env([("MY_KEY", "1")]);
        assert_eq!(&*r.redact(b"value 1"), b"value 1");
    }
}

//! Well-known secret shapes, shared by log redaction and the doctor's tracked-file scan.

use std::sync::OnceLock;

use regex::bytes::Regex;

/// Token shapes that are secrets wherever they appear (GitHub, GitLab, AWS, Slack, Stripe,
/// OpenAI-style keys, JWTs, PEM private keys).
pub fn token_shapes() -> &'static Regex {
    static SHAPES: OnceLock<Regex> = OnceLock::new();
    SHAPES.get_or_init(|| {
        Regex::new(concat!(
            r"(?:gh[pousr]_[A-Za-z0-9]{36,}",
            r"|github_pat_[A-Za-z0-9_]{40,}",
            r"|glpat-[A-Za-z0-9_\-]{20,}",
            r"|AKIA[0-9A-Z]{16}",
            r"|xox[abposr]-[A-Za-z0-9\-]{10,}",
            r"|sk_live_[A-Za-z0-9]{20,}",
            r"|sk-[A-Za-z0-9_\-]{32,}",
            r"|eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
            r"|-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----)"
        ))
        .expect("static pattern")
    })
}

/// Whether an environment variable's name says its value is a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "SECRET", "PASSWORD", "KEY"]
        .iter()
        .any(|word| upper.contains(word))
}

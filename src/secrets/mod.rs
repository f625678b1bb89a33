//! Secrets: the well-known token shapes (shared by redaction and the doctor's tracked-file
//! scan), which environment variables hold secrets, and the process's one [`Redactor`],
//! which every text the tool writes passes through on its way out (JSON through
//! [`crate::json`], pages and step logs through [`crate::artifacts`], packs through
//! [`crate::evidence`], the console through [`crate::report`]).

mod redact;

use std::sync::{Arc, Mutex, OnceLock};

use regex::bytes::Regex;

pub use redact::{MARK, Redactor, Stream};

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

/// Secret values learnt beyond the environment, and the redactor built from both.
struct Known {
    learnt: Vec<String>,
    redactor: Option<Arc<Redactor>>,
}

fn known() -> &'static Mutex<Known> {
    static KNOWN: OnceLock<Mutex<Known>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        Mutex::new(Known {
            learnt: Vec::new(),
            redactor: None,
        })
    })
}

/// The process's redactor: the values of the environment's secret-named variables, every
/// value [`learn`]t since (a step's `env`, the history store's URL), and the token shapes.
pub fn redactor() -> Arc<Redactor> {
    let mut known = known().lock().unwrap_or_else(|e| e.into_inner());
    let Known { learnt, redactor } = &mut *known;
    redactor
        .get_or_insert_with(|| {
            let env = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| is_secret_name(k))
                .map(|(_, v)| v);
            Arc::new(Redactor::new(env.chain(learnt.iter().cloned())))
        })
        .clone()
}

/// Makes [`redactor`] also redact these values (from here on).
pub fn learn(values: impl IntoIterator<Item = String>) {
    let mut known = known().lock().unwrap_or_else(|e| e.into_inner());
    let before = known.learnt.len();
    for value in values {
        if !known.learnt.contains(&value) {
            known.learnt.push(value);
        }
    }
    if known.learnt.len() != before {
        known.redactor = None;
    }
}

/// The values of the secret-named variables among `pairs` (a step's `env`).
pub fn secret_values<'a>(
    pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> impl Iterator<Item = String> {
    pairs
        .into_iter()
        .filter(|(name, _)| is_secret_name(name))
        .map(|(_, value)| value.clone())
}

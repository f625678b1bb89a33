//! libtest's JSON events (`cargo test -- -Z unstable-options --format json`, and
//! `cargo nextest` with libtest-json output): one object per line, the failure is
//! `{"type":"test","event":"failed","name":…,"stdout":…}`.

use serde::Deserialize;

use super::cargo::{follow_panic, packages, test_command};
use super::hit::{Context, Follow, Hit, Matcher};
use super::{Classification, Layer};

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    name: Option<String>,
    stdout: Option<String>,
}

/// libtest JSON lines.
pub struct Libtest;

impl Matcher for Libtest {
    fn start(&self, line: &str, ctx: &Context) -> Option<Hit> {
        if !line.starts_with('{') || !line.contains("\"failed\"") {
            return None;
        }
        let event: Event = serde_json::from_str(line).ok()?;
        if event.kind != "test" || event.event != "failed" {
            return None;
        }
        let mut hit = Hit::new(Layer::Structured, Classification::Test, "");
        hit.test = event.name;
        let output = event.stdout.unwrap_or_default();
        for line in output.lines() {
            hit.push_excerpt(line);
            if follow_panic(&mut hit, line) == Follow::Done {
                break;
            }
        }
        if hit.message.is_empty() {
            hit.message = format!("test {} failed", hit.test.as_deref().unwrap_or("?"));
        }
        // No target is known: the filter runs in every test binary, so it must be exact.
        let args = packages(ctx.step, "");
        hit.next_command = hit.test.as_deref().map(|t| test_command(&args, t, true));
        Some(hit)
    }
}

//! Rendering reports for people (text, Markdown) and machines (JSON), and sending them to
//! stdout or `--out`.

pub mod ci;
pub mod daily;
pub mod evidence;
pub mod fold;
pub mod followup;
pub mod gate;
pub mod history;
pub mod junit;
pub mod portfolio;
pub mod premerge;
pub mod progress;
pub mod proof;
pub mod sarif;
pub mod status;
pub mod triage;
pub mod weekly;
pub mod weekly_html;
pub mod weekly_md;

use std::path::Path;

use serde_json::Value;

use crate::error::Result;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For machines (pretty JSON, sorted keys).
    Json,
    /// For PR comments and wikis.
    Md,
}

/// Renders in `format` and writes to `out` (atomically) or stdout, secrets redacted.
pub fn emit(
    format: Format,
    out: Option<&Path>,
    json: &Value,
    text: impl FnOnce() -> String,
    md: impl FnOnce() -> String,
) -> Result<()> {
    let rendered = match format {
        Format::Json => crate::json::pretty(json),
        Format::Text => crate::secrets::redactor().string(text()),
        Format::Md => crate::secrets::redactor().string(md()),
    };
    match out {
        Some(path) => write_to(path, rendered.as_bytes()),
        None => {
            write_stdout(&rendered);
            Ok(())
        }
    }
}

/// Writes `bytes` to a file the user named (`--out`, `--junit-out`, `--sarif-out`):
/// atomically, or, for `/dev/stdout` or a FIFO, through it (renaming over it would replace the
/// device node itself).
pub fn write_to(path: &Path, bytes: &[u8]) -> Result<()> {
    // What the user asked for goes out with secrets redacted, like everything else.
    let text = String::from_utf8_lossy(bytes);
    let redacted = crate::secrets::redactor().text(&text);
    let bytes = redacted.as_bytes();
    if path.exists() && !path.metadata().is_ok_and(|m| m.is_file()) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
            .map_err(|e| crate::error::Error::io(path, "cannot write", e))
    } else {
        crate::artifacts::write_atomic(path, bytes)
    }
}

/// Prints `text` on stdout, secrets redacted: every console report goes through here or
/// [`emit`].
pub fn print(text: &str) {
    write_stdout(&crate::secrets::redactor().text(text));
}

fn write_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// A gate verdict for people: `OK`, `OK (dry run)` or `FAIL`.
pub fn verdict(ok: bool, dry_run: bool) -> &'static str {
    match (ok, dry_run) {
        (true, true) => "OK (dry run)",
        (true, false) => "OK",
        (false, _) => "FAIL",
    }
}

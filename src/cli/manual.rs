//! What sdetkit says about itself: shell completions and the manual pages, generated from the
//! same clap definitions that parse the command line, and the JSON Schema of `sdetkit.toml`,
//! the one a test holds to the config reader; none can drift from what they describe.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::Cli;

/// Prints the completion script for `shell`; exit code 0.
pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sdetkit", &mut script);
    answer(print(&script), None)
}

/// Prints the top manual page (roff) on stdout, or, with `dir`, writes a page per command
/// there (`sdetkit.1`, `sdetkit-ops.1`, `sdetkit-ops-daily.1`, …) as `git` ships its own;
/// exit code 0, 2 when a page cannot be written.
pub fn man(dir: Option<&Path>) -> i32 {
    let written = match dir {
        None => top_page().and_then(|page| print(&page)),
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir),
    };
    answer(written, dir)
}

/// Prints the JSON Schema of `sdetkit.toml`; exit code 0, 2 when stdout fails.
pub fn config_schema() -> i32 {
    answer(print(crate::schemas::CONFIG.text.as_bytes()), None)
}

fn top_page() -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(page)
}

/// Writes `bytes` to stdout; a reader that stopped reading (`| head`) is not an error.
fn print(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The exit code: 0, or 2 with one line naming where the text could not be written.
fn answer(written: std::io::Result<()>, dir: Option<&Path>) -> i32 {
    match written {
        Ok(()) => 0,
        Err(e) => {
            let place = dir.map_or("stdout".to_string(), |d| d.display().to_string());
            eprintln!("sdetkit: error: cannot write to {place}: {e}");
            2
        }
    }
}

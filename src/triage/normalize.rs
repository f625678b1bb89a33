//! Turns a raw CI log line into the text a person would see: no ANSI colours, no CI
//! timestamp prefix, no carriage returns, no GitHub workflow commands.

/// The cleaned text of one raw line, or `None` for a line that only structures the log
/// (`##[group]`, `##[endgroup]`) and must not count as output.
pub fn line(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    // A carriage return inside a line redraws it (progress bars): the last frame is what
    // was on screen.
    let text = text.trim_end_matches(['\r', '\n']);
    let text = text.rsplit('\r').next().unwrap_or(text);
    let text = strip_ansi(text);
    let text = strip_timestamp(&text);
    workflow_command(text).map(|t| t.trim_end().to_string())
}

/// Removes CSI (`ESC [ … letter`) and OSC (`ESC ] … BEL`) sequences.
fn strip_ansi(text: &str) -> String {
    if !text.contains('\x1b') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                // Parameters and intermediates, then one final byte in '@'..='~'.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                for c in chars.by_ref() {
                    if c == '\x07' || c == '\\' {
                        break;
                    }
                }
            }
            // Character-set designation (`ESC ( B`, as tput's sgr0 prints): one more byte.
            Some('(' | ')' | '*' | '+') => {
                chars.next();
            }
            _ => {}
        }
    }
    out
}

/// Drops a leading ISO-8601 UTC timestamp (`2024-01-01T00:00:00.0000000Z `), as GitHub
/// Actions and Azure Pipelines prefix every line of a raw log.
fn strip_timestamp(text: &str) -> &str {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shaped = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T');
    if !shaped {
        return text;
    }
    match text.find("Z ") {
        Some(end) if end <= 40 => &text[end + 2..],
        _ => text,
    }
}

/// GitHub workflow commands: groups are structure, `##[error]`/`##[warning]` prefixes are
/// decoration around the real text.
fn workflow_command(text: &str) -> Option<&str> {
    let Some(rest) = text.strip_prefix("##[") else {
        return Some(text);
    };
    let (command, tail) = rest.split_once(']').unwrap_or((rest, ""));
    match command {
        "group" | "endgroup" => None,
        _ => Some(tail),
    }
}

/// `path` relative to the current directory when it lies inside it, so that output never
/// shows the machine's absolute paths when a relative one says the same.
pub fn relative(text: &str) -> String {
    match std::env::current_dir() {
        Ok(cwd) => under(text, Some(&cwd)),
        _ => text.to_string(),
    }
}

/// `text` with the paths under `dir` written relative to it, and `dir` itself as `.`.
pub fn under(text: &str, dir: Option<&std::path::Path>) -> String {
    let Some(dir) = dir.filter(|d| d.parent().is_some()) else {
        // Below the filesystem root only: stripping "/" would mangle every path.
        return text.to_string();
    };
    let dir = dir.display().to_string();
    if !text.contains(&dir) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&dir) {
        out.push_str(&rest[..at]);
        let after = &rest[at + dir.len()..];
        match after.chars().next() {
            Some('/') => rest = &after[1..],
            None => {
                out.push('.');
                rest = after;
            }
            Some(c) if c.is_whitespace() || "'\")]:,;".contains(c) => {
                out.push('.');
                rest = after;
            }
            // A longer name (`/repo-other`): not this directory.
            Some(_) => {
                out.push_str(&dir);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_a_directory_become_relative() {
        let dir = std::path::Path::new("/w/repo");
        assert_eq!(
            under(
                "> pkg@1 lint /w/repo\nat /w/repo/src/a.js:1 /w/repo-x/b",
                Some(dir)
            ),
            "> pkg@1 lint .\nat src/a.js:1 /w/repo-x/b"
        );
        assert_eq!(
            under("/w/repo/a", Some(std::path::Path::new("/"))),
            "/w/repo/a"
        );
    }

    #[test]
    fn strips_decoration() {
        let raw = b"2024-01-01T00:00:00.0000000Z \x1b[31merror\x1b[0m: boom\r\n";
        assert_eq!(line(raw).as_deref(), Some("error: boom"));
        assert_eq!(line(b"##[group]Run cargo test"), None);
        assert_eq!(line(b"##[error]bad thing").as_deref(), Some("bad thing"));
        assert_eq!(line(b"50%\r100% done").as_deref(), Some("100% done"));
        assert_eq!(
            line(b"\x1b(B\x1b[m\x1b[32m+    a + b").as_deref(),
            Some("+    a + b")
        );
        assert_eq!(
            line(b"\xff\xfe error").as_deref(),
            Some("\u{fffd}\u{fffd} error")
        );
    }
}

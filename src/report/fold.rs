//! Step logs folded as a CI shows them: a GitHub Actions group, a collapsed GitLab CI
//! section, or as they are elsewhere; and GitHub's escaping of workflow-command data.

use crate::ci::Native;

/// GitHub's escaping of a workflow command's message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `body` (lines, each ending in a newline) folded under `title` as the CI shows it: a GitHub
/// group, a collapsed GitLab section named after `id` and opened at `at` (Unix seconds), or
/// as it is outside those CIs.
pub fn fold(native: Option<Native>, id: &str, title: &str, body: &str, at: i64) -> String {
    match native {
        None => body.to_string(),
        Some(Native::Github) => format!("::group::{}\n{body}::endgroup::\n", escape_data(title)),
        Some(Native::Gitlab) => {
            // Section names: letters, digits, `_`, `.` and `-` only.
            let name: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!(
                "\x1b[0Ksection_start:{at}:{name}[collapsed=true]\r\x1b[0K{title}\n{body}\
                 \x1b[0Ksection_end:{at}:{name}\r\x1b[0K\n"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_the_ci_own() {
        assert_eq!(fold(None, "x", "t", "a\n", 5), "a\n");
        assert_eq!(
            fold(Some(Native::Github), "x", "unit log", "a\n", 5),
            "::group::unit log\na\n::endgroup::\n"
        );
        assert_eq!(
            fold(Some(Native::Gitlab), "gate fast/unit", "unit log", "a\n", 5),
            "\x1b[0Ksection_start:5:gate_fast_unit[collapsed=true]\r\x1b[0Kunit log\na\n\
             \x1b[0Ksection_end:5:gate_fast_unit\r\x1b[0K\n"
        );
    }
}

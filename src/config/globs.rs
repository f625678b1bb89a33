//! Path and branch patterns from the config (`release_branches`, `allow_secrets_in`),
//! compiled once when the config is read.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A set of glob patterns: `*` matches within a path segment, `**` across segments; a plain
/// path, or one ending in `/` or `/**`, also matches everything below it (`tests/fixtures`
/// covers `tests/fixtures/a.log`).
#[derive(Debug, Clone)]
pub struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// Compiles `patterns`; the error names the first bad one.
    pub fn new(patterns: &[String]) -> Result<Globs, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let trimmed = pattern.trim_end_matches('/');
            let base = trimmed.strip_suffix("/**").unwrap_or(trimmed);
            let below = base != trimmed || !base.contains(['*', '?', '[', '{']);
            let globs = match below {
                true => vec![base.to_string(), format!("{base}/**")],
                false => vec![base.to_string()],
            };
            for glob in globs {
                let compiled = GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("invalid pattern `{pattern}`: {}", e.kind()))?;
                builder.add(compiled);
            }
        }
        let set = builder
            .build()
            .map_err(|e| format!("invalid patterns: {e}"))?;
        Ok(Globs {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// Whether `path` (`/`-separated) matches any pattern.
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(p: &[&str]) -> Globs {
        Globs::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn segments_prefixes_and_double_stars() {
        assert!(globs(&["tests/fixtures/**"]).is_match("tests/fixtures/a/b.log"));
        assert!(globs(&["tests/fixtures/**"]).is_match("tests/fixtures"));
        assert!(globs(&["tests/fixtures"]).is_match("tests/fixtures/a.log"));
        assert!(globs(&["tests/fixtures/"]).is_match("tests/fixtures/a.log"));
        assert!(globs(&["*.md"]).is_match("README.md"));
        assert!(!globs(&["*.md"]).is_match("docs/a.md"));
        assert!(globs(&["**/*.md"]).is_match("docs/a.md"));
        assert!(globs(&["release/*"]).is_match("release/1.2"));
        assert!(!globs(&["release/*"]).is_match("main"));
        assert!(!globs(&["release/*"]).is_match("release/1.2/x"));
        assert!(globs(&["main", "master"]).is_match("master"));
        assert!(!globs(&["main"]).is_match("mainline"));
    }

    #[test]
    fn a_bad_pattern_is_an_error_naming_it() {
        let e = Globs::new(&["src/[".to_string()]).unwrap_err();
        assert!(e.contains("`src/[`"), "{e}");
    }
}

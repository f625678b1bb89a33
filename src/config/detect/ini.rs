//! INI files as Python's configparser reads them (`tox.ini`, `setup.cfg`, `.flake8`,
//! `mypy.ini`): sections of keys whose values continue on indented lines.

use std::path::Path;

/// A parsed INI file: sections in file order, each with its keys in file order.
#[derive(Debug, Default)]
pub struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    /// Reads and parses `path`; `None` when it cannot be read.
    pub fn read(path: &Path) -> Option<Ini> {
        Some(Ini::parse(&std::fs::read_to_string(path).ok()?))
    }

    /// Parses INI text.
    pub fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if trimmed.starts_with('[') && trimmed.ends_with(']') {
                ini.sections
                    .push((trimmed[1..trimmed.len() - 1].trim().to_string(), Vec::new()));
                continue;
            }
            let Some((_, keys)) = ini.sections.last_mut() else {
                continue;
            };
            let continued = line.starts_with([' ', '\t']) && !keys.is_empty();
            if continued {
                if let Some((_, value)) = keys.last_mut()
                    && !trimmed.is_empty()
                {
                    if !value.is_empty() {
                        value.push('\n');
                    }
                    value.push_str(trimmed);
                }
                continue;
            }
            if let Some((k, v)) = trimmed.split_once(['=', ':']) {
                keys.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        ini
    }

    /// Section `name`'s keys, if it exists.
    pub fn section(&self, name: &str) -> Option<&[(String, String)]> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, keys)| keys.as_slice())
    }

    /// The value of `key` in `section`.
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        self.section(section)?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// The section names, in file order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(n, _)| n.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines() {
        let ini = Ini::parse("[a]\nx = 1\ncmds =\n    one\n    two\n# c\n[b:c]\ny: 2\n");
        assert_eq!(ini.get("a", "cmds").unwrap(), "one\ntwo");
        assert_eq!(ini.get("b:c", "y").unwrap(), "2");
        assert!(ini.section("z").is_none());
    }
}

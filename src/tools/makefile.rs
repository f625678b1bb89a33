//! Reading a Makefile the way the gate needs it: which targets it defines, and which commands a
//! target runs (its recipe and its prerequisites' recipes, with the file's simple variables
//! expanded). No make is run; conditionals are read as if every branch were taken.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The names `make` looks for, in its order.
pub const NAMES: &[&str] = &["GNUmakefile", "makefile", "Makefile"];

/// A parsed Makefile.
#[derive(Debug, Default)]
pub struct Makefile {
    /// Its file name, relative to the directory it was found in.
    pub name: String,
    vars: BTreeMap<String, String>,
    rules: BTreeMap<String, Rule>,
}

#[derive(Debug, Default, Clone)]
struct Rule {
    prerequisites: Vec<String>,
    recipe: Vec<String>,
}

/// Make's own defaults for the variables recipes use most.
const BUILTIN_VARS: &[(&str, &str)] = &[
    ("CC", "cc"),
    ("CXX", "g++"),
    ("CPP", "$(CC) -E"),
    ("AR", "ar"),
    ("LD", "ld"),
    ("RM", "rm -f"),
    ("MAKE", "make"),
    ("SHELL", "/bin/sh"),
];

impl Makefile {
    /// The Makefile in `dir`, if there is one.
    pub fn find(dir: &Path) -> Option<Makefile> {
        let name = NAMES.iter().find(|n| dir.join(n).is_file())?;
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        let mut file = Makefile::parse(&text);
        file.name = name.to_string();
        Some(file)
    }

    /// Parses Makefile text.
    pub fn parse(text: &str) -> Makefile {
        let mut file = Makefile::default();
        let mut current: Vec<String> = Vec::new();
        for line in logical_lines(text) {
            if let Some(recipe) = line.strip_prefix('\t') {
                for target in &current {
                    if let Some(rule) = file.rules.get_mut(target) {
                        rule.recipe.push(recipe.trim().to_string());
                    }
                }
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let directive = trimmed.split_whitespace().next().unwrap_or("");
            if matches!(
                directive,
                "include"
                    | "-include"
                    | "sinclude"
                    | "ifeq"
                    | "ifneq"
                    | "ifdef"
                    | "ifndef"
                    | "else"
                    | "endif"
                    | "define"
                    | "endef"
                    | "vpath"
                    | "unexport"
            ) {
                continue;
            }
            if let Some((name, op, value)) = assignment(trimmed) {
                let value = value.trim().to_string();
                match op {
                    "?=" => {
                        file.vars.entry(name).or_insert(value);
                    }
                    "+=" => {
                        let entry = file.vars.entry(name).or_default();
                        if !entry.is_empty() {
                            entry.push(' ');
                        }
                        entry.push_str(&value);
                    }
                    _ => {
                        file.vars.insert(name, value);
                    }
                }
                current.clear();
                continue;
            }
            let Some((targets, rest)) = trimmed.split_once(':') else {
                current.clear();
                continue;
            };
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            let (prereqs, inline) = match rest.split_once(';') {
                Some((p, r)) => (p, Some(r.trim())),
                None => (rest, None),
            };
            let prereqs = prereqs.split('|').next().unwrap_or("");
            current = targets
                .split_whitespace()
                .filter(|t| !t.starts_with('.') || *t == ".DEFAULT")
                .map(str::to_string)
                .collect();
            for target in &current {
                let rule = file.rules.entry(target.clone()).or_default();
                rule.prerequisites
                    .extend(prereqs.split_whitespace().map(str::to_string));
                if let Some(r) = inline.filter(|r| !r.is_empty()) {
                    rule.recipe.push(r.to_string());
                }
            }
        }
        file
    }

    /// Whether the file defines `target` (a rule, not a variable).
    pub fn has_target(&self, target: &str) -> bool {
        self.rules.contains_key(target)
    }

    /// The commands `make target` runs, with the file's variables expanded: the recipes of
    /// the target and of the prerequisites it names that are targets of this file, depth first.
    pub fn commands(&self, target: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        self.collect(target, &mut seen, &mut out);
        out
    }

    fn collect(&self, target: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(target.to_string()) || seen.len() > 64 {
            return;
        }
        let Some(rule) = self.rules.get(target) else {
            return;
        };
        for prereq in &rule.prerequisites {
            let prereq = self.expand(prereq, target, 0);
            for p in prereq.split_whitespace() {
                self.collect(p, seen, out);
            }
        }
        for line in &rule.recipe {
            let line = line.trim_start_matches(['@', '-', '+']);
            out.push(self.expand(line, target, 0));
        }
    }

    /// Expands `$(VAR)`, `${VAR}` and `$@` in `text`; unknown variables are empty, as in make,
    /// and `$(shell …)` and other functions are left out.
    pub fn expand(&self, text: &str, target: &str, depth: usize) -> String {
        if depth > 16 {
            return String::new();
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '$' || i + 1 >= chars.len() {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let next = chars[i + 1];
            match next {
                '$' => {
                    out.push('$');
                    i += 2;
                }
                '@' => {
                    out.push_str(target);
                    i += 2;
                }
                '(' | '{' => {
                    let close = if next == '(' { ')' } else { '}' };
                    let mut depth_paren = 0;
                    let mut j = i + 1;
                    while j < chars.len() {
                        if chars[j] == next {
                            depth_paren += 1;
                        } else if chars[j] == close {
                            depth_paren -= 1;
                            if depth_paren == 0 {
                                break;
                            }
                        }
                        j += 1;
                    }
                    let name: String = chars[i + 2..j.min(chars.len())].iter().collect();
                    if !name.contains(' ') {
                        out.push_str(&self.expand(&self.var(&name), target, depth + 1));
                    }
                    i = j + 1;
                }
                // `$<`, `$^` and friends: file names, not programs.
                _ => i += 2,
            }
        }
        out
    }

    fn var(&self, name: &str) -> String {
        self.vars
            .get(name)
            .cloned()
            .or_else(|| {
                BUILTIN_VARS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
            .unwrap_or_default()
    }
}

/// The directory `make -C dir` or `make --directory=dir` runs in, relative to `cwd`.
pub fn make_dir(cwd: &Path, args: &[String]) -> PathBuf {
    let mut dir = cwd.to_path_buf();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "-C" || args[i] == "--directory" {
            if let Some(d) = args.get(i + 1) {
                dir = dir.join(d);
            }
            i += 1;
        } else if let Some(d) = args[i].strip_prefix("--directory=") {
            dir = dir.join(d);
        } else if let Some(d) = args[i].strip_prefix("-C").filter(|d| !d.is_empty()) {
            dir = dir.join(d);
        }
        i += 1;
    }
    dir
}

/// The targets `make args…` asks for (words that are not options or `VAR=value`); empty means
/// the default target.
pub fn make_targets(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if matches!(
            a.as_str(),
            "-C" | "-f" | "--file" | "--directory" | "-j" | "-l" | "-o" | "-W" | "-I"
        ) {
            // `-j` may stand alone; a following number is its value.
            if a != "-j" || args.get(i + 1).is_some_and(|n| n.parse::<u32>().is_ok()) {
                i += 1;
            }
        } else if !a.starts_with('-') && !super::shell::is_assignment(a) {
            out.push(a.clone());
        }
        i += 1;
    }
    out
}

/// `NAME = value` with its operator, for every assignment form make knows.
fn assignment(line: &str) -> Option<(String, &'static str, &str)> {
    let line = line
        .strip_prefix("override ")
        .or_else(|| line.strip_prefix("export "))
        .unwrap_or(line);
    for op in ["::=", ":::=", ":=", "?=", "+=", "!=", "="] {
        if let Some((name, value)) = line.split_once(op) {
            let name = name.trim();
            if !name.is_empty() && !name.contains([' ', '\t', ':', '$']) {
                let op: &'static str = match op {
                    "?=" => "?=",
                    "+=" => "+=",
                    _ => "=",
                };
                return Some((name.to_string(), op, value));
            }
            // `a: b=c` is a target-specific variable, and `x ?= y` was caught above.
            if op == "=" {
                return None;
            }
        }
    }
    None
}

/// The file's lines with backslash continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(stripped) = line.strip_suffix('\\') {
            current.push_str(stripped);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        out.push(std::mem::take(&mut current));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSMN_LIKE: &str = "CFLAGS += -Wall\n-include config.mk\n\ntest: test_default test_strict\n\
        test_default: test/tests.c jsmn.h\n\t$(CC) $(CFLAGS) $(LDFLAGS) $< -o test/$@\n\t./test/$@\n\
        test_strict: test/tests.c jsmn.h\n\t$(CC) -DJSMN_STRICT=1 $< -o test/$@\n\t./test/$@\n\
        lint:\n\t@clang-tidy jsmn.h --checks='*'\n\nclean:\n\trm -f *.o\n.PHONY: clean test lint\n";

    #[test]
    fn targets_are_not_variables() {
        let m = Makefile::parse(
            "test: build\n\tcargo test\ntest2 := 1\n\ttest: x\n.PHONY: lint\nlint check: \n",
        );
        assert!(m.has_target("test"));
        assert!(m.has_target("check"));
        assert!(!m.has_target("test2"));
        assert!(!m.has_target(".PHONY"));
    }

    #[test]
    fn recipes_follow_prerequisites_and_expand_variables() {
        let m = Makefile::parse(JSMN_LIKE);
        assert_eq!(m.commands("lint"), ["clang-tidy jsmn.h --checks='*'"]);
        let test = m.commands("test");
        assert!(test[0].starts_with("cc -Wall ") && test[0].ends_with(" -o test/test_default"));
        assert_eq!(test[1], "./test/test_default");
        assert_eq!(test.len(), 4);
        let ts = Makefile::parse("TS ?= tree-sitter\nTS ?= other\ntest:\n\t$(TS) test\n");
        assert_eq!(ts.commands("test"), ["tree-sitter test"]);
        let cc = Makefile::parse("CC ?= gcc\nall:\n\t${CC} -c x.c\n");
        assert_eq!(cc.commands("all"), ["gcc -c x.c"]);
    }

    #[test]
    fn make_arguments() {
        let args: Vec<String> = ["-C", "sub", "-j", "4", "test", "V=1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(make_targets(&args), ["test"]);
        assert_eq!(make_dir(Path::new("/r"), &args), Path::new("/r/sub"));
    }
}

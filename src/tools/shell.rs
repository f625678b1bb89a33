//! The simple commands inside a shell command line, as `sh` would run them: through `;`, `&&`,
//! `||`, `|`, `&`, newlines, `if … then … fi` and loops, into `$(…)`, backticks, `<(…)` and
//! subshells, with quotes removed, `VAR=x` prefixes and redirections left out.
//!
//! It reads; it never expands or runs anything. A word that holds an expansion keeps its text
//! (`$HOME/bin/tool`), so callers can tell it is not a program name.

/// Words that start or end a compound command and are not programs.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
    "time",
];

/// One simple command: its words, quotes removed, assignments and redirections left out.
pub type Simple = Vec<String>;

/// Every simple command in `line`, in the order they appear (inner substitutions first).
pub fn commands(line: &str) -> Vec<Simple> {
    let mut out = Vec::new();
    let mut tokens = Vec::new();
    lex(line, &mut tokens, &mut out);
    assemble(tokens, &mut out);
    out
}

/// The top-level commands of `line` split at `&&`, `;` and newlines, each as its own text, when
/// the line is nothing but such a list of simple commands (no pipes into a check, no `||`, no
/// compound commands); `None` otherwise.
pub fn split_list(line: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars().peekable();
    let (mut single, mut double, mut depth) = (false, false, 0usize);
    while let Some(c) = chars.next() {
        match c {
            '\\' if !single => {
                current.push(c);
                if let Some(n) = chars.next() {
                    current.push(n);
                }
                continue;
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '(' | '`' if !single && !double => {
                if c == '(' {
                    depth += 1;
                } else {
                    return None;
                }
            }
            ')' if !single && !double => depth = depth.saturating_sub(1),
            _ => {}
        }
        let quoted = single || double || depth > 0;
        if !quoted && (c == ';' || c == '\n') {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if !quoted && c == '&' && chars.peek() == Some(&'&') {
            chars.next();
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if !quoted && (c == '|' || c == '&') {
            return None;
        }
        current.push(c);
    }
    parts.push(current);
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let compound = parts.iter().any(|p| {
        let first = p.split_whitespace().next().unwrap_or("");
        KEYWORDS.contains(&first) || ["for", "case", "select", "function"].contains(&first)
    });
    (!compound && !parts.is_empty()).then_some(parts)
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    /// A separator between simple commands.
    Sep,
    /// A redirection operator: the next word is its target.
    Redirect,
}

/// Splits `s` into tokens; the commands inside substitutions go straight to `out`.
fn lex(s: &str, tokens: &mut Vec<Token>, out: &mut Vec<Simple>) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut word = String::new();
    let mut in_word = false;
    let end_word = |word: &mut String, in_word: &mut bool, tokens: &mut Vec<Token>| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                end_word(&mut word, &mut in_word, tokens);
                i += 1;
            }
            '\n' | ';' | '|' | '&' => {
                end_word(&mut word, &mut in_word, tokens);
                // `>&` and `&>` are redirections, not separators.
                if c == '&' && chars.get(i + 1) == Some(&'>') {
                    tokens.push(Token::Redirect);
                    i += if chars.get(i + 2) == Some(&'>') { 3 } else { 2 };
                    continue;
                }
                tokens.push(Token::Sep);
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' => {
                if chars.get(i + 1) == Some(&'\n') {
                    i += 2;
                    continue;
                }
                if let Some(&n) = chars.get(i + 1) {
                    word.push(n);
                }
                in_word = true;
                i += 2;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' if chars.get(i + 1) == Some(&'(') => {
                            i = substitution(&chars, i + 1, &mut word, out);
                        }
                        '`' => i = backtick(&chars, i, &mut word, out),
                        other => {
                            word.push(other);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                in_word = true;
                i = substitution(&chars, i + 1, &mut word, out);
            }
            '`' => {
                in_word = true;
                i = backtick(&chars, i, &mut word, out);
            }
            '<' | '>' if chars.get(i + 1) == Some(&'(') => {
                in_word = true;
                i = substitution(&chars, i + 1, &mut word, out);
            }
            '<' | '>' => {
                // `2>` and `2>&1`: the digits were a file descriptor, not a word.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(&mut word, &mut in_word, tokens);
                i += 1;
                while i < chars.len() && matches!(chars[i], '<' | '>' | '|') {
                    i += 1;
                }
                if chars.get(i) == Some(&'&') {
                    // `>&2`, `<&0`: a descriptor, not a file; skip it here.
                    i += 1;
                    while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
                        i += 1;
                    }
                    continue;
                }
                tokens.push(Token::Redirect);
            }
            '(' | ')' => {
                end_word(&mut word, &mut in_word, tokens);
                tokens.push(Token::Sep);
                i += 1;
            }
            other => {
                in_word = true;
                word.push(other);
                i += 1;
            }
        }
    }
    end_word(&mut word, &mut in_word, tokens);
}

/// `chars[open]` is the `(` of `$(`, `<(` or `>(`: parses the inside as commands and returns
/// the index after the matching `)`. `$((…))` is arithmetic and holds no command.
fn substitution(chars: &[char], open: usize, word: &mut String, out: &mut Vec<Simple>) -> usize {
    let arithmetic = chars.get(open + 1) == Some(&'(');
    let mut depth = 0usize;
    let mut i = open;
    let (mut single, mut double) = (false, false);
    while i < chars.len() {
        match chars[i] {
            '\\' if !single => i += 1,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '(' if !single && !double => depth += 1,
            ')' if !single && !double => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let inner: String = chars[open + 1..i.min(chars.len())].iter().collect();
    if !arithmetic {
        out.extend(commands(&inner));
    }
    word.push_str("$(…)");
    i + 1
}

/// `chars[open]` is a backtick: parses up to the closing one as commands.
fn backtick(chars: &[char], open: usize, word: &mut String, out: &mut Vec<Simple>) -> usize {
    let mut i = open + 1;
    while i < chars.len() && chars[i] != '`' {
        if chars[i] == '\\' {
            i += 1;
        }
        i += 1;
    }
    let inner: String = chars[open + 1..i.min(chars.len())].iter().collect();
    out.extend(commands(&inner));
    word.push_str("$(…)");
    i + 1
}

/// Groups tokens into simple commands, dropping keywords, assignments and redirection targets.
fn assemble(tokens: Vec<Token>, out: &mut Vec<Simple>) {
    let mut current: Simple = Vec::new();
    // `for x in …; do` and `select`: skip to `do`. `case … esac`: its patterns are not
    // commands and are not told apart here, so the whole construct is left out.
    let mut skip_until: Option<&str> = None;
    let mut redirect = false;
    let flush = |current: &mut Simple, out: &mut Vec<Simple>| {
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
    };
    for token in tokens {
        match token {
            Token::Sep => {
                flush(&mut current, out);
                redirect = false;
            }
            Token::Redirect => redirect = true,
            Token::Word(w) => {
                if redirect {
                    redirect = false;
                    continue;
                }
                if let Some(end) = skip_until {
                    if w == end {
                        skip_until = None;
                    }
                    continue;
                }
                if current.is_empty() {
                    match w.as_str() {
                        "for" | "select" => skip_until = Some("do"),
                        "case" => skip_until = Some("esac"),
                        k if KEYWORDS.contains(&k) => {}
                        a if is_assignment(a) => {}
                        _ => current.push(w),
                    }
                    continue;
                }
                current.push(w);
            }
        }
    }
    flush(&mut current, out);
}

/// `NAME=value` (a shell assignment), not `--flag=value` or `=x`.
pub fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(line: &str) -> Vec<String> {
        commands(line).into_iter().map(|c| c[0].clone()).collect()
    }

    #[test]
    fn command_substitution_and_test() {
        assert_eq!(
            programs("out=$(gofmt -l .); test -z \"$out\""),
            ["gofmt", "test"]
        );
        assert_eq!(
            programs(
                "files=$(gofmt -l .) || exit $?; if [ -n \"$files\" ]; then echo \"x\"; echo \"$files\"; exit 1; fi"
            ),
            ["gofmt", "exit", "[", "echo", "echo", "exit"]
        );
    }

    #[test]
    fn quotes_pipes_and_nested_substitutions() {
        assert_eq!(
            programs("if [ \"$(gofmt -s -l . | wc -l)\" -gt 0 ]; then gofmt -s -l .; fi"),
            ["gofmt", "wc", "[", "gofmt"]
        );
        assert_eq!(
            programs("diff -u <(echo -n) <(gofmt -d .)"),
            ["echo", "gofmt", "diff"]
        );
        assert_eq!(programs("echo `date` 'a;b' \"c|d\""), ["date", "echo"]);
    }

    #[test]
    fn env_prefixes_cd_redirections_and_keywords() {
        assert_eq!(
            commands("RUST_LOG=1 FOO='a b' cargo test 2>&1 > out.txt"),
            [vec!["cargo", "test"]]
        );
        assert_eq!(
            programs("cd sub && make lint || true"),
            ["cd", "make", "true"]
        );
        assert_eq!(
            programs("for f in a b; do black --check $f; done"),
            ["black"]
        );
        assert_eq!(programs("while true; do sleep 1; done"), ["true", "sleep"]);
        assert_eq!(programs("(cd x; ./run) &> log"), ["cd", "./run"]);
        assert_eq!(programs("a=$((1 + 2)); echo $a"), ["echo"]);
    }

    #[test]
    fn lists_split_only_when_simple() {
        assert_eq!(
            split_list("go vet ./... && go test -race ./...").unwrap(),
            ["go vet ./...", "go test -race ./..."]
        );
        assert_eq!(split_list("a | b"), None);
        assert_eq!(split_list("a || true"), None);
        assert_eq!(split_list("if a; then b; fi"), None);
        assert_eq!(split_list("echo 'x && y'").unwrap(), ["echo 'x && y'"]);
    }

    #[test]
    fn assignments() {
        assert!(is_assignment("FOO=1"));
        assert!(!is_assignment("--foo=1"));
        assert!(!is_assignment("=1"));
    }
}

//! JUnit XML, as pytest, jest-junit, vitest, nextest, Surefire/Gradle and most CI tools write
//! it: `<testsuites>` of (possibly nested) `<testsuite>`s of `<testcase>`s, a failed case
//! holding `<failure>` (an assertion) or `<error>` (an unexpected exception). The first
//! failed case in document order of the first file that has one is the answer. Streamed:
//! only the current case is in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use regex::Regex;

use super::cargo::follow_panic;
use super::hit::{EXCERPT_LINES, Follow, Hit, pattern, shell_quote};
use super::step::Step;
use super::{Classification, Layer, jest, nextest};

static LOCATION: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?:^|[\s(])([\w./-]+\.(?:py|rs|java|kt|go|[cm]?[jt]sx?)):(\d+)"));
static JAVA_CLASS: LazyLock<Regex> = LazyLock::new(|| pattern(r"^(?:[a-z_]\w*\.)+([A-Z]\w*)$"));

/// A JUnit file that is not well-formed XML: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The file as the caller named it.
    pub path: PathBuf,
    /// The 1-based line where parsing stopped.
    pub line: u64,
    /// What is wrong (`malformed JUnit XML: …`, `not a JUnit report: …`).
    pub message: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for Malformed {}

/// The first failed test case in `files`, or `None` when every case passed.
pub fn first_failure(files: &[PathBuf], step: &Step) -> std::io::Result<Option<Hit>> {
    for path in files {
        if let Some(mut hit) = scan(path)? {
            hit.next_command = hit.next_command.take().map(|c| rerun(&c, &hit, step));
            return Ok(Some(hit));
        }
    }
    Ok(None)
}

/// The rerun of a JavaScript test through the step's package manager and options.
fn rerun(command: &str, hit: &Hit, step: &Step) -> String {
    let file = hit.file.as_deref().map(|f| step.relative(f));
    if command.starts_with("npx jest") {
        jest::jest_rerun(step, file.as_deref(), hit.test.as_deref())
    } else if command.starts_with("npx vitest") {
        jest::vitest_command(step, file.as_deref(), hit.test.as_deref())
    } else {
        command.to_string()
    }
}

/// The test case being read.
#[derive(Default, Clone)]
struct Case {
    name: String,
    classname: String,
    file: Option<String>,
    line: Option<u64>,
}

/// Which tool wrote the file, for the reproduction command.
enum Flavour {
    Pytest,
    Nextest,
    Vitest,
    Jest,
    Java,
    Other,
}

/// Where the parser is.
#[derive(Default)]
struct State {
    /// `name` of the root element (`pytest`, `nextest-run`, `vitest tests`, `jest tests`).
    root: Option<String>,
    /// Names of the open `<testsuite>`s, outermost first.
    suites: Vec<String>,
    case: Option<Case>,
    /// Open elements, to tell a truncated file from a complete one.
    depth: usize,
    /// The failure being read: its element, message attribute and text.
    failure: Option<(String, String, String)>,
    /// A `<testsuites>` or `<testsuite>` element was seen: this is a JUnit report.
    report: bool,
}

/// A JUnit file, which must be a regular file.
fn open(path: &Path) -> std::io::Result<File> {
    crate::files::open_regular(path, crate::files::Links::Follow)
}

fn scan(path: &Path) -> std::io::Result<Option<Hit>> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(open(path)?));
    let mut buf = Vec::new();
    let mut state = State::default();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(path, reader.error_position(), &e.to_string()))?;
        if let Event::Eof = event {
            if state.depth > 0 {
                let at = reader.buffer_position();
                return Err(malformed(path, at, "unexpected end of file"));
            }
            if !state.report {
                return Err(not_a_report(path));
            }
            return Ok(None);
        }
        if let Some(hit) = state.event(event) {
            return Ok(Some(hit));
        }
        buf.clear();
    }
}

/// The text of an entity or character reference (`&lt;`, `&#10;`).
fn reference(r: &BytesRef) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.xml_content(XmlVersion::Implicit1_0);
    quick_xml::escape::resolve_predefined_entity(&name)
        .unwrap_or_default()
        .to_string()
}

impl State {
    /// Takes one parser event; a completed failure is the answer.
    fn event(&mut self, event: Event) -> Option<Hit> {
        match event {
            Event::Start(e) => {
                self.depth += 1;
                self.open(&e);
            }
            Event::Empty(e) => {
                self.open(&e);
                return self.close(e.local_name().into_inner());
            }
            Event::End(e) => {
                self.depth = self.depth.saturating_sub(1);
                return self.close(e.local_name().into_inner());
            }
            Event::Text(t) => self.text(&t.xml_content(XmlVersion::Implicit1_0)),
            Event::CData(t) => self.text(&t.xml_content(XmlVersion::Implicit1_0)),
            Event::GeneralRef(r) => self.text(&reference(&r)),
            _ => {}
        }
        None
    }

    fn open(&mut self, e: &BytesStart) {
        let attr = |key: &str| attribute(e, key);
        match e.local_name().into_inner() {
            "testsuites" => {
                self.report = true;
                self.root = attr("name");
            }
            "testsuite" => {
                self.report = true;
                let name = attr("name").unwrap_or_default();
                self.root.get_or_insert_with(|| name.clone());
                self.suites.push(name);
            }
            "testcase" => {
                self.case = Some(Case {
                    name: attr("name").unwrap_or_default(),
                    classname: attr("classname").unwrap_or_default(),
                    file: attr("file"),
                    line: attr("line").and_then(|l| l.parse().ok()),
                });
            }
            kind @ ("failure" | "error") if self.case.is_some() => {
                let message = attr("message").unwrap_or_default();
                self.failure = Some((kind.to_string(), message, String::new()));
            }
            _ => {}
        }
    }

    /// Collects the failure's text (bounded: only its first lines are ever shown).
    fn text(&mut self, text: &str) {
        if let Some((_, _, body)) = &mut self.failure
            && body.len() < 64 << 10
        {
            body.push_str(text);
        }
    }

    /// Closes an element; a closed failure is the answer.
    fn close(&mut self, name: &str) -> Option<Hit> {
        match name {
            "testsuite" => {
                self.suites.pop();
            }
            "testcase" => self.case = None,
            "failure" | "error" => {
                let (kind, message, body) = self.failure.take()?;
                return Some(self.hit(&kind, &message, &body));
            }
            _ => {}
        }
        None
    }

    fn hit(&self, kind: &str, message: &str, body: &str) -> Hit {
        let case = self.case.clone().unwrap_or_default();
        let first = message
            .lines()
            .chain(body.lines())
            .map(str::trim)
            .find(|l| !l.is_empty());
        let mut hit = Hit::new(
            Layer::Structured,
            Classification::Test,
            first.unwrap_or_default(),
        );
        if hit.message.is_empty() {
            hit.message = format!("{kind} in {}", case.name);
        }
        if hit.message.contains("ModuleNotFoundError") || hit.message.contains("ImportError") {
            hit.classification = Classification::Dependency;
        }
        locate(&mut hit, &case, body);
        hit.excerpt = body
            .lines()
            .take(EXCERPT_LINES)
            .map(str::to_string)
            .collect();
        let suite = self.suites.last().map_or("", String::as_str);
        let flavour = flavour(self.root.as_deref().unwrap_or(""), suite, &case.classname);
        hit.test = Some(test_id(&flavour, &case, hit.file.as_deref()));
        hit.next_command = command(
            &flavour,
            &case,
            suite,
            hit.test.as_deref(),
            hit.file.as_deref(),
        );
        hit
    }
}

/// The location: the case's own `file`/`line` attributes when complete, else a Rust panic
/// in the output (whose message beats nextest's "thread … panicked" attribute), else the
/// first `file:line` of a known source type in the output.
fn locate(hit: &mut Hit, case: &Case, body: &str) {
    if case.file.is_some() && case.line.is_some() {
        hit.file.clone_from(&case.file);
        hit.line = case.line;
        return;
    }
    let mut panic = Hit::new(Layer::Structured, Classification::Test, "");
    for line in body.lines() {
        if follow_panic(&mut panic, line) == Follow::Done {
            break;
        }
    }
    if panic.file.is_some() && !panic.message.is_empty() {
        hit.message = panic.message.trim().to_string();
        hit.file = panic.file;
        hit.line = panic.line;
        return;
    }
    let found = body.lines().find_map(|l| LOCATION.captures(l));
    hit.file = case
        .file
        .clone()
        .or_else(|| found.as_ref().map(|c| c[1].to_string()));
    hit.line = found.and_then(|c| c[2].parse().ok());
}

fn attribute(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn flavour(root: &str, suite: &str, classname: &str) -> Flavour {
    match root {
        _ if root.starts_with("pytest") || suite == "pytest" => Flavour::Pytest,
        "nextest-run" => Flavour::Nextest,
        _ if root.starts_with("vitest") => Flavour::Vitest,
        _ if root.starts_with("jest") => Flavour::Jest,
        _ if JAVA_CLASS.is_match(classname) => Flavour::Java,
        _ => Flavour::Other,
    }
}

/// The test's id in its runner's own terms (a pytest node id, `Class#method`, …).
fn test_id(flavour: &Flavour, case: &Case, file: Option<&str>) -> String {
    match flavour {
        Flavour::Pytest => {
            // The module that collected the test: the case's `file` attribute, else its
            // classname. Not the file of the failure, which for a test inherited from a
            // base class or mixin is another module.
            let (module, classes) = pytest_parts(&case.classname);
            let collected = case.file.clone().filter(|f| f.ends_with(".py"));
            let file = collected.unwrap_or_else(|| {
                if module == ".py" {
                    file.unwrap_or_default().to_string()
                } else {
                    module
                }
            });
            let mut node = vec![file];
            node.extend(classes);
            node.push(case.name.clone());
            node.join("::")
        }
        Flavour::Java => {
            let class = case.classname.rsplit('.').next().unwrap_or(&case.classname);
            format!("{class}#{}", case.name)
        }
        Flavour::Vitest => case.name.replace(" > ", " "),
        _ => case.name.clone(),
    }
}

/// pytest's classname `tests.test_a.TestX` is module `tests/test_a.py` and class `TestX`.
fn pytest_parts(classname: &str) -> (String, Vec<String>) {
    let parts: Vec<&str> = classname.split('.').collect();
    let split = parts
        .iter()
        .position(|p| p.starts_with(char::is_uppercase))
        .unwrap_or(parts.len());
    let module = format!("{}.py", parts[..split].join("/"));
    (
        module,
        parts[split..].iter().map(|s| s.to_string()).collect(),
    )
}

fn command(
    flavour: &Flavour,
    case: &Case,
    suite: &str,
    test: Option<&str>,
    file: Option<&str>,
) -> Option<String> {
    let test = shell_quote(test?);
    let file = file
        .map(|f| format!(" {}", shell_quote(f)))
        .unwrap_or_default();
    match flavour {
        Flavour::Pytest => Some(format!("python -m pytest -q {test}")),
        Flavour::Nextest => Some(format!(
            "cargo nextest run {} {}",
            nextest::target(suite),
            shell_quote(&case.name)
        )),
        Flavour::Vitest => Some(format!("npx vitest run{file} -t {test}")),
        Flavour::Jest => Some(format!("npx jest{file} -t {test}")),
        Flavour::Java => Some(format!("mvn test -Dtest={test}")),
        Flavour::Other => None,
    }
}

/// An `InvalidData` error carrying [`Malformed`] for the byte offset `at` of `path`.
fn malformed(path: &Path, at: u64, message: &str) -> std::io::Error {
    let line = line_at(path, at).unwrap_or(1);
    let error = Malformed {
        path: path.to_path_buf(),
        line,
        message: format!("malformed JUnit XML: {message}"),
    };
    std::io::Error::new(std::io::ErrorKind::InvalidData, error)
}

/// The error for a file with no `<testsuites>` or `<testsuite>` element (plain text, empty).
fn not_a_report(path: &Path) -> std::io::Error {
    let error = Malformed {
        path: path.to_path_buf(),
        line: 1,
        message: "not a JUnit report: no <testsuites> or <testsuite> element".to_string(),
    };
    std::io::Error::new(std::io::ErrorKind::InvalidData, error)
}

/// The 1-based line of byte offset `at`, counted by streaming the file again.
fn line_at(path: &Path, at: u64) -> std::io::Result<u64> {
    let mut reader = BufReader::new(open(path)?).take(at);
    let mut lines = 1;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        let n = chunk.len();
        reader.consume(n);
    }
}

/// One test case of a JUnit file, as the event log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The test's id in its runner's own terms (as a first failure names it), qualified by
    /// its test binary for nextest.
    pub id: String,
    /// `passed`, `failed` or `skipped`.
    pub status: &'static str,
    /// Its `time`, when given.
    pub duration_ms: Option<u64>,
}

/// Every test case of `files`, in document order (streamed; a file that does not exist was
/// not written and has none).
pub fn outcomes(files: &[PathBuf]) -> std::io::Result<Vec<Outcome>> {
    let mut all = Vec::new();
    for path in files.iter().filter(|p| p.is_file()) {
        outcomes_of(path, &mut all)?;
    }
    Ok(all)
}

fn outcomes_of(path: &Path, all: &mut Vec<Outcome>) -> std::io::Result<()> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(open(path)?));
    let mut buf = Vec::new();
    let (mut root, mut suites) = (None::<String>, Vec::<String>::new());
    let mut open: Option<(Case, Option<u64>, &'static str)> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(path, reader.error_position(), &e.to_string()))?;
        let (element, closes) = match &event {
            Event::Eof => return Ok(()),
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(e) => {
                match e.local_name().into_inner() {
                    "testsuite" => drop(suites.pop()),
                    "testcase" => finish(&mut open, root.as_deref(), &suites, all),
                    _ => {}
                }
                (None, false)
            }
            _ => (None, false),
        };
        if let Some(e) = element {
            let attr = |key: &str| attribute(&e, key);
            match e.local_name().into_inner() {
                "testsuites" => root = attr("name"),
                "testsuite" if !closes => {
                    let name = attr("name").unwrap_or_default();
                    root.get_or_insert_with(|| name.clone());
                    suites.push(name);
                }
                "testcase" => {
                    let case = Case {
                        name: attr("name").unwrap_or_default(),
                        classname: attr("classname").unwrap_or_default(),
                        file: attr("file"),
                        line: None,
                    };
                    let ms = attr("time")
                        .and_then(|t| t.parse::<f64>().ok())
                        .map(|s| (s * 1000.0).round() as u64);
                    open = Some((case, ms, "passed"));
                    if closes {
                        finish(&mut open, root.as_deref(), &suites, all);
                    }
                }
                "failure" | "error" => {
                    if let Some(o) = open.as_mut() {
                        o.2 = "failed";
                    }
                }
                "skipped" => {
                    if let Some(o) = open.as_mut().filter(|o| o.2 == "passed") {
                        o.2 = "skipped";
                    }
                }
                _ => {}
            }
        }
        buf.clear();
    }
}

/// Closes the open test case into `all`.
fn finish(
    open: &mut Option<(Case, Option<u64>, &'static str)>,
    root: Option<&str>,
    suites: &[String],
    all: &mut Vec<Outcome>,
) {
    let Some((case, duration_ms, status)) = open.take() else {
        return;
    };
    let suite = suites.last().map_or("", String::as_str);
    let flavour = flavour(root.unwrap_or(""), suite, &case.classname);
    all.push(Outcome {
        id: history_id(&flavour, &case),
        status,
        duration_ms,
    });
}

/// The test's id in the per-test history: its runner's id, which for nextest is qualified by
/// the test binary the way nextest prints a test (`tiny::it parse::empty`). A name alone is
/// unique only within one binary: two integration-test files that each hold a `works` test
/// would otherwise be one test in the history, passing and failing in the same run.
fn history_id(flavour: &Flavour, case: &Case) -> String {
    let id = test_id(flavour, case, case.file.as_deref());
    match flavour {
        Flavour::Nextest if !case.classname.is_empty() => format!("{} {id}", case.classname),
        _ => id,
    }
}

//! Auto-detection and `init` on small repositories modelled on real ones: the steps come from
//! the repository's CI, tox, pre-commit, package.json scripts and Makefile, each says where it
//! came from, and what CI runs that is not a local fast check is left out with its reason.

use std::os::unix::fs::PermissionsExt;

use crate::support::{Repo, step};

/// `init`'s report (stdout) and the `sdetkit.toml` it wrote.
fn init(repo: &Repo) -> (String, String) {
    let out = repo.sdetkit(&["init"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = std::fs::read_to_string(repo.file("sdetkit.toml")).unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), toml)
}

/// `(id, cmd)` of every auto-detected fast-gate step, as `gate fast` ran them.
fn gate_steps(repo: &Repo, path: Option<&str>) -> Vec<(String, String)> {
    let mut cmd = repo.sdetkit(&["gate", "fast"]);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    cmd.output().unwrap();
    let gate = repo.json("build/first-proof/gate-fast.json");
    gate["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["cmd"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A directory of fake programs (shell scripts), to put first on PATH.
fn fake_bin(programs: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in programs {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// A directory holding only `programs` (links to the real ones), to be the whole PATH.
pub fn only(programs: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for p in programs {
        let real = ["/usr/bin", "/bin", "/usr/local/bin"]
            .iter()
            .map(|d| std::path::Path::new(d).join(p))
            .find(|c| c.exists())
            .unwrap_or_else(|| panic!("{p} is not installed"));
        std::os::unix::fs::symlink(real, dir.path().join(p)).unwrap();
    }
    dir
}

fn path_with(bin: &tempfile::TempDir) -> String {
    format!("{}:/usr/bin:/bin", bin.path().display())
}

const NODE_CI: &str = "name: Quality
on: [push, pull_request]
jobs:
  quality:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [24]
        task: [format, lint, typecheck]
    steps:
      - uses: actions/checkout@v4
      - run: pnpm install --frozen-lockfile
      - name: Run task
        run: pnpm run ${{ matrix.task }}
  test:
    runs-on: ubuntu-latest
    steps:
      - run: |
          pnpm test || true
          pnpm run test:unit
      - run: pnpm publish
";

#[test]
fn github_matrix_expands_into_the_scripts_ci_runs_with_their_source() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        r#"{"scripts": {"format": "biome format", "format:fix": "biome format --write", "lint": "eslint .", "typecheck": "tsc --noEmit", "test": "jest", "test:unit": "jest --env node"}}"#,
    );
    repo.write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    repo.write(".github/workflows/quality.yml", NODE_CI);
    repo.commit("node project");
    let (report, toml) = init(&repo);
    for expected in [
        "step pnpm-format: pnpm run format  (from .github/workflows/quality.yml:14)",
        "step pnpm-lint: pnpm run lint  (from .github/workflows/quality.yml:14)",
        "step pnpm-typecheck: pnpm run typecheck  (from .github/workflows/quality.yml:14)",
        "step pnpm-test-unit: pnpm run test:unit  (from .github/workflows/quality.yml:20)",
        "left out `pnpm test || true` (.github/workflows/quality.yml:19): its failure is ignored",
        "left out `pnpm publish` (.github/workflows/quality.yml:21): a release step",
        "setup: pnpm install --frozen-lockfile",
        "sdetkit.mk not written: the repository has no Makefile",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert!(!report.contains("include sdetkit.mk"), "{report}");
    assert!(!repo.file("sdetkit.mk").exists());
    assert!(
        toml.contains("[setup]\nrun = \"pnpm install --frozen-lockfile\""),
        "{toml}"
    );
    assert!(
        toml.contains(
            "# from .github/workflows/quality.yml:14\n[[gate.fast.steps]]\nid = \"pnpm-typecheck\""
        ),
        "{toml}"
    );
}

#[test]
fn node_steps_without_node_modules_say_to_install_the_dependencies() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        r#"{"scripts": {"lint": "eslint .", "test": "node --test"}}"#,
    );
    repo.write("package-lock.json", "{}\n");
    repo.commit("node project");
    // npm runs the script the way npm does: through sh, so eslint is "not found" (127).
    let bin = fake_bin(&[("npm", "exec sh -c 'eslint .'"), ("node", "exit 0")]);
    let steps = gate_steps(&repo, Some(&path_with(&bin)));
    assert_eq!(steps[0], ("npm-lint".into(), "npm run lint".into()));
    let gate = repo.json("build/first-proof/gate-fast.json");
    let lint = step(&gate, "npm-lint");
    assert_eq!(lint["status"], "error", "{lint}");
    let message = lint["message"].as_str().unwrap();
    assert!(
        message.contains("`eslint` is not installed (no node_modules/.bin/eslint)")
            && message.contains("dependencies are not installed: run `npm ci`"),
        "{message}"
    );
    assert!(!message.contains("command not found: npm"), "{message}");

    // The same step written in sdetkit.toml: the shell's "not found" gets the same hint.
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"lint\"\nrun = \"npm run lint\"\n",
    );
    repo.commit("config");
    let out = repo
        .sdetkit(&["gate", "fast"])
        .env("PATH", path_with(&bin))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let gate = repo.json("build/first-proof/gate-fast.json");
    let message = step(&gate, "lint")["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("dependencies are not installed: run `npm ci`"),
        "{message}"
    );
    let recommendations = gate["recommendations"].to_string();
    assert!(
        !recommendations.contains("Add [[gate.fast.steps]]"),
        "steps are configured: {recommendations}"
    );
}

#[test]
fn configured_step_with_a_missing_program_gets_the_install_hint() {
    let repo = Repo::new();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"test\"\nrun = \"cargo test\"\n",
    );
    repo.commit("config");
    let bin = only(&["sh", "git"]);
    repo.sdetkit(&["gate", "fast"])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    let gate = repo.json("build/first-proof/gate-fast.json");
    let message = step(&gate, "test")["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("`cargo` is not installed; install Rust with rustup"),
        "{message}"
    );
    let out = repo
        .sdetkit(&["doctor", "--format", "json"])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doctor = repo.json("build/first-proof/doctor.json");
    let tools = step(&doctor, "tools");
    assert_eq!(tools["status"], "failed");
    assert!(
        tools["hint"].as_str().unwrap().contains("rustup.rs"),
        "{tools}"
    );
}

#[test]
fn ruff_never_rewrites_the_repository() {
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"p\"\n[tool.ruff]\nfix = true\n",
    );
    repo.write("src/p/__init__.py", "import os\n");
    repo.commit("python project");
    // A ruff that fixes (removes the import and passes) unless told `--no-fix`.
    let bin = fake_bin(&[(
        "ruff",
        "case \" $* \" in *' --no-fix '*) echo 'src/p/__init__.py:1:8: F401 `os` imported but unused'; exit 1;; esac\n: > src/p/__init__.py; exit 0",
    )]);
    let steps = gate_steps(&repo, Some(&path_with(&bin)));
    assert_eq!(
        steps,
        [("ruff".to_string(), "ruff check --no-fix .".to_string())]
    );
    let gate = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(step(&gate, "ruff")["status"], "failed");
    assert_eq!(
        std::fs::read_to_string(repo.file("src/p/__init__.py")).unwrap(),
        "import os\n",
        "the gate must not change the repository"
    );
}

#[test]
fn python_linters_and_tests_come_from_tox_and_configuration() {
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"c\"\ndynamic = [\"version\"]\n[tool.flake8]\nmax-line-length = 80\n",
    );
    repo.write(
        "tox.ini",
        "[tox]\nenvlist = check-manifest,docs,flake8,py\n\n[testenv]\ndeps =\n    pytest\n    pytest-cov\nsetenv =\n    THREADING_TESTS = 1\ncommands =\n    py.test --basetemp={envtmpdir} --cov=c --cov-report term-missing {posargs}\n\n[testenv:docs]\ncommands =\n    sphinx-build -W -b html docs {envtmpdir}/html\n\n[testenv:flake8]\ndeps =\n    flake8\n    flake8-pyproject\ncommands =\n    flake8\n",
    );
    repo.write("tests/test_c.py", "import unittest\n");
    repo.write(
        ".github/workflows/ci.yml",
        "on: [push]\njobs:\n  main:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pip install coverage tox\n      - run: tox\n",
    );
    repo.commit("python project");
    let (report, toml) = init(&repo);
    for expected in [
        "step flake8: flake8  (from tox.ini [testenv:flake8] via .github/workflows/ci.yml:7)",
        "step pytest: py.test  (from tox.ini [testenv] via .github/workflows/ci.yml:7)",
        "left out tox environment `docs` (tox.ini [testenv:docs]): not a fast check",
        "setup: python3 -m pip install -e . flake8 flake8-pyproject pytest pytest-cov",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert!(!report.contains("ruff"), "ruff is not configured: {report}");
    assert!(
        toml.contains("env = { \"THREADING_TESTS\" = \"1\" }"),
        "{toml}"
    );
}

#[test]
fn precommit_and_tox_in_pyproject_through_uv() {
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"i\"\nversion = \"2.3.0.dev\"\n[dependency-groups]\ndev = [\"ruff\"]\ntests = [\"freezegun\", \"pytest>=8\"]\ndocs = [\"sphinx\"]\n[tool.mypy]\nfiles = [\"src\"]\n[tool.tox]\nenv_list = [\"py3.13\", \"typing\", \"docs\"]\n[tool.tox.env_run_base]\ncommands = [[\"pytest\", \"-v\", \"--tb=short\", \"--basetemp={env_tmp_dir}\", {replace = \"posargs\", default = [], extend = true}]]\n[tool.tox.env.typing]\ncommands = [[\"mypy\"], [\"pyright\"]]\n",
    );
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.11.11\n    hooks:\n      - id: ruff\n      - id: ruff-format\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n    hooks:\n      - id: trailing-whitespace\n",
    );
    repo.write(
        ".github/workflows/tests.yaml",
        "on: [push]\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        include:\n          - {python: '3.13'}\n          - {name: PyPy, python: 'pypy-3.11', tox: pypy311}\n    steps:\n      - run: uv run --locked tox run -e ${{ matrix.tox || format('py{0}', matrix.python) }}\n  typing:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv run --locked tox run -e typing\n",
    );
    repo.write(
        ".github/workflows/pre-commit.yaml",
        "on: [push]\njobs:\n  main:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv run --locked --group pre-commit pre-commit run --all-files\n",
    );
    repo.write("tests/test_i.py", "def test_i(): pass\n");
    repo.write(
        "uv.lock",
        "version = 1\n[[package]]\nname = \"ruff\"\nversion = \"0.11.11\"\n[[package]]\nname = \"pytest\"\nversion = \"8.3.5\"\n",
    );
    repo.commit("python project");
    let (report, _) = init(&repo);
    for expected in [
        "step ruff-format: ruff format --check .  (from .pre-commit-config.yaml:6 (hook ruff-format) via .github/workflows/pre-commit.yaml:6)",
        "step ruff: ruff check --no-fix .  (from .pre-commit-config.yaml:5 (hook ruff) via .github/workflows/pre-commit.yaml:6)",
        "step mypy: mypy  (from pyproject.toml [tool.tox.env.typing] via .github/workflows/tests.yaml:15)",
        "step pytest: pytest -v --tb=short  (from pyproject.toml [tool.tox.env_run_base] via .github/workflows/tests.yaml:11)",
        "left out `pyright` (pyproject.toml [tool.tox.env.typing] via .github/workflows/tests.yaml:15): pyright downloads Node.js",
        "left out pre-commit hooks trailing-whitespace (.pre-commit-config.yaml)",
        // The linters CI runs at uv.lock's versions, not whatever is newest.
        "setup: python3 -m pip install -e . ruff==0.11.11 freezegun pytest==8.3.5 (run by",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
}

#[test]
fn unittest_tests_outside_tests_run_where_they_are_and_auto_equals_init() {
    let repo = Repo::new();
    repo.write("pyproject.toml", "[project]\nname = \"g\"\n");
    repo.write(
        "bindings/python/tests/test_binding.py",
        "import unittest\n\nclass TestLanguage(unittest.TestCase):\n    def test_ok(self):\n        self.assertEqual(1, 1)\n",
    );
    repo.commit("grammar bindings");
    let auto = gate_steps(&repo, None);
    assert_eq!(
        auto,
        [(
            "unittest".to_string(),
            "python3 -m unittest discover -s bindings/python/tests".to_string()
        )]
    );
    let gate = repo.json("build/first-proof/gate-fast.json");
    assert_eq!(step(&gate, "unittest")["status"], "passed", "{gate:#}");
    init(&repo);
    assert_eq!(
        gate_steps(&repo, None),
        auto,
        "init writes what auto mode runs"
    );
}

#[test]
fn rust_workspace_and_ci_commands() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"w\"\nversion = \"0.1.0\"\n[workspace]\nmembers = [\"impl\"]\n",
    );
    repo.commit("workspace");
    let out = repo
        .sdetkit(&["init"])
        .env("PATH", crate::support::path_without_nextest())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("step cargo-clippy: cargo clippy --workspace --all-targets -- -D warnings")
            && report.contains("step cargo-test: cargo test --workspace  (from default for Cargo.toml with [workspace])")
            && report.contains("setup: cargo fetch"),
        "{report}"
    );
    repo.write(
        ".github/workflows/ci.yml",
        "on: [push]\nenv:\n  RUSTFLAGS: -Dwarnings\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        rust: [nightly, stable]\n    steps:\n      - uses: dtolnay/rust-toolchain@master\n      - run: echo RUSTFLAGS=${RUSTFLAGS}\\ -Zrandomize-layout >> $GITHUB_ENV\n        if: matrix.rust == 'nightly'\n      - run: cargo test --workspace --exclude w_no_std\n      - run: cargo check\n  miri:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo miri test\n      - run: cargo +nightly generate-lockfile -Z minimal-versions\n",
    );
    repo.commit("ci");
    let out = repo.sdetkit(&["init", "--force"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "step cargo-test: cargo test --workspace --exclude w_no_std  (from .github/workflows/ci.yml:14)",
        "`cargo check` (.github/workflows/ci.yml:15) left out: the test step compiles the same code",
        "`cargo fmt --check` not added: CI does not run it",
        "left out `cargo miri test` (.github/workflows/ci.yml:19): nightly-only (miri)",
        "nightly-only (`+nightly`)",
        "): nightly-only",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    let toml = std::fs::read_to_string(repo.file("sdetkit.toml")).unwrap();
    assert!(
        toml.contains("env = { \"RUSTFLAGS\" = \"-Dwarnings\" }"),
        "{toml}"
    );
}

#[test]
fn go_gets_gofmt_and_vet_only_when_ci_runs_them() {
    let repo = Repo::new();
    repo.write("go.mod", "module example.com/x\n\ngo 1.21\n");
    repo.commit("go");
    let (report, toml) = init(&repo);
    assert!(
        report.contains("step go-test: go test ./...  (from default for go.mod)"),
        "{report}"
    );
    assert!(report.contains("gofmt and go vet not added"), "{report}");
    assert!(
        !toml.contains("\n[setup]\n"),
        "no requires, nothing to download: {toml}"
    );
    repo.write(
        ".github/workflows/build.yml",
        "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - name: fmt\n        run: |\n          if [ \"$(gofmt -s -l . | wc -l)\" -gt 0 ]; then\n            gofmt -s -l .\n            exit 1\n          fi\n      - run: go vet ./... && go test -race -failfast ./...\n      - run: go test -v -covermode=count -coverprofile=coverage.cov ./...\n",
    );
    repo.commit("ci");
    let out = repo.sdetkit(&["init", "--force"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "step gofmt: if [ \"$(gofmt -s -l . | wc -l)\" -gt 0 ]; then …  (from .github/workflows/build.yml:8)",
        "step go-vet: go vet ./...  (from .github/workflows/build.yml:12)",
        "step go-test: go test -race -failfast ./...  (from .github/workflows/build.yml:12)",
        "step go-test-2: go test -v ./...  (from .github/workflows/build.yml:13)",
        "coverage flags dropped",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    // The doctor reads the gofmt step as shell: it needs gofmt, not a program named `-l`.
    repo.commit("init");
    let bin = only(&["sh", "git"]);
    repo.sdetkit(&["doctor"])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    let doctor = repo.json("build/first-proof/doctor.json");
    let tools = step(&doctor, "tools");
    let message = tools["message"].as_str().unwrap();
    assert!(
        message.contains("`gofmt`") && message.contains("`go`"),
        "{message}\n{tools:#}"
    );
    assert!(!tools.to_string().contains("-l"), "{tools}");
}

#[test]
fn make_targets_ci_runs_and_grammar_tests_beside_other_ecosystems() {
    let jsmn = Repo::new();
    jsmn.write(
        "Makefile",
        "CC ?= gcc\ntest: test_default\ntest_default: test/tests.c\n\t$(CC) $< -o test/$@\n\t./test/$@\nlint:\n\tclang-tidy jsmn.h --checks='*'\n",
    );
    jsmn.write(".travis.yml", "language: c\nscript:\n  - make test\n");
    jsmn.commit("c library");
    let (report, _) = init(&jsmn);
    assert!(
        report.contains("step make-test: make test  (from .travis.yml:3)"),
        "{report}"
    );
    assert!(
        report.contains("`make lint` not added: CI does not run it"),
        "{report}"
    );
    assert!(
        report.contains("wrote sdetkit.mk") && report.contains("make -f sdetkit.mk ops-daily"),
        "{report}"
    );

    let grammar = Repo::new();
    grammar.write(
        "Cargo.toml",
        "[package]\nname = \"g\"\nversion = \"0.1.0\"\n",
    );
    grammar.write("Makefile", "TS ?= tree-sitter\ntest:\n\t$(TS) test\n");
    grammar.commit("grammar");
    let (report, _) = init(&grammar);
    assert!(
        report.contains("step make-test: make test  (from Makefile target `test`)"),
        "{report}"
    );
    let wrapper = Repo::new();
    wrapper.write(
        "Cargo.toml",
        "[package]\nname = \"g\"\nversion = \"0.1.0\"\n",
    );
    wrapper.write("Makefile", "test:\n\tcargo test\n");
    wrapper.commit("wrapper");
    let (report, _) = init(&wrapper);
    assert!(!report.contains("step make-test"), "{report}");
    assert!(report.contains("`make test` not added"), "{report}");
}

#[test]
fn polyglot_setup_combines_each_ecosystems_install() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"scripts": {"test": "node --test"}}"#);
    repo.write("package-lock.json", "{}\n");
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"p\"\n[project.optional-dependencies]\ntest = [\"pytest\"]\ndocs = [\"sphinx\"]\n",
    );
    repo.write("requirements-dev.txt", "ruff\n");
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n",
    );
    repo.write("go.mod", "module x\n\nrequire example.com/y v1.0.0\n");
    repo.commit("polyglot");
    let (report, toml) = init(&repo);
    let setup = "npm ci && python3 -m pip install -e '.[test]' -r requirements-dev.txt && cargo fetch && go mod download";
    assert!(report.contains(&format!("setup: {setup}")), "{report}");
    assert!(toml.contains(&format!("run = \"{setup}\"")), "{toml}");
}

#[test]
fn a_check_after_a_build_in_its_ci_job_waits_for_the_build() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        r#"{"scripts": {"build": "tsc -p .", "typecheck": "tsc --noEmit", "test": "vitest run"}}"#,
    );
    repo.write("package-lock.json", "{}\n");
    repo.write(
        ".github/workflows/validate.yml",
        "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm run build\n      - run: npm run typecheck\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm run build\n      - run: npm prune --omit=dev\n      - run: node e2e/test-cli.js\n  unit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n",
    );
    repo.commit("node project");
    let (report, toml) = init(&repo);
    assert!(
        report.contains("left out `npm prune --omit=dev`"),
        "{report}"
    );
    assert!(
        toml.contains(
            "id = \"node-test-cli\"\nrun = \"node e2e/test-cli.js\"\nneeds = [\"npm-build\"]"
        ),
        "the e2e job built first: {toml}"
    );
    assert!(
        toml.contains("id = \"npm-test\"\nrun = \"npm test\"\n# timeout"),
        "the unit job built nothing: {toml}"
    );
}

#[test]
fn gitlab_scripts_and_nox_sessions() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"g\"\nversion = \"0.1.0\"\n",
    );
    repo.write(
        ".gitlab-ci.yml",
        "stages: [test]\nvariables:\n  CARGO_TERM_COLOR: always\ntest:\n  stage: test\n  script:\n    - cargo test --all-features\nlint:\n  allow_failure: true\n  script: cargo clippy -- -D warnings\n.hidden:\n  script: cargo publish\n",
    );
    repo.commit("gitlab");
    let (report, _) = init(&repo);
    for expected in [
        "step cargo-test: cargo test --all-features  (from .gitlab-ci.yml:7)",
        "left out `cargo clippy -- -D warnings` (.gitlab-ci.yml:10): CI ignores its failure (allow_failure)",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert!(!report.contains("cargo publish"), "{report}");

    let nox = Repo::new();
    nox.write("pyproject.toml", "[project]\nname = \"n\"\n");
    nox.write(
        "noxfile.py",
        "import nox\n\n@nox.session\ndef tests(session):\n    session.install(\"pytest\")\n    session.run(\"pytest\", \"-q\", *session.posargs)\n\n@nox.session\ndef docs(session):\n    session.run(\"sphinx-build\", \"docs\", \"out\")\n",
    );
    nox.commit("nox");
    let (report, _) = init(&nox);
    assert!(
        report.contains(
            "step pytest: pytest -q  (from noxfile.py:4 (session tests) via nox's default sessions)"
        ),
        "{report}"
    );
    assert!(
        report.contains("nox session `docs` (noxfile.py:9): not a fast check"),
        "{report}"
    );
    assert!(
        report.contains("setup: python3 -m pip install -e . pytest"),
        "{report}"
    );
}

#[test]
fn rust_tests_run_with_nextest_where_it_is_installed_or_configured() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"n\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    repo.write(
        "src/lib.rs",
        "/// ```\n/// assert!(true);\n/// ```\npub fn f() {}\n",
    );
    repo.commit("crate");
    let run_init = |path: &str| {
        crate::support::output_of(repo.sdetkit(&["init", "--force"]).env("PATH", path))
    };
    let plain = crate::support::path_without_nextest();
    let report = run_init(&plain);
    assert!(report.contains("step cargo-test: cargo test "), "{report}");
    assert!(!report.contains("nextest"), "{report}");

    // Installed: the tests run with nextest, the doctests with cargo test --doc.
    let bin = fake_bin(&[("cargo-nextest", "exit 0")]);
    let report = run_init(&format!("{}:{plain}", bin.path().display()));
    assert!(
        report.contains("step cargo-nextest: cargo nextest run  (from cargo-nextest is installed)")
            && report.contains(
                "step cargo-doctest: cargo test --doc  (from nextest does not run doctests)"
            )
            && !report.contains("step cargo-test:"),
        "{report}"
    );

    // Configured but not installed: nextest too, and the doctor names what to install.
    repo.write(".config/nextest.toml", "[profile.default]\nretries = 1\n");
    repo.commit("nextest config");
    let report = run_init(&plain);
    assert!(
        report.contains("step cargo-nextest: cargo nextest run  (from .config/nextest.toml)"),
        "{report}"
    );
    let doctor = repo
        .sdetkit(&["doctor", "--format", "json"])
        .env("PATH", &plain)
        .output()
        .unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        doctor.contains("cargo install cargo-nextest --locked"),
        "{doctor}"
    );
}

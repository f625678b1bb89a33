//! The doctor on repositories modelled on real ones: tools a step needs through its Makefile
//! recipe, README / LICENSE / changelog under their usual names, public test keys.

use crate::detect::only;
use crate::support::{Repo, step};

#[test]
fn make_recipes_name_the_tools_they_need() {
    let repo = Repo::new();
    repo.write(
        "Makefile",
        "CC ?= gcc\nTIDY = clang-tidy\ntest:\n\t$(CC) -o t t.c && ./t\nlint:\n\t@$(TIDY) jsmn.h --checks='*'\n",
    );
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"lint\"\nrun = \"make lint\"\n",
    );
    repo.commit("c project");
    let bin = only(&["sh", "git", "make"]);
    let out = repo
        .sdetkit(&["doctor"])
        .env("PATH", bin.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doctor = repo.json("build/first-proof/doctor.json");
    let tools = step(&doctor, "tools");
    assert_eq!(tools["status"], "failed", "{tools:#}");
    assert_eq!(
        tools["message"], "missing: `clang-tidy` (via `make lint`)",
        "{tools:#}"
    );
    assert!(
        tools["hint"]
            .as_str()
            .unwrap()
            .contains("clang-tidy: apt-get install clang-tidy"),
        "{tools:#}"
    );
    assert!(
        !tools.to_string().contains("gcc"),
        "`make test` is not a step: {tools:#}"
    );
}

#[test]
fn readme_license_and_changelog_under_their_usual_names() {
    let repo = Repo::new();
    repo.write("readme.md", "# x\n");
    repo.write("LICENSE.txt", "MIT\n");
    repo.write("CHANGES.rst", "Version 1.0\n-----------\n");
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"t\"\nrun = \"true\"\n",
    );
    repo.commit("docs");
    repo.sdetkit(&["doctor"]).output().unwrap();
    let doctor = repo.json("build/first-proof/doctor.json");
    for (check, file) in [
        ("readme", "readme.md"),
        ("license", "LICENSE.txt"),
        ("changelog", "CHANGES.rst"),
    ] {
        let s = step(&doctor, check);
        assert_eq!(s["status"], "passed", "{s:#}");
        assert_eq!(s["cmd"], file, "the check names the file found: {s:#}");
    }
    let other = Repo::new();
    other.write("LICENSE-MIT", "MIT\n");
    other.write("VERSION_HISTORY.md", "## 1.0\n");
    other.commit("docs");
    other.sdetkit(&["doctor"]).output().unwrap();
    let doctor = other.json("build/first-proof/doctor.json");
    assert_eq!(step(&doctor, "license")["cmd"], "LICENSE-MIT");
    assert_eq!(step(&doctor, "changelog")["cmd"], "VERSION_HISTORY.md");
    assert_eq!(step(&doctor, "readme")["status"], "warn");
}

const TEST_JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

#[test]
fn public_test_keys_are_a_warning_real_looking_ones_an_error() {
    let repo = Repo::new();
    repo.write(
        "sdetkit.toml",
        "[[gate.fast.steps]]\nid = \"t\"\nrun = \"true\"\n",
    );
    repo.write("hmac_test.go", &format!("var token = \"{TEST_JWT}\"\n"));
    repo.write(
        "test/sample_key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
    );
    repo.commit("fixtures");
    let out = repo.sdetkit(&["doctor"]).output().unwrap();
    let doctor = repo.json("build/first-proof/doctor.json");
    let secrets = step(&doctor, "secrets");
    assert_eq!(secrets["status"], "warn", "{secrets:#}");
    assert_eq!(secrets["details"].as_array().unwrap().len(), 2);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning does not fail the doctor"
    );

    repo.write("config.go", &format!("var token = \"{TEST_JWT}\"\n"));
    repo.commit("real");
    let out = repo.sdetkit(&["doctor"]).output().unwrap();
    let doctor = repo.json("build/first-proof/doctor.json");
    let secrets = step(&doctor, "secrets");
    assert_eq!(secrets["status"], "failed", "{secrets:#}");
    assert!(
        secrets["message"].as_str().unwrap().contains("config.go:1"),
        "{secrets:#}"
    );
    assert_eq!(out.status.code(), Some(1));
}

//! sdetkit: one deterministic release-confidence loop for any repository. It answers three
//! questions every day: are we ready to ship now? If not, what failed first? What is the
//! next highest-impact fix?
//!
//! # Glossary: the seed's words, and where they live
//!
//! | seed word | module |
//! |---|---|
//! | step, gate (`gate fast`, `gate release`, `doctor`) | [`gate`], run by [`runner`] |
//! | first-proof, decision snapshot, SHIP / NO-SHIP | [`lanes::proof`], [`decision`] |
//! | first failure ("what failed first?") | [`triage`] |
//! | event log (the learning db) | [`artifacts::eventlog`] |
//! | learning rollup, control tower, weekly trend, threshold | [`history`] |
//! | follow-up, next command | [`followup`] |
//! | KPI scorecard, incidents, guidance | [`kpi`] |
//! | pre-merge blockers, release room | [`premerge`] |
//! | evidence pack | [`evidence`] |
//! | exit criteria, contract health | [`health`] |
//! | lanes (daily, weekly, premerge) | [`lanes`] |
//! | every file on disk | [`artifacts`] |
//! | CI-native output (annotations, job summary, JUnit, SARIF, Code Quality) | [`ci`], [`report::ci`], [`lanes::ci`] |
//!
//! # Flow
//!
//! Data flows one way: [`runner`] → [`gate`] → [`decision`] → [`history`] →
//! [`kpi`] / [`followup`] → [`report`]. [`lanes`] call those in order and write what they
//! produce through [`artifacts`]; [`cli`] parses, calls a lane, renders through [`report`]
//! and maps the outcome to an exit code. A module imports only from below it:
//! `error`, `digest`, `secrets` < `files`, `json` < `config`, `triage` < `runner` < `repo` <
//! `artifacts` < `workspace` < `gate` < `decision` < `history` < `kpi`, `followup`,
//! `evidence`, `premerge`, `health` < `report` < `lanes`, `init` < `cli`. `ARCHITECTURE.md` says where to add a check, a log format, a KPI or an
//! artifact.

#![warn(missing_docs)]

pub mod artifacts;
pub mod ci;
pub mod cli;
pub mod clock;
pub mod config;
pub mod decision;
pub mod digest;
pub mod error;
pub mod evidence;
pub mod files;
pub mod followup;
pub mod gate;
pub mod health;
pub mod history;
pub mod init;
pub mod inputs;
pub mod json;
pub mod kpi;
pub mod lanes;
pub mod maps;
pub mod premerge;
pub mod repo;
pub mod report;
pub mod runner;
pub mod schemas;
pub mod secrets;
pub mod store;
pub mod tools;
pub mod triage;
pub mod workspace;

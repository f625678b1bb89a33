//! sdetkit: one deterministic release-confidence loop for any repository.
//!
//! Data flows one way: [`runner`] → [`gate`] → [`decision`] → [`history`] → [`followup`] → [`report`].
//! [`lanes`] compose those steps; they do not compute.

pub mod cli;
pub mod clock;
pub mod config;
pub mod decision;
pub mod error;
pub mod evidence;
pub mod followup;
pub mod gate;
pub mod history;
pub mod init;
pub mod json;
pub mod kpi;
pub mod lanes;
pub mod repo;
pub mod report;
pub mod runner;
pub mod schemas;
pub mod secrets;
pub mod tools;
pub mod triage;
pub mod workspace;

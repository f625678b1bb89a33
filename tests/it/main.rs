//! The integration tests: one binary (it links once) driving the built `sdetkit` against
//! temporary git repositories whose steps really pass, fail, hang and crash.

mod artifacts;
mod bad_input;
mod cache;
mod ci;
mod conventions;
mod daily;
mod detect;
mod doctor;
mod eventlog;
mod evidence;
mod faults;
mod gate;
mod history_store;
mod learning;
mod manual;
mod nextest;
mod portfolio;
mod postgres_store;
mod premerge;
mod proof;
mod release;
mod reliability;
mod schemas;
mod secrets;
mod status;
mod support;
mod triage;
mod weekly;

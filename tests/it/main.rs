//! The integration tests: one binary (it links once) driving the built `sdetkit` against
//! temporary git repositories whose steps really pass, fail, hang and crash.

mod artifacts;
mod bad_input;
mod daily;
mod detect;
mod doctor;
mod evidence;
mod faults;
mod gate;
mod premerge;
mod proof;
mod release;
mod reliability;
mod secrets;
mod status;
mod support;
mod triage;
mod weekly;

//! Facts about the repository under check: git state, manifest versions, tracked files.
//! Everything here only reads; the tool never modifies the repository it checks.

pub mod git;
pub mod manifest;
pub mod scan;

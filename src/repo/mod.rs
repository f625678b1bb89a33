//! Facts about the repository under check: git state, release tags, the release version,
//! tracked files. Everything here only reads; the tool never modifies the repository it checks.

pub mod changelog;
pub mod git;
pub mod lanes;
pub mod scan;
pub mod tags;
pub mod version;
pub mod worktree;

//! KPIs of the weekly lane, computed from the real event log, the release ledger and git:
//! never from samples or hard-coded dates. The event log is streamed once; only the runs of
//! the trend horizon (8 weekly windows) are kept in memory.

pub mod dora;
pub mod guidance;
pub mod incidents;
pub mod pass;
pub mod portfolio;
pub mod releases;
pub mod scorecard;
pub mod streaks;
pub mod trend;
pub mod window;

//! KPIs of the weekly lane, computed from the real event log, the release ledger and git:
//! never from samples or hard-coded dates. The event log is streamed once into bounded
//! tallies of the trend horizon (8 weekly windows): no run is kept in memory.

pub mod dora;
pub mod guidance;
pub mod incidents;
pub mod pass;
pub mod portfolio;
pub mod releases;
pub mod scorecard;
pub mod streaks;
pub mod tally;
pub mod trend;
pub mod window;

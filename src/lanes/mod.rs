//! Lanes: what operators run. They call the gates, the decision, history, the follow-up and
//! the reports in order, and write what they produce; they compute nothing themselves.

pub mod ci;
pub mod daily;
pub mod followup;
pub mod portfolio;
pub mod premerge;
pub mod proof;
mod record;
pub mod weekly;

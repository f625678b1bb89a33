//! Lanes: what operators run. They compose gates, the decision, history and follow-up; they
//! compute nothing themselves.

pub mod daily;
pub mod premerge;
pub mod proof;
pub mod status;
pub mod weekly;

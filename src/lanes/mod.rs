//! Lanes: what operators run. They compose gates, the decision, history and follow-up; they
//! compute nothing themselves.

pub mod daily;
pub mod proof;
pub mod weekly;

//! Workflow health: the seed's exit criteria ([`status`], `ops status`) and the contract
//! health of every artifact the lanes write ([`contract`], part of the weekly lane).

pub mod contract;
pub mod status;

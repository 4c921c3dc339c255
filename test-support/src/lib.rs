//! What the integration tests, node-script's tests and the benchmarks share.
//! Not published; test and bench code only.

pub mod cm;
pub mod skip;
pub mod stats;
pub mod support;
pub mod testbed;

//! The project's integration tests: one binary that drives the real `supd`
//! against real nodes (a local sandbox directory; Debian roots over SSH)
//! with real supervisord.

mod ansible;
mod attacks;
mod bindings;
mod cm;
mod containment;
mod e2e;
mod facilities;
mod lifecycle;
mod oracle;
mod output;
mod pyinfra;
mod python;
mod sandbox;
mod scopes;
mod support;
use test_support::testbed;

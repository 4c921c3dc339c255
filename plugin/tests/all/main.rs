//! Native tests of the plugin's pure logic: tables of
//! `(settings, facts) -> plan`, golden configuration files, bad input.

mod bad_input;
mod configure;
mod facility;
mod golden;
mod install;
mod keys;
mod scopes;
mod service;
mod support;

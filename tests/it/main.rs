//! The integration-test binary: every black-box test of the root crate lives in one binary
//! (faster to link, shares the harness). Tests start the real server on 127.0.0.1:0.

mod cli;
mod identity;
mod locales;
mod mau;
mod server;
mod store;
// Not every test module uses every helper.
#[allow(dead_code)]
mod support;

//! The integration-test binary: every black-box test of the root crate lives in one binary
//! (faster to link, shares the harness). Tests start the real server on 127.0.0.1:0.

// The harness marks its API `pub` for readability; nothing leaves this binary anyway.
#![allow(unreachable_pub)]

mod cli;
mod cluster;
mod config_check;
mod console_texts;
mod crash;
mod demo_dialog;
mod demo_media;
mod did_you_mean;
mod handoff;
mod identity;
mod locales;
mod mau;
mod metrics;
mod openapi;
mod retention;
mod security;
mod serve_urls;
mod server;
mod store;
mod visitor;
// Not every test module uses every helper.
#[allow(dead_code)]
mod support;

//! Shared test harness: a real server on a free port, typed clients, bounded waiting.

pub mod app;
pub mod binary;
pub mod fail_once;
pub mod logs;
pub mod redis_server;
pub mod visitor;
pub mod wait;

pub use app::{TestApp, spawn_app, spawn_app_with};
pub use wait::wait_for;

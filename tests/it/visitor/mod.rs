//! The visitor channel through the real server: sessions, messages, events, origins, expiry.

mod counted_start;
mod expiry;
mod identity_expiry;
mod idle_timer_failure;
mod keep_alive;
mod origins;
mod realtime;
mod sessions;
mod start_once;

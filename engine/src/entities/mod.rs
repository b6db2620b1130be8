//! Entities: values the engine recognizes in what visitors type.
//!
//! [`system`] holds the built-in kinds every dialog can use (`sys_number`, `sys_date`,
//! `sys_time`, `sys_email`, `sys_phone`, `sys_yes_no`), as pure functions of the text, the
//! language and, for relative dates, today's date passed in by the caller.

pub mod custom;
pub mod system;

//! Data retention and erasure (docs/retention.md): deleting a conversation with everything
//! that belongs to it ([`purge`]), erasing a visitor of a site ([`erase`], exclusive with the
//! visitor's session starts through [`erasing`]), and deleting a
//! site's conversations and offline requests past its `retention_days` ([`schedule`] says
//! when each conversation is looked at, [`timer`] looks, [`sweep`] schedules the ones that
//! existed before, [`backoff`] spaces out the retries of a pass that failed).

pub mod backoff;
pub mod erase;
pub mod erasing;
pub mod purge;
pub mod schedule;
pub mod sweep;
pub mod timer;

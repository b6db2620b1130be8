//! Data retention and erasure (docs/retention.md): deleting a conversation with everything
//! that belongs to it ([`purge`]) and erasing a visitor of a site ([`erase`]).

pub mod erase;
pub mod purge;

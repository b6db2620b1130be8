//! The agent side of the edge: operator accounts, agent sessions (login, tokens, refresh
//! cookie), the per-site desk in the store, the agent websocket and notice delivery.
//!
//! - [`operators`]: operator records; [`provision`]: creating operators and demo seeding.
//! - [`tokens`]: access (JWT) and refresh tokens; [`login_guard`]: failed-login counters;
//!   [`auth`]: the [`AgentAuth`](auth::AgentAuth) extractor; [`session_routes`]: login,
//!   refresh, logout.
//! - [`desk_store`]: the per-site desk under compare-and-set.
//! - [`console_texts`]: the console's texts in the operator's language.

pub mod auth;
pub mod console_texts;
pub mod desk_store;
pub mod login_guard;
pub mod operators;
pub mod provision;
pub mod session_routes;
pub mod tokens;

use tokens::TokenKeys;

/// Agent-side handles shared by every request.
#[derive(Clone, Debug)]
pub struct AgentHub {
    /// Signing keys of access tokens.
    pub keys: TokenKeys,
    /// Each site's desk settings from config.
    pub desks: std::sync::Arc<crate::desk::site_desk::SiteDesks>,
    /// Console websockets open on this node.
    pub connections: crate::desk::connections::AgentConnections,
    /// Sites whose conversations go to an external desk (webhook connector).
    pub external: crate::desk::external::ExternalDesks,
    /// The webhook connectors behind `external`, for their command route.
    pub connectors: std::sync::Arc<crate::connector::Connectors>,
}

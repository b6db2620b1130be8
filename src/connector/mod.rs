//! Agent-desk connectors at the edge: implementations of
//! [`staffetta_handoff::connector::Connector`] that need sockets, and the per-site registry.
//!
//! # Layout
//!
//! - `webhook.rs`: [`WebhookConnector`], signed webhooks out to an external contact
//!   centre, signed commands in (contract: docs/connectors.md).
//! - `webhook_client.rs`: its HTTP client, `http://` or `https://` (rustls, the built-in
//!   Mozilla roots plus the site's `ca_file`).
//! - `webhook_routes.rs`: `POST /api/v1/connectors/webhook/{site}/commands`, the endpoint
//!   the contact centre posts commands to ([`router`]).
//! - `inbound.rs`: the endpoint's checks without HTTP (signature, window, body, replays
//!   remembered in the store, the desk's [`CommandCheck`]) and the bounded command queue.
//! - `item.rs`: what the outbox stores for the contact centre ([`Item`]: the desk's items
//!   and refused commands, with the summary and transcript extras) and its wire form.
//! - `logins.rs`: the operators' logins by id, to name agents on the wire by login.
//! - `outbox.rs`: the durable per-site outbox in the store (log, cursor, lease).
//! - `delivery.rs`: the loop that sends the outbox in order and moves the cursor.
//! - `erase.rs`: erasing a deleted conversation's items from the outbox
//!   ([`erase_outbox_items`]).
//! - `retry.rs`: which delivery failures are retried, and the backoff.
//!
//! [`Connectors`] holds one connector per site that configures one, built once at start
//! from the settings.

mod delivery;
mod erase;
mod inbound;
mod item;
mod logins;
mod outbox;
mod retry;
mod webhook;
mod webhook_client;
mod webhook_routes;

#[cfg(test)]
mod delivery_erasure_tests;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod erase_tests;
#[cfg(test)]
mod webhook_tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use staffetta_handoff::connector::Connector;

pub use erase::erase_conversations as erase_outbox_items;
pub use inbound::{
    COMMAND_QUEUE_CAPACITY, CommandCheck, CommandRefusal, InboundError, MAX_COMMAND_ID_LEN, Queued,
    Received, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
pub use item::{CommandRefused, EdgeItem, ForAgent, Item};
pub(crate) use outbox::Lease;
pub use outbox::{LEASE_RENEW, LEASE_TTL, log_name as outbox_log};
pub use retry::{MAX_BACKOFF, MIN_ROUND_PAUSE, RetryPolicy, Verdict, verdict_for};
pub use webhook::{WebhookConnector, WebhookSetupError};
pub use webhook_routes::{COMMAND_BODY_LIMIT, COMMANDS_PATH, router, router_checked};

use crate::config::Settings;
use crate::store::{Clock, Store};

/// Why the connectors cannot be built from the settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorSetupError {
    /// A site's `webhook` section is invalid or its client cannot be built.
    #[error("site `{site}`: {source}")]
    Webhook {
        /// The site id.
        site: String,
        /// What is wrong.
        source: WebhookSetupError,
    },
}

/// The external connectors of every site, by site id. Sites without one use the built-in
/// console only.
#[derive(Debug, Default)]
pub struct Connectors {
    webhooks: BTreeMap<String, Arc<WebhookConnector>>,
}

impl Connectors {
    /// A connector for every site with a `webhook` section; `clock` dates and checks
    /// signatures; `store` holds their outboxes and command replay records.
    pub fn from_settings(
        settings: &Settings,
        clock: &Clock,
        store: &Arc<dyn Store>,
    ) -> Result<Self, ConnectorSetupError> {
        let mut webhooks = BTreeMap::new();
        for site in &settings.sites {
            let Some(webhook) = &site.webhook else {
                continue;
            };
            let connector =
                WebhookConnector::new(&site.id, webhook, clock.clone(), Arc::clone(store))
                    .map_err(|source| ConnectorSetupError::Webhook {
                        site: site.id.clone(),
                        source,
                    })?;
            webhooks.insert(site.id.clone(), Arc::new(connector));
        }
        Ok(Self { webhooks })
    }

    /// What [`Connectors::from_settings`] checks, without a store (for `config check`).
    pub fn check(settings: &Settings) -> Result<(), ConnectorSetupError> {
        for site in &settings.sites {
            if let Some(webhook) = &site.webhook {
                WebhookConnector::check(webhook).map_err(|source| {
                    ConnectorSetupError::Webhook {
                        site: site.id.clone(),
                        source,
                    }
                })?;
            }
        }
        Ok(())
    }

    /// The site's external connector, if it has one.
    pub fn get(&self, site: &str) -> Option<Arc<dyn Connector>> {
        self.webhooks
            .get(site)
            .map(|connector| Arc::clone(connector) as Arc<dyn Connector>)
    }

    /// The site's webhook connector, if it has one.
    pub fn webhook(&self, site: &str) -> Option<Arc<WebhookConnector>> {
        self.webhooks.get(site).cloned()
    }

    /// Every site with an external connector, with it.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<WebhookConnector>)> {
        self.webhooks.iter().map(|(site, c)| (site.as_str(), c))
    }

    /// Closes every connector (at shutdown): `next_command` loops end once drained.
    pub fn close_all(&self) {
        for connector in self.webhooks.values() {
            connector.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WebhookSettings;
    use crate::secret::Secret;

    fn settings_with_webhook(url: &str) -> Settings {
        let mut settings = Settings::default();
        settings.sites[0].webhook = Some(WebhookSettings::new(
            url,
            Secret::new("registry-test-secret"),
        ));
        settings
    }

    async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SledStore::open(&dir.path().join("store"), Clock::system())
            .await
            .unwrap();
        (dir, Arc::new(store))
    }

    #[tokio::test]
    async fn only_sites_with_a_webhook_get_a_connector() {
        let (_dir, store) = store().await;
        let connectors =
            Connectors::from_settings(&Settings::default(), &Clock::system(), &store).unwrap();
        assert!(connectors.get("demo").is_none());
        let settings = settings_with_webhook("http://127.0.0.1:9/hook");
        let connectors = Connectors::from_settings(&settings, &Clock::system(), &store).unwrap();
        assert_eq!(connectors.get("demo").unwrap().name(), "webhook");
        assert_eq!(connectors.webhook("demo").unwrap().site(), "demo");
        assert!(connectors.webhook("other").is_none());
        assert_eq!(connectors.iter().count(), 1);
    }

    #[tokio::test]
    async fn an_invalid_webhook_names_its_site_and_never_its_secret() {
        let (_dir, store) = store().await;
        let settings = settings_with_webhook("ftp://desk.example/hook");
        let err = Connectors::from_settings(&settings, &Clock::system(), &store).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("site `demo`: `webhook.url`"),
            "{message}"
        );
        assert!(!message.contains("registry-test-secret"));
        let checked = Connectors::check(&settings).unwrap_err().to_string();
        assert_eq!(checked, message);
        Connectors::check(&settings_with_webhook("http://127.0.0.1:9/hook")).unwrap();
    }
}

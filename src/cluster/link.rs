//! The node's two Redis connections for the fan-out: a publisher task that drains the
//! bounded queue into `PUBLISH` pipelines, and a subscriber task on a dedicated pub/sub
//! connection that delivers the other nodes' messages here. Both reconnect with backoff
//! and log one warning per outage; neither ever makes a request wait for Redis.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSub};
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use super::{Counters, Message, NodeId, decode, deliver, encode, wake_all};
use crate::app::AppState;
use crate::desk::connections::AgentConnections;
use crate::shutdown::Lifecycle;
use crate::store::Store;
use crate::visitor::bus::Bus;

/// At most this many messages go into one `PUBLISH` pipeline.
const BATCH: usize = 128;
/// First wait before reconnecting after a failure; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often the subscriber checks its connection with `PING` (a half-open TCP connection
/// delivers nothing and reports no error).
const HEALTH_CHECK: Duration = Duration::from_secs(15);
/// A subscription that lived this long resets the backoff when it ends.
const STABLE: Duration = Duration::from_secs(30);

/// The fan-out's Redis side before the node runs.
pub(super) struct Link {
    client: Client,
    channel: String,
    node: NodeId,
    queue: mpsc::Receiver<Message>,
    stats: Arc<Counters>,
    subscription: Option<PubSub>,
    subscriber_outage: Outage,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("channel", &self.channel)
            .field("node", &self.node)
            .field("subscribed", &self.subscription.is_some())
            .finish_non_exhaustive()
    }
}

/// The channel of a deployment: Redis pub/sub ignores the database number, so it is part
/// of the name (two deployments on one Redis, in different databases, stay apart).
fn channel(client: &Client) -> String {
    let db = client.get_connection_info().redis_settings().db();
    format!("stf:fanout:v1:{db}")
}

impl Link {
    /// Subscribes once (bounded by `connect_timeout`); a failure is logged and left to the
    /// subscriber task to retry.
    pub(super) async fn connect(
        client: Client,
        node: NodeId,
        queue: mpsc::Receiver<Message>,
        stats: Arc<Counters>,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Self {
        let channel = channel(&client);
        let mut subscriber_outage = Outage::new(Side::Subscriber);
        let subscription = match subscribe(&client, &channel, connect_timeout).await {
            Ok(pubsub) => Some(pubsub),
            Err(reason) => {
                subscriber_outage.began(&reason);
                None
            }
        };
        Self {
            client,
            channel,
            node,
            queue,
            stats,
            subscription,
            subscriber_outage,
            connect_timeout,
            response_timeout,
        }
    }

    /// The Redis channel every node of the deployment uses.
    pub(super) fn channel(&self) -> &str {
        &self.channel
    }

    /// Spawns the publisher and the subscriber on the node's lifecycle.
    pub(super) fn start(self, state: &AppState) {
        let publisher = Publisher {
            client: self.client.clone(),
            channel: self.channel.clone(),
            node: self.node.clone(),
            stats: Arc::clone(&self.stats),
            connection: None,
            retry_at: Instant::now(),
            backoff: Backoff::default(),
            outage: Outage::new(Side::Publisher),
            connect_timeout: self.connect_timeout,
            response_timeout: self.response_timeout,
        };
        state
            .lifecycle
            .spawn(publisher.run(self.queue, state.lifecycle.clone()));
        let subscriber = Subscriber {
            client: self.client,
            channel: self.channel,
            node: self.node,
            stats: self.stats,
            bus: state.bus.clone(),
            connections: state.agents.connections.clone(),
            store: Arc::clone(&state.store),
            outage: self.subscriber_outage,
            connect_timeout: self.connect_timeout,
            response_timeout: self.response_timeout,
        };
        state
            .lifecycle
            .spawn(subscriber.run(self.subscription, state.lifecycle.clone()));
    }
}

/// Connects a pub/sub connection and subscribes to `channel` within `within`.
async fn subscribe(client: &Client, channel: &str, within: Duration) -> Result<PubSub, String> {
    let attempt = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    match timeout(within, attempt).await {
        Ok(Ok(pubsub)) => Ok(pubsub),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {within:?}")),
    }
}

struct Publisher {
    client: Client,
    channel: String,
    node: NodeId,
    stats: Arc<Counters>,
    connection: Option<MultiplexedConnection>,
    retry_at: Instant,
    backoff: Backoff,
    outage: Outage,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl Publisher {
    /// Publishes queued messages in batches until shutdown begins; then publishes what is
    /// still queued, once, if connected.
    async fn run(mut self, mut queue: mpsc::Receiver<Message>, lifecycle: Lifecycle) {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let received = tokio::select! {
                biased;
                received = queue.recv_many(&mut batch, BATCH) => received,
                () = lifecycle.stopping() => 0,
            };
            if received == 0 {
                break;
            }
            self.flush(&mut batch, true).await;
        }
        queue.close();
        while let Some(message) = queue.recv().await {
            batch.push(message);
        }
        self.flush(&mut batch, false).await;
    }

    /// Publishes `batch` in one pipeline (emptying it), connecting first when allowed and
    /// due. Messages that cannot be published are dropped and counted.
    async fn flush(&mut self, batch: &mut Vec<Message>, may_connect: bool) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len() as u64;
        if self.connection.is_none() && may_connect && Instant::now() >= self.retry_at {
            self.connect().await;
        }
        let Some(connection) = self.connection.as_mut() else {
            self.stats.dropped.fetch_add(count, Ordering::Relaxed);
            batch.clear();
            return;
        };
        let mut pipe = redis::pipe();
        for message in batch.drain(..) {
            pipe.cmd("PUBLISH")
                .arg(&self.channel)
                .arg(encode(&self.node, &message))
                .ignore();
        }
        let sent = timeout(self.response_timeout, pipe.query_async::<()>(connection)).await;
        match sent {
            Ok(Ok(())) => {
                self.stats.published.fetch_add(count, Ordering::Relaxed);
                self.stats.overflowing.store(false, Ordering::Relaxed);
                self.backoff.reset();
                self.outage.ended();
            }
            Ok(Err(error)) => self.failed(count, &error.to_string()),
            Err(_) => self.failed(
                count,
                &format!("no answer within {:?}", self.response_timeout),
            ),
        }
    }

    async fn connect(&mut self) {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.response_timeout));
        let attempt = timeout(
            self.connect_timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        match attempt {
            Ok(Ok(connection)) => self.connection = Some(connection),
            Ok(Err(error)) => self.failed(0, &error.to_string()),
            Err(_) => self.failed(0, &format!("no answer within {:?}", self.connect_timeout)),
        }
    }

    fn failed(&mut self, dropped: u64, reason: &str) {
        self.stats.dropped.fetch_add(dropped, Ordering::Relaxed);
        self.connection = None;
        self.outage.began(reason);
        self.retry_at = Instant::now() + self.backoff.next_wait();
    }
}

struct Subscriber {
    client: Client,
    channel: String,
    node: NodeId,
    stats: Arc<Counters>,
    bus: Bus,
    connections: AgentConnections,
    store: Arc<dyn Store>,
    outage: Outage,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl Subscriber {
    /// Delivers the other nodes' messages until shutdown begins, resubscribing after a
    /// failure. After an outage every local conversation is woken and every local console
    /// gets a fresh SNAPSHOT.
    async fn run(mut self, mut subscription: Option<PubSub>, lifecycle: Lifecycle) {
        let mut backoff = Backoff::default();
        loop {
            let pubsub = match subscription.take() {
                Some(pubsub) => pubsub,
                None => {
                    let attempt = tokio::select! {
                        attempt = subscribe(&self.client, &self.channel, self.connect_timeout) => attempt,
                        () = lifecycle.stopping() => return,
                    };
                    match attempt {
                        Ok(pubsub) => pubsub,
                        Err(reason) => {
                            self.outage.began(&reason);
                            tokio::select! {
                                () = tokio::time::sleep(backoff.next_wait()) => continue,
                                () = lifecycle.stopping() => return,
                            }
                        }
                    }
                }
            };
            if self.outage.ended() {
                wake_all(&self.bus, self.store.as_ref()).await;
                // Console frames of other nodes are not in any log: the consoles here
                // read their state afresh (a SNAPSHOT each).
                self.connections.ask_all_to_resync();
            }
            let since = Instant::now();
            let Some(reason) = self.listen(pubsub, &lifecycle).await else {
                return;
            };
            self.outage.began(&reason);
            if since.elapsed() >= STABLE {
                backoff.reset();
            }
            tokio::select! {
                () = tokio::time::sleep(backoff.next_wait()) => {}
                () = lifecycle.stopping() => return,
            }
        }
    }

    /// Delivers messages until the connection fails (the reason) or shutdown begins (None).
    async fn listen(&self, pubsub: PubSub, lifecycle: &Lifecycle) -> Option<String> {
        let (mut sink, mut stream) = pubsub.split();
        let mut health = tokio::time::interval_at(Instant::now() + HEALTH_CHECK, HEALTH_CHECK);
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => self.receive(message.get_payload_bytes()),
                    None => return Some("connection closed".to_owned()),
                },
                _ = health.tick() => {
                    match timeout(self.response_timeout, sink.ping::<redis::Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => return Some(error.to_string()),
                        Err(_) => return Some(format!("no answer to PING within {:?}", self.response_timeout)),
                    }
                }
                () = lifecycle.stopping() => return None,
            }
        }
    }

    fn receive(&self, payload: &[u8]) {
        match decode(payload) {
            Ok(envelope) => {
                if deliver(&self.node, envelope, &self.bus, &self.connections) {
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(error) => {
                self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%error, "cluster fan-out: skipping a malformed message");
            }
        }
    }
}

/// Waits between reconnection attempts: 100 ms, doubling up to 5 s.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: FIRST_BACKOFF,
        }
    }
}

impl Backoff {
    fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (wait * 2).min(MAX_BACKOFF);
        wait
    }

    fn reset(&mut self) {
        self.next = FIRST_BACKOFF;
    }
}

/// Which connection an outage is about.
#[derive(Clone, Copy, Debug)]
enum Side {
    Publisher,
    Subscriber,
}

/// Whether a connection is down, so each outage is logged once at warn.
#[derive(Debug)]
struct Outage {
    side: Side,
    down: bool,
}

impl Outage {
    fn new(side: Side) -> Self {
        Self { side, down: false }
    }

    /// Records a failure; returns whether it began an outage (and was logged).
    fn began(&mut self, reason: &str) -> bool {
        if self.down {
            return false;
        }
        self.down = true;
        match self.side {
            Side::Publisher => tracing::warn!(
                %reason,
                "cluster fan-out cannot publish to Redis: other nodes are not woken by this \
                 node's writes until it is back (messages are dropped and counted)"
            ),
            Side::Subscriber => tracing::warn!(
                %reason,
                "cluster fan-out lost its Redis subscription: this node does not hear the \
                 other nodes until it is back"
            ),
        }
        true
    }

    /// Records a success; returns whether it ended an outage.
    fn ended(&mut self) -> bool {
        if !self.down {
            return false;
        }
        self.down = false;
        tracing::info!(side = ?self.side, "cluster fan-out reconnected to Redis");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_seconds_and_resets() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8)
            .map(|_| backoff.next_wait().as_millis() as u64)
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        backoff.reset();
        assert_eq!(backoff.next_wait(), FIRST_BACKOFF);
    }

    #[test]
    fn an_outage_is_reported_once_until_it_ends() {
        let mut outage = Outage::new(Side::Subscriber);
        assert!(!outage.ended());
        assert!(outage.began("refused"));
        assert!(!outage.began("refused again"));
        assert!(outage.ended());
        assert!(!outage.ended());
        assert!(outage.began("refused"));
    }

    #[test]
    fn the_channel_names_the_database() {
        let client = Client::open("redis://127.0.0.1:6390/3").unwrap();
        assert_eq!(channel(&client), "stf:fanout:v1:3");
        let client = Client::open("redis://127.0.0.1:6390").unwrap();
        assert_eq!(channel(&client), "stf:fanout:v1:0");
    }

    fn message() -> Message {
        Message::Site {
            site: "demo".to_owned(),
            frame: Arc::from("{}"),
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_drops_and_counts_and_waits_before_reconnecting() {
        // Nothing listens on port 1 of the loopback: the connection is refused at once.
        let stats = Arc::new(Counters::default());
        let mut publisher = Publisher {
            client: Client::open("redis://127.0.0.1:1").unwrap(),
            channel: "stf:fanout:v1:0".to_owned(),
            node: NodeId::random(),
            stats: Arc::clone(&stats),
            connection: None,
            retry_at: Instant::now(),
            backoff: Backoff::default(),
            outage: Outage::new(Side::Publisher),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
        };
        let mut batch = vec![message(), message(), message()];
        publisher.flush(&mut batch, true).await;
        assert!(batch.is_empty());
        assert_eq!(stats.dropped.load(Ordering::Relaxed), 3);
        assert!(publisher.outage.down);
        let retry_at = publisher.retry_at;
        assert!(retry_at > Instant::now());
        // Within the backoff the next batch is dropped without another attempt.
        let mut batch = vec![message()];
        publisher.flush(&mut batch, true).await;
        assert_eq!(stats.dropped.load(Ordering::Relaxed), 4);
        assert_eq!(publisher.retry_at, retry_at);
        assert_eq!(stats.published.load(Ordering::Relaxed), 0);
    }
}

//! The in-memory reference connector: deliveries are recorded, commands are queued.
//!
//! [`MemoryConnector`] is what the edge talks to; [`MemoryRemote`] is the agents' side of
//! the same channel (what a test or an in-process desk uses to read deliveries and send
//! commands). Clones share one channel.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::conformance::RemoteDesk;
use super::{BoxFuture, Connector, ConnectorError, Inbound, Outbound};
use crate::ids::AgentId;

#[derive(Debug, Default)]
struct Channel {
    delivered: Vec<(AgentId, Outbound)>,
    commands: VecDeque<Inbound>,
    closed: bool,
    waiting: Option<Waker>,
}

type Shared = Arc<Mutex<Channel>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Channel> {
    // A panic while holding this lock cannot leave the channel half-updated, so a
    // poisoned lock is still safe to use.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The desk's end of an in-memory channel.
#[derive(Debug, Clone, Default)]
pub struct MemoryConnector {
    shared: Shared,
}

impl MemoryConnector {
    /// A fresh, open channel.
    pub fn new() -> Self {
        Self::default()
    }

    /// The agents' end of this channel.
    pub fn remote(&self) -> MemoryRemote {
        MemoryRemote {
            shared: Arc::clone(&self.shared),
            read: 0,
        }
    }

    /// Everything delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<(AgentId, Outbound)> {
        lock(&self.shared).delivered.clone()
    }

    /// Closes the channel: `next_command` yields `None` once the queue is drained and
    /// deliveries fail.
    pub fn close(&self) {
        let mut channel = lock(&self.shared);
        channel.closed = true;
        if let Some(waker) = channel.waiting.take() {
            waker.wake();
        }
    }
}

impl Connector for MemoryConnector {
    fn name(&self) -> &str {
        "memory"
    }

    fn deliver<'a>(
        &'a self,
        agent: &'a AgentId,
        item: &'a Outbound,
    ) -> BoxFuture<'a, Result<(), ConnectorError>> {
        let result = {
            let mut channel = lock(&self.shared);
            if channel.closed {
                Err(ConnectorError::Closed)
            } else {
                channel.delivered.push((agent.clone(), item.clone()));
                Ok(())
            }
        };
        Box::pin(std::future::ready(result))
    }

    fn next_command(&self) -> BoxFuture<'_, Result<Option<Inbound>, ConnectorError>> {
        Box::pin(NextCommand {
            shared: Arc::clone(&self.shared),
        })
    }
}

/// Resolves when a command is queued or the channel is closed.
struct NextCommand {
    shared: Shared,
}

impl Future for NextCommand {
    type Output = Result<Option<Inbound>, ConnectorError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut channel = lock(&self.shared);
        if let Some(command) = channel.commands.pop_front() {
            Poll::Ready(Ok(Some(command)))
        } else if channel.closed {
            Poll::Ready(Ok(None))
        } else {
            channel.waiting = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// The agents' end of an in-memory channel.
#[derive(Debug, Clone)]
pub struct MemoryRemote {
    shared: Shared,
    read: usize,
}

impl MemoryRemote {
    /// Queues a command as if an agent sent it.
    pub fn push(&self, inbound: Inbound) -> Result<(), ConnectorError> {
        let mut channel = lock(&self.shared);
        if channel.closed {
            return Err(ConnectorError::Closed);
        }
        channel.commands.push_back(inbound);
        if let Some(waker) = channel.waiting.take() {
            waker.wake();
        }
        Ok(())
    }

    /// Deliveries not read yet, oldest first.
    pub fn take_new(&mut self) -> Vec<(AgentId, Outbound)> {
        let channel = lock(&self.shared);
        let fresh = channel
            .delivered
            .get(self.read..)
            .unwrap_or_default()
            .to_vec();
        self.read = channel.delivered.len();
        fresh
    }
}

impl RemoteDesk for MemoryRemote {
    fn send<'a>(&'a mut self, inbound: &'a Inbound) -> BoxFuture<'a, Result<(), ConnectorError>> {
        Box::pin(std::future::ready(self.push(inbound.clone())))
    }

    fn received(&mut self) -> BoxFuture<'_, Result<Vec<(AgentId, Outbound)>, ConnectorError>> {
        Box::pin(std::future::ready(Ok(self.take_new())))
    }
}

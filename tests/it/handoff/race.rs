//! A visitor message raced by something else, played deterministically: the node's state on
//! a store that watches its appends runs the race (once) just before the first append of the
//! message, through the unwatched store, then lets the append go on, and counts the appends
//! of that message (a retry is another).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use staffetta::app::AppState;
use staffetta::store::{AppendBatch, Observed, Store, StoreResult, WriteObserver};
use staffetta::visitor::conversation;
use staffetta_widget::protocol::{MessageInput, MessageRequest};

/// The `client_message_id` of the raced message.
const RACED_ID: &str = "m-race";

type Play = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs its race before the first append of the raced message.
struct BeforeFirstAppend {
    race: Mutex<Option<Play>>,
    attempts: AtomicUsize,
}

impl std::fmt::Debug for BeforeFirstAppend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BeforeFirstAppend")
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl WriteObserver for BeforeFirstAppend {
    async fn before_append(
        &self,
        _inner: &dyn Store,
        _log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        if batch.client_message_id.as_deref() != Some(RACED_ID) {
            return Ok(());
        }
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let race = self.race.lock().unwrap().take();
        if let Some(race) = race {
            race.await;
        }
        Ok(())
    }
}

/// Sends `text` as the visitor of `session` through a node that plays `race` (written
/// against `state`, the unwatched node) just before the message's first append; how many
/// times the message was appended (1: the race cost nothing, 2: the raced write wrote nothing
/// and was tried again).
pub(crate) async fn send_raced(
    state: &AppState,
    session: &str,
    text: &str,
    race: impl Future<Output = ()> + Send + 'static,
) -> usize {
    let watching = Arc::new(Observed::new(
        Arc::clone(&state.store),
        BeforeFirstAppend {
            race: Mutex::new(Some(Box::pin(race))),
            attempts: AtomicUsize::new(0),
        },
    ));
    let mut watched = state.clone();
    watched.store = Arc::clone(&watching) as Arc<dyn Store>;
    let request = MessageRequest {
        client_message_id: RACED_ID.to_owned(),
        input: MessageInput {
            text: Some(text.to_owned()),
            ..MessageInput::default()
        },
    };
    conversation::send(&watched, session, request)
        .await
        .expect("the message is stored");
    watching.observer().attempts.load(Ordering::SeqCst)
}

//! A chat message raced by something else, played deterministically: the node's state on a
//! store that watches its appends runs the race (once) just before the first append of the
//! message (a visitor's, or an agent's `send`), or just after it was stored and before the
//! node goes on (its frames, for one), through the unwatched store, then lets the append go
//! on, and counts the appends of that message (a retry is another). Other read-then-write
//! paths (a timer tick, a link update) are raced the same way before their first record
//! write or schedule change ([`before_first_write`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use staffetta::agent::operators;
use staffetta::app::AppState;
use staffetta::desk::commands::{self, ConsoleCommand};
use staffetta::store::{
    AppendBatch, AppendOutcome, Observed, RecordWrite, Store, StoreResult, WriteObserver,
};
use staffetta::visitor::conversation;
use staffetta::visitor::record::conversation_log;
use staffetta_handoff::ConversationId;
use staffetta_handoff::connector::AgentCommand;
use staffetta_handoff::operator::Login;
use staffetta_widget::protocol::{MessageInput, MessageRequest};

/// The `client_message_id` of the raced message.
const RACED_ID: &str = "m-race";

type Play = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Which appends are the raced message's: (log, batch) -> whether it is one.
type Raced = Box<dyn Fn(&str, &AppendBatch) -> bool + Send + Sync>;

/// When the race is played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moment {
    /// Before the first append of the raced message.
    BeforeTheWrite,
    /// Once the first append of the raced message was answered, before the node goes on.
    AfterTheWrite,
}

/// Runs its race at its moment around the first append of the raced message.
struct BeforeFirstAppend {
    raced: Raced,
    moment: Moment,
    race: Mutex<Option<Play>>,
    attempts: AtomicUsize,
    /// The raced append is under way (the race waits for its answer).
    pending: AtomicBool,
}

impl BeforeFirstAppend {
    async fn play(&self) {
        let race = self.race.lock().unwrap().take();
        if let Some(race) = race {
            race.await;
        }
    }
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
        log: &str,
        batch: &AppendBatch,
    ) -> StoreResult<()> {
        if !(self.raced)(log, batch) {
            return Ok(());
        }
        self.attempts.fetch_add(1, Ordering::SeqCst);
        match self.moment {
            Moment::BeforeTheWrite => self.play().await,
            Moment::AfterTheWrite => self.pending.store(true, Ordering::SeqCst),
        }
        Ok(())
    }

    async fn after_append(&self, _inner: &dyn Store, _log: &str, _outcome: &AppendOutcome) {
        if self.pending.swap(false, Ordering::SeqCst) {
            self.play().await;
        }
    }
}

/// The node's state on a store that plays `race` (written against `state`, the unwatched
/// node) at `moment` around the first append that `raced` picks, and that store (to count
/// them).
fn watched(
    state: &AppState,
    raced: Raced,
    moment: Moment,
    race: impl Future<Output = ()> + Send + 'static,
) -> (AppState, Arc<Observed<BeforeFirstAppend>>) {
    let watching = Arc::new(Observed::new(
        Arc::clone(&state.store),
        BeforeFirstAppend {
            raced,
            moment,
            race: Mutex::new(Some(Box::pin(race))),
            attempts: AtomicUsize::new(0),
            pending: AtomicBool::new(false),
        },
    ));
    let mut watched = state.clone();
    watched.store = Arc::clone(&watching) as Arc<dyn Store>;
    (watched, watching)
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
    send_raced_at(state, session, text, Moment::BeforeTheWrite, race).await
}

/// [`send_raced`], with the race played at `moment`.
pub(crate) async fn send_raced_at(
    state: &AppState,
    session: &str,
    text: &str,
    moment: Moment,
    race: impl Future<Output = ()> + Send + 'static,
) -> usize {
    let raced: Raced = Box::new(|_, batch| batch.client_message_id.as_deref() == Some(RACED_ID));
    let (watched, watching) = watched(state, raced, moment, race);
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

/// The operator `login` of the demo site sends `text` in `chat` (the console's `send`)
/// through a node that plays `race` just before the message's first append to the chat's
/// log: the command's answer (`Err` with the `ERROR` code the console would get) and how many
/// times the message was appended.
pub(crate) async fn agent_send_raced(
    state: &AppState,
    login: &str,
    chat: &str,
    text: &str,
    race: impl Future<Output = ()> + Send + 'static,
) -> (Result<(), String>, usize) {
    let log = conversation_log(chat);
    let raced: Raced = Box::new(move |appended, _| appended == log);
    let (watched, watching) = watched(state, raced, Moment::BeforeTheWrite, race);
    let login = Login::parse(login).unwrap();
    let (operator, _) = operators::get(state.store.as_ref(), "demo", &login)
        .await
        .unwrap()
        .expect("the operator exists");
    let send = AgentCommand::Send {
        conversation: ConversationId::parse(chat).unwrap(),
        text: text.to_owned(),
    };
    let answer = commands::apply(&watched, &operator, ConsoleCommand::Desk(send))
        .await
        .map(|_| ())
        .map_err(|refusal| refusal.code);
    (answer, watching.observer().attempts.load(Ordering::SeqCst))
}

/// A write [`before_first_write`] may pick: a record write (a put, with or without a
/// schedule change, by key) or another call by its name and the name it is on (e.g.
/// `("unschedule", "idle")`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Write<'a> {
    /// `put` or `put_scheduled` of this key.
    Put(&'a str),
    /// Any other store call (reads included) on a name.
    Call(&'static str, &'a str),
}

type Picks = Box<dyn Fn(Write<'_>) -> bool + Send + Sync>;

/// Plays its race once, before the first write it picks.
struct BeforeFirstWrite {
    picks: Picks,
    race: Mutex<Option<Play>>,
    /// How many picked writes were made (a retry is another).
    picked: AtomicUsize,
}

impl BeforeFirstWrite {
    async fn see(&self, write: Write<'_>) {
        if !(self.picks)(write) {
            return;
        }
        self.picked.fetch_add(1, Ordering::SeqCst);
        let race = self.race.lock().unwrap().take();
        if let Some(race) = race {
            race.await;
        }
    }
}

impl std::fmt::Debug for BeforeFirstWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BeforeFirstWrite")
            .field("picked", &self.picked)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl WriteObserver for BeforeFirstWrite {
    async fn before_put(&self, _inner: &dyn Store, write: &RecordWrite) -> StoreResult<()> {
        self.see(Write::Put(&write.key)).await;
        Ok(())
    }

    async fn before_call(
        &self,
        _inner: &dyn Store,
        call: &'static str,
        name: &str,
    ) -> StoreResult<()> {
        self.see(Write::Call(call, name)).await;
        Ok(())
    }
}

/// Watches the writes of a node's state: the first one `picks` chooses is held while `race`
/// (written against `state`, the unwatched node) runs, then made. Returns the watched state
/// and a count of the picked writes made through it (a retry is another).
pub(crate) fn before_first_write(
    state: &AppState,
    picks: impl Fn(Write<'_>) -> bool + Send + Sync + 'static,
    race: impl Future<Output = ()> + Send + 'static,
) -> (AppState, impl Fn() -> usize) {
    let watching = Arc::new(Observed::new(
        Arc::clone(&state.store),
        BeforeFirstWrite {
            picks: Box::new(picks),
            race: Mutex::new(Some(Box::pin(race))),
            picked: AtomicUsize::new(0),
        },
    ));
    let mut watched = state.clone();
    watched.store = Arc::clone(&watching) as Arc<dyn Store>;
    let picked = move || watching.observer().picked.load(Ordering::SeqCst);
    (watched, picked)
}

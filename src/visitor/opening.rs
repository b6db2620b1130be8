//! A conversation about to start, and the order of its writes. [`open`] runs the welcome
//! turn in memory; [`Opening::list`] then writes what finds the conversation (the link from
//! it to its session, its place in the visitor's index with its retention deadline, the
//! identity deadline); [`Opening::welcome`] last writes the welcome, the session record and
//! the idle deadline in one append, which may carry a read-only guard. Until the welcome is
//! written the session does not exist: nobody can open or answer it.
//!
//! The order is what lets an erasure of the visitor find the conversation
//! ([`crate::retention::erasing`]): an erasure that reads the index after the welcome was
//! written finds it listed, with its link to the session record.

use staffetta_engine::session::{PublicState, Session};
use staffetta_engine::step::Input;
use staffetta_widget::protocol::OutputBody;

use super::bus::Notice;
use super::conversation::{NewConversation, Started, now, record_write, run_step};
use super::record::{SessionRecord, Status, conversation_log};
use super::turn::{encode_entries, output_body, turn_entries};
use crate::app::AppState;
use crate::desk::visitor_side::{self, HandoffLink};
use crate::error::ApiError;
use crate::secret::Secret;
use crate::store::{AppendBatch, AppendOutcome, VersionGuard};

/// A conversation whose welcome turn ran, with nothing written yet.
#[derive(Debug)]
pub struct Opening {
    session_id: String,
    session_token: Secret,
    conversation_id: String,
    site: String,
    identity_key: String,
    identity_expires_at: Option<i64>,
    /// The welcome's append, without a guard.
    batch: AppendBatch,
    deadline_ms: Option<i64>,
    output: OutputBody,
    public: PublicState,
}

/// What [`Opening::welcome`] did.
#[derive(Debug)]
pub enum Welcome {
    /// The welcome is written: the session exists.
    Written(Started),
    /// The guarded record was not at the guarded version: nothing was written.
    Guarded,
}

/// Runs the welcome turn of a new session and conversation (no store call).
pub fn open(state: &AppState, new: NewConversation) -> Result<Opening, ApiError> {
    let dialog = state
        .bots
        .dialog(&new.site)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))?
        .clone();
    let now = now(state);
    let session = match &new.restore {
        Some(public) => Session::restore(now, &dialog, public),
        None => Session::new(now, &dialog),
    };
    let (session, outputs) = run_step(state, &new.site, &new.locale, now, session, Input::Start);
    let session_id = uuid::Uuid::new_v4().simple().to_string();
    let token = super::session_token::issue();
    let conversation_id = uuid::Uuid::now_v7().to_string();
    let record = SessionRecord {
        site: new.site,
        conversation_id: conversation_id.clone(),
        locale: new.locale,
        identity_key: new.identity_key,
        identity_expires_at: new.identity_expires_at,
        dispatch_to: new.dispatch_to,
        metadata: new.metadata,
        status: Status::Bot,
        bot: session,
        token_digest: Some(token.digest),
    };
    let public = record.bot.public_state(&dialog);
    let entries = turn_entries(now, None, &outputs);
    let deadline = super::timer::idle_deadline(state, &session_id, &record);
    let deadline_ms = deadline.due_ms;
    let batch = AppendBatch {
        schedule: Some(deadline),
        client_message_id: None,
        fingerprint: None,
        entries: encode_entries(&entries),
        record: Some(record_write(&session_id, None, &record)),
        guard: None,
        also: Vec::new(),
    };
    Ok(Opening {
        session_id,
        session_token: token.token,
        conversation_id,
        site: record.site,
        identity_key: record.identity_key,
        identity_expires_at: record.identity_expires_at,
        batch,
        deadline_ms,
        output: output_body(&outputs),
        public,
    })
}

impl Opening {
    /// The new conversation's id.
    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    /// Writes what finds the conversation before its welcome: agents and erasure reach its
    /// session through the link, the visitor's conversations are listed in their index (with
    /// the first retention look, [`super::start::remember_conversation`]), and a verified
    /// identity gets its expiry deadline. Written together: concurrent writes share one
    /// group commit on sled.
    pub async fn list(&self, state: &AppState) -> Result<(), ApiError> {
        let link = HandoffLink {
            session_id: self.session_id.clone(),
            handoff_seq: 0,
            visitor: Some(self.identity_key.clone()),
        };
        tokio::try_join!(
            visitor_side::create_link(state, &self.conversation_id, &link),
            super::start::remember_conversation(
                state,
                &self.site,
                &self.identity_key,
                &self.conversation_id
            ),
            super::identity_expiry::schedule(state, &self.session_id, self.identity_expires_at),
        )?;
        Ok(())
    }

    /// Writes the welcome, the session record and its idle deadline in one append, which
    /// holds only while `guard` does (nothing is written otherwise: [`Welcome::Guarded`]).
    pub async fn welcome(
        self,
        state: &AppState,
        guard: Option<VersionGuard>,
    ) -> Result<Welcome, ApiError> {
        let batch = AppendBatch {
            guard,
            ..self.batch
        };
        let outcome = state
            .store
            .append(&conversation_log(&self.conversation_id), batch)
            .await?;
        let last_seq = match outcome {
            AppendOutcome::Appended { last_seq, .. } => last_seq,
            AppendOutcome::GuardConflict { .. } => return Ok(Welcome::Guarded),
            _ => {
                return Err(ApiError::internal(
                    &"a fresh conversation log was not empty",
                ));
            }
        };
        if let Some(due_ms) = self.deadline_ms {
            super::timer::wake_for(state, due_ms);
        }
        state
            .bus
            .publish(&self.conversation_id, Notice::Appended { head: last_seq });
        Ok(Welcome::Written(Started {
            session_id: self.session_id,
            session_token: self.session_token,
            conversation_id: self.conversation_id,
            seq: last_seq,
            output: self.output,
            public: self.public,
        }))
    }
}

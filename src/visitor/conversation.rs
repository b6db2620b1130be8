//! The visitor's conversation at the edge: take a message, end it, apply a timer tick, read
//! events (a start is [`super::opening`], after [`super::start`]). Each operation runs one
//! engine turn and persists the visitor message, the bot's outputs and the new session
//! state in ONE durable store write before it answers (G1, G3); sends are idempotent by
//! `client_message_id` (G2).

use bytes::Bytes;
use jiff::Timestamp;
use staffetta_engine::output::Output;
use staffetta_engine::session::{PublicState, Session, TimeoutState};
use staffetta_engine::step::{Input, StepContext, step};
use staffetta_widget::protocol::{
    Event, EventKind, MessageRequest, MessageResponse, OutputBody, Sender,
};

use super::bus::Notice;
use super::record::{
    IDLE_SCHEDULE, SESSION_RETENTION, SessionRecord, Status, conversation_log,
    encode_restore_state, session_key,
};
use super::turn::{
    encode_entries, output_body, to_engine_input, turn_entries, validate_client_message_id,
};
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{
    AppendBatch, AppendOutcome, CasOutcome, RecordWrite, ScheduleWrite, StoreError, Versioned,
};

/// How often a send retries when another tab wrote the session in between.
const CAS_ATTEMPTS: usize = 8;

/// Most events returned by one read.
pub const EVENT_PAGE: usize = 200;

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable { .. } => ApiError::unavailable(&err),
            other => ApiError::internal(&other),
        }
    }
}

/// The current time from the node's clock.
pub fn now(state: &AppState) -> Timestamp {
    Timestamp::from_millisecond(state.clock.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A new conversation: what the caller (the route) has already checked and decided.
#[derive(Debug)]
pub struct NewConversation {
    /// Site id (known to exist).
    pub site: String,
    /// Negotiated locale.
    pub locale: String,
    /// Stable visitor key.
    pub identity_key: String,
    /// Identity token expiry, ms.
    pub identity_expires_at: Option<i64>,
    /// Resource for a later handoff.
    pub dispatch_to: Option<String>,
    /// Metadata for agents.
    pub metadata: serde_json::Value,
    /// Public state of an expired session to seed this one.
    pub restore: Option<PublicState>,
}

/// Result of starting a conversation.
#[derive(Debug)]
pub struct Started {
    /// New session id.
    pub session_id: String,
    /// The session's bearer token (only its digest is stored).
    pub session_token: crate::secret::Secret,
    /// New conversation id.
    pub conversation_id: String,
    /// Last seq written (the welcome).
    pub seq: u64,
    /// The welcome items.
    pub output: OutputBody,
    /// Public variables.
    pub public: PublicState,
}

/// Loads a session record with its version.
pub async fn load(
    state: &AppState,
    session_id: &str,
) -> Result<(SessionRecord, Versioned), ApiError> {
    if !is_session_id(session_id) {
        return Err(session_not_found());
    }
    let versioned = state
        .store
        .get(&session_key(session_id))
        .await?
        .ok_or_else(session_not_found)?;
    let record: SessionRecord = serde_json::from_slice(&versioned.value)
        .map_err(|err| ApiError::internal(&format_args!("undecodable session record: {err}")))?;
    Ok((record, versioned))
}

/// Takes one visitor message: runs the turn and persists it before answering.
pub async fn send(
    state: &AppState,
    session_id: &str,
    request: MessageRequest,
) -> Result<MessageResponse, ApiError> {
    validate_client_message_id(&request.client_message_id)?;
    let limits = &state.settings.limits;
    let input = to_engine_input(&request.input, limits.max_message_chars)?;
    let visitor_entry = EventKind::Message {
        from: Sender::Visitor,
        at: 0,
        client_message_id: Some(request.client_message_id.clone()),
        input: Some(request.input.clone()),
        output: None,
        agent_name: None,
    };
    // Idempotency compares what the visitor sent, never what the bot answered.
    let fingerprint = Bytes::from(serde_json::to_vec(&visitor_entry).unwrap_or_default());
    let started = std::time::Instant::now();

    for _ in 0..CAS_ATTEMPTS {
        let (mut record, versioned) = load(state, session_id).await?;
        let log = conversation_log(&record.conversation_id);
        if record.status == Status::Ended {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "conversation_ended",
                "This conversation has ended; start a new session.",
            ));
        }
        let now = now(state);
        if super::identity_expiry::has_expired(record.identity_expires_at, now.as_millisecond()) {
            return Err(super::identity_expiry::expired_error());
        }
        if record.status == Status::Handoff {
            // A human has (or is about to have) the conversation: the bot stays silent.
            return crate::desk::visitor_message::visitor_message(
                state,
                &record,
                &request,
                fingerprint.clone(),
            )
            .await;
        }
        let idle = state.bots.idle(&record.site);
        if record.bot.expired || record.bot.timeout_state(now, &idle) == TimeoutState::Expired {
            // Expire first (persisting the notice), then refuse the message.
            if !record.bot.expired {
                apply_tick(state, session_id, record, &versioned).await?;
            }
            return Err(session_expired());
        }
        let (bot, outputs) = run_step(
            state,
            &record.site,
            &record.locale,
            now,
            record.bot.clone(),
            input.clone(),
        );
        record.bot = bot;
        if outputs
            .iter()
            .any(|o| matches!(o, Output::ConversationEnded))
        {
            record.status = Status::Ended;
        }
        let entries = turn_entries(now, Some(&request), &outputs);
        let deadline = super::timer::idle_deadline(state, session_id, &record);
        let deadline_ms = deadline.due_ms;
        let batch = AppendBatch {
            schedule: Some(deadline),
            client_message_id: Some(request.client_message_id.clone()),
            fingerprint: Some(fingerprint.clone()),
            entries: encode_entries(&entries),
            record: Some(record_write(session_id, Some(versioned.version), &record)),
            guard: None,
            also: Vec::new(),
        };
        let appending = std::time::Instant::now();
        match state.store.append(&log, batch).await? {
            AppendOutcome::Appended {
                first_seq,
                last_seq,
                ..
            } => {
                state.metrics.store_append(appending.elapsed());
                state.metrics.bot_turn(started.elapsed());
                if let Some(due_ms) = deadline_ms {
                    super::timer::wake_for(state, due_ms);
                }
                state
                    .bus
                    .publish(&record.conversation_id, Notice::Appended { head: last_seq });
                if let Some((resource, note)) = handoff_asked(&outputs) {
                    crate::desk::visitor_side::after_bot_turn(
                        state, session_id, &record, resource, &note,
                    )
                    .await;
                }
                let dialog = dialog_of(state, &record.site)?;
                let public = record.bot.public_state(dialog);
                return Ok(MessageResponse {
                    seq: first_seq,
                    output: output_body(&outputs),
                    context: serde_json::to_value(&public).unwrap_or_default(),
                    state: encode_restore_state(&record.site, &public),
                });
            }
            AppendOutcome::Duplicate {
                first_seq,
                last_seq,
            } => {
                return replay_response(state, &record, &log, first_seq, last_seq).await;
            }
            AppendOutcome::IdConflict => {
                return Err(ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    "client_message_id_conflict",
                    "This client_message_id was already used for a different message.",
                ));
            }
            AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => continue,
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

/// The visitor ends the conversation.
pub async fn end(state: &AppState, session_id: &str) -> Result<u64, ApiError> {
    for _ in 0..CAS_ATTEMPTS {
        let (mut record, versioned) = load(state, session_id).await?;
        let log = conversation_log(&record.conversation_id);
        if record.status == Status::Ended {
            return Ok(state.store.log_head(&log).await?);
        }
        if record.status == Status::Handoff {
            crate::desk::visitor_side::end_conversation(state, &record).await;
        }
        record.status = Status::Ended;
        let entries = vec![EventKind::ConversationEnded {
            by: Sender::Visitor,
        }];
        let batch = AppendBatch {
            schedule: Some(super::timer::idle_deadline(state, session_id, &record)),
            client_message_id: None,
            fingerprint: None,
            entries: encode_entries(&entries),
            record: Some(record_write(session_id, Some(versioned.version), &record)),
            guard: None,
            also: Vec::new(),
        };
        match state.store.append(&log, batch).await? {
            AppendOutcome::Appended { last_seq, .. } => {
                state
                    .bus
                    .publish(&record.conversation_id, Notice::Appended { head: last_seq });
                return Ok(last_seq);
            }
            AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => continue,
            AppendOutcome::Duplicate { last_seq, .. } => return Ok(last_seq),
            AppendOutcome::IdConflict => unreachable_conflict()?,
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The conversation is busy; please retry.",
    ))
}

/// Applies a due idle deadline (the timer's input): the warning or the expiry.
/// Returns without writing when nothing is due any more.
pub async fn tick(state: &AppState, session_id: &str) -> Result<(), ApiError> {
    for _ in 0..CAS_ATTEMPTS {
        let (record, versioned) = match load(state, session_id).await {
            Ok(found) => found,
            Err(err) if err.code() == "session_not_found" => {
                state.store.unschedule(IDLE_SCHEDULE, session_id).await?;
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        match apply_tick(state, session_id, record, &versioned).await? {
            TickOutcome::Done => return Ok(()),
            TickOutcome::Conflict => continue,
        }
    }
    Ok(())
}

enum TickOutcome {
    Done,
    Conflict,
}

async fn apply_tick(
    state: &AppState,
    session_id: &str,
    mut record: SessionRecord,
    versioned: &Versioned,
) -> Result<TickOutcome, ApiError> {
    if record.status != Status::Bot {
        // Ended, or with the team: no idle warnings from the bot. The deadline is cleared
        // only while the record is still the one read (written back as it is, with the
        // schedule, in one compare-and-set): a handoff that ended in between scheduled the
        // bot's deadline with its own write, and a plain unschedule would remove it.
        return keep_schedule_of(state, session_id, versioned, None).await;
    }
    let now = now(state);
    let (bot, outputs) = run_step(
        state,
        &record.site,
        &record.locale,
        now,
        record.bot.clone(),
        Input::Tick,
    );
    record.bot = bot;
    if outputs.is_empty() {
        // Nothing to say yet (e.g. the deadline moved): keep the schedule in step, with
        // the record as read (a write that came in between scheduled its own deadline).
        let due_ms = super::timer::idle_deadline(state, session_id, &record).due_ms;
        let outcome = keep_schedule_of(state, session_id, versioned, due_ms).await?;
        if let (TickOutcome::Done, Some(due_ms)) = (&outcome, due_ms) {
            super::timer::wake_for(state, due_ms);
        }
        return Ok(outcome);
    }
    let log = conversation_log(&record.conversation_id);
    let entries = turn_entries(now, None, &outputs);
    let deadline = super::timer::idle_deadline(state, session_id, &record);
    let deadline_ms = deadline.due_ms;
    let batch = AppendBatch {
        schedule: Some(deadline),
        client_message_id: None,
        fingerprint: None,
        entries: encode_entries(&entries),
        record: Some(record_write(session_id, Some(versioned.version), &record)),
        guard: None,
        also: Vec::new(),
    };
    match state.store.append(&log, batch).await? {
        AppendOutcome::Appended { last_seq, .. } => {
            if let Some(due_ms) = deadline_ms {
                super::timer::wake_for(state, due_ms);
            }
            state
                .bus
                .publish(&record.conversation_id, Notice::Appended { head: last_seq });
            Ok(TickOutcome::Done)
        }
        AppendOutcome::RecordConflict { .. } | AppendOutcome::GuardConflict { .. } => {
            Ok(TickOutcome::Conflict)
        }
        AppendOutcome::Duplicate { .. } | AppendOutcome::IdConflict => Ok(TickOutcome::Done),
    }
}

/// Sets the session's idle deadline to `due_ms` (`None`: clears it) only while its record
/// is still at the version read: the record is written back unchanged with the deadline in
/// one compare-and-set ([`crate::store::Store::put_scheduled`]), so the deadline of a record
/// written meanwhile (which set its own in the same write) is never replaced. A conflict is
/// [`TickOutcome::Conflict`]: the tick reads the record again.
async fn keep_schedule_of(
    state: &AppState,
    session_id: &str,
    versioned: &Versioned,
    due_ms: Option<i64>,
) -> Result<TickOutcome, ApiError> {
    let write = RecordWrite {
        key: session_key(session_id),
        expected_version: Some(versioned.version),
        value: versioned.value.clone(),
        ttl: Some(SESSION_RETENTION),
    };
    let schedule = ScheduleWrite {
        schedule: IDLE_SCHEDULE.to_owned(),
        member: session_id.to_owned(),
        due_ms,
    };
    match state.store.put_scheduled(write, schedule).await? {
        CasOutcome::Written { .. } => Ok(TickOutcome::Done),
        CasOutcome::Conflict { .. } => Ok(TickOutcome::Conflict),
    }
}

/// Persisted events of a conversation after `after`, at most [`EVENT_PAGE`], as the visitor
/// sees them ([`Event::for_visitor`]).
pub async fn events(
    state: &AppState,
    conversation_id: &str,
    after: u64,
) -> Result<Vec<Event>, ApiError> {
    let entries = state
        .store
        .read_log(&conversation_log(conversation_id), after, EVENT_PAGE)
        .await?;
    entries
        .into_iter()
        .map(|entry| {
            let kind: EventKind = serde_json::from_slice(&entry.body).map_err(|err| {
                ApiError::internal(&format_args!("undecodable event {}: {err}", entry.seq))
            })?;
            Ok(Event {
                seq: Some(entry.seq),
                kind,
            }
            .for_visitor())
        })
        .collect()
}

async fn replay_response(
    state: &AppState,
    record: &SessionRecord,
    log: &str,
    first_seq: u64,
    last_seq: u64,
) -> Result<MessageResponse, ApiError> {
    let count = usize::try_from(last_seq - first_seq + 1).unwrap_or(EVENT_PAGE);
    let entries = state.store.read_log(log, first_seq - 1, count).await?;
    let mut generic = Vec::new();
    for entry in entries {
        if let Ok(EventKind::Message {
            from: Sender::Bot,
            output: Some(output),
            ..
        }) = serde_json::from_slice::<EventKind>(&entry.body)
        {
            generic.extend(output.generic);
        }
    }
    let dialog = dialog_of(state, &record.site)?;
    let public = record.bot.public_state(dialog);
    Ok(MessageResponse {
        seq: first_seq,
        output: OutputBody { generic }.for_visitor(),
        context: serde_json::to_value(&public).unwrap_or_default(),
        state: encode_restore_state(&record.site, &public),
    })
}

pub(crate) fn run_step(
    state: &AppState,
    site: &str,
    locale: &str,
    now: Timestamp,
    session: Session,
    input: Input,
) -> (Session, Vec<Output>) {
    let Some(dialog) = state.bots.dialog(site) else {
        return (session, Vec::new());
    };
    let site_settings = state.settings.site(site);
    let iframe_hosts = site_settings.map_or(&[][..], |s| s.iframe_hosts.as_slice());
    let ctx = StepContext {
        locale,
        today: state.bots.today(site, now),
        localizer: state.bots.localizer(),
        iframe_hosts,
        idle: state.bots.idle(site),
    };
    step(now, session, dialog, input, &ctx)
}

pub(crate) fn dialog_of<'a>(
    state: &'a AppState,
    site: &str,
) -> Result<&'a staffetta_engine::dialog::Dialog, ApiError> {
    state
        .bots
        .dialog(site)
        .map(AsRef::as_ref)
        .ok_or_else(|| ApiError::not_found("unknown_site", "No such site."))
}

pub(crate) fn record_write(
    session_id: &str,
    expected_version: Option<u64>,
    record: &SessionRecord,
) -> RecordWrite {
    RecordWrite {
        key: session_key(session_id),
        expected_version,
        value: Bytes::from(serde_json::to_vec(record).unwrap_or_default()),
        ttl: Some(SESSION_RETENTION),
    }
}

/// The dialog's `connect_to_agent` in a turn's outputs: the resource it names and the note
/// for the agent.
fn handoff_asked(outputs: &[Output]) -> Option<(Option<String>, String)> {
    outputs.iter().find_map(|output| match output {
        Output::ConnectToAgent {
            message_to_agent,
            resource,
        } => Some((resource.clone(), message_to_agent.clone())),
        _ => None,
    })
}

/// Whether `id` looks like a session id this server issues (32 lowercase hex digits).
pub fn is_session_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// 404 `session_not_found`: no such session, or it was deleted (erasure, retention).
pub fn session_not_found() -> ApiError {
    ApiError::not_found(
        "session_not_found",
        "No such session (it may have been removed).",
    )
}

/// 410 for a session that expired for inactivity.
pub fn session_expired() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::GONE,
        "session_expired",
        "The session expired after inactivity; start a new one (you may pass `restore`).",
    )
}

fn unreachable_conflict() -> Result<(), ApiError> {
    Err(ApiError::internal(
        &"client id conflict on an append without client id",
    ))
}

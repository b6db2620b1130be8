//! Agent-side events with the AgentDesktop names and JSON fields (seed 002).
//!
//! Agent events: `LOGGEDIN` (available), `PAUSE`, `PAUSESUBSTATE` (with the reason code in
//! `reason`), `FORCED` (pause after an unanswered offer), `LOGGEDOUT`.
//!
//! Job events, one job per offer (`id` is the [`OfferId`]): `JOBSCHEDULED`, `JOBCHANGED`
//! without `job_state` (setup phase: the accept/reject popup), `POPUP`, `ESTABLISHED`,
//! `JOBSTARTED` (`job_state` online), `CONNECTIONCLEARED`, `JOBCHANGED` with `job_state`
//! offline (after-chat work), `JOBFINISHED`, `DATACHANGED`.
//!
//! Fields follow seed 002 exactly: `event`, `id`, `uuid`, `chat_id`, `type`, `media_type`,
//! `job_type`, `job_state`, `queue`, `reason`, `isACD`, `startTime`, `endTime`,
//! `offlineStartTime`, `offlineEndTime`; times are milliseconds since the Unix epoch and
//! absent fields are left out of the JSON. `uuid` and `chat_id` both carry the conversation
//! id, `queue` the resource id. On `JOBFINISHED`, `reason` is the wrap-up disposition or
//! why the job ended without one (`rejected`, `timeout`, `withdrawn`, `cancelled`,
//! `wrap_up_limit`, `agent_lost`, `logout`); on `CONNECTIONCLEARED` it says who ended the
//! conversation (`agent`, `visitor`, `transferred`, `agent_lost`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ConversationId, OfferId, ResourceId};
use crate::time::millis;

/// The symbolic name of an AgentDesktop event (the `event` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventName {
    /// The agent is available for offers.
    LoggedIn,
    /// The agent entered a generic pause: no offers.
    Pause,
    /// The agent entered a pause sub-state; `reason` holds its code.
    PauseSubstate,
    /// Forced pause after an offer timed out.
    Forced,
    /// The agent logged out, explicitly or by losing the connection.
    LoggedOut,
    /// The agent was scheduled for a conversation.
    JobScheduled,
    /// The job changed phase: setup (no `job_state`) or offline (after-chat work).
    JobChanged,
    /// The accept/reject popup for the offer.
    Popup,
    /// Visitor and agent are connected.
    Established,
    /// The online phase of the job began.
    JobStarted,
    /// The conversation ended; the online phase is over.
    ConnectionCleared,
    /// The job is over, after-chat work included; the capacity is free again.
    JobFinished,
    /// Data attached to the conversation changed.
    DataChanged,
}

/// Declares [`DeskEndReason`] and [`DESK_END_REASONS`] from one list, so the reasons the
/// desk gives and the list the outbox erasure reads cannot drift apart.
macro_rules! desk_end_reasons {
    ($($(#[doc = $doc:literal])+ $variant:ident => $name:literal,)+) => {
        /// A `reason` the desk itself gives the end of a chat (`CONNECTIONCLEARED`: who
        /// ended it) or of a job without a wrap-up (`JOBFINISHED`: why). The desk emits
        /// these only through this type ([`AgentEvent::with_end_reason`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum DeskEndReason {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl DeskEndReason {
            /// The `reason` field's text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }

        /// Every [`DeskEndReason`] as its `reason` text. Any other `reason` of a
        /// `JOBFINISHED` is the disposition an agent typed (free text).
        pub const DESK_END_REASONS: &[&str] = &[$($name,)+];
    };
}

desk_end_reasons! {
    /// CONNECTIONCLEARED: the agent ended the chat.
    Agent => "agent",
    /// CONNECTIONCLEARED: the visitor ended the chat (or left the queue).
    Visitor => "visitor",
    /// CONNECTIONCLEARED: the agent transferred the chat.
    Transferred => "transferred",
    /// CONNECTIONCLEARED and JOBFINISHED: the agent's console was gone past its grace.
    AgentLost => "agent_lost",
    /// JOBFINISHED: the agent rejected the offer.
    Rejected => "rejected",
    /// JOBFINISHED: the offer was not answered in time.
    Timeout => "timeout",
    /// JOBFINISHED: the desk withdrew the offer.
    Withdrawn => "withdrawn",
    /// JOBFINISHED: the visitor left before the offer was answered.
    Cancelled => "cancelled",
    /// JOBFINISHED: after-chat work ended at its limit, without a disposition.
    WrapUpLimit => "wrap_up_limit",
    /// JOBFINISHED: the agent logged out with the job open.
    Logout => "logout",
}

/// The `type` field: direction of the contact. Staffetta chats are inbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContactType {
    /// Started by the customer.
    Inbound,
    /// Started by the agent.
    Outbound,
    /// A task rather than a call.
    CallTask,
    /// Between agents.
    Internal,
}

/// The `media_type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    /// A phone call.
    Telephony,
    /// A chat (every Staffetta conversation).
    Chat,
    /// Another multimedia channel.
    Channel,
}

/// The `job_type` field: how the contact reached the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobType {
    /// Routed by the queue (every Staffetta offer).
    Inbound,
    /// Started by hand.
    Manual,
    /// Outbound campaign.
    Outbound,
    /// Preview chosen by the agent.
    PreviewAgent,
    /// Preview from a queue.
    PreviewQueue,
    /// Predictive dialer.
    Predictive,
}

/// The `job_state` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Visitor and agent are talking.
    Online,
    /// After-chat work.
    Offline,
}

/// One AgentDesktop event, ready to serialize for the console or a connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEvent {
    /// The event name.
    pub event: EventName,
    /// The job (offer) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<OfferId>,
    /// The conversation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<ConversationId>,
    /// The conversation id again (the chat id of AgentDesktop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<ConversationId>,
    /// Direction of the contact.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub contact_type: Option<ContactType>,
    /// The media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// How the contact reached the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<JobType>,
    /// Online or offline (after-chat work); absent in the setup phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_state: Option<JobState>,
    /// The resource (queue) the conversation came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<ResourceId>,
    /// Pause code, end reason or disposition (see the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether the queue routed the job (always true for offers).
    #[serde(rename = "isACD", default, skip_serializing_if = "Option::is_none")]
    pub is_acd: Option<bool>,
    /// When the conversation became online (ESTABLISHED), ms since the epoch.
    #[serde(rename = "startTime", default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// When the conversation ended (CONNECTIONCLEARED), ms since the epoch.
    #[serde(rename = "endTime", default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// When after-chat work began, ms since the epoch.
    #[serde(
        rename = "offlineStartTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_start_time: Option<i64>,
    /// When after-chat work ended (JOBFINISHED), ms since the epoch.
    #[serde(
        rename = "offlineEndTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_end_time: Option<i64>,
}

impl AgentEvent {
    /// An agent-state event without contact fields (`LOGGEDIN`, `PAUSE`, `FORCED`, ...).
    pub fn agent(event: EventName) -> Self {
        Self {
            event,
            id: None,
            uuid: None,
            chat_id: None,
            contact_type: None,
            media_type: None,
            job_type: None,
            job_state: None,
            queue: None,
            reason: None,
            is_acd: None,
            start_time: None,
            end_time: None,
            offline_start_time: None,
            offline_end_time: None,
        }
    }

    /// A job event of an inbound, queue-routed chat.
    pub fn job(
        event: EventName,
        job: OfferId,
        conversation: &ConversationId,
        queue: &ResourceId,
    ) -> Self {
        Self {
            id: Some(job),
            uuid: Some(conversation.clone()),
            chat_id: Some(conversation.clone()),
            contact_type: Some(ContactType::Inbound),
            media_type: Some(MediaType::Chat),
            job_type: Some(JobType::Inbound),
            queue: Some(queue.clone()),
            is_acd: Some(true),
            ..Self::agent(event)
        }
    }

    /// Sets `job_state`.
    pub fn with_state(mut self, state: JobState) -> Self {
        self.job_state = Some(state);
        self
    }

    /// Sets `reason`.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets `reason` to one the desk itself gives the end of a chat or a job.
    pub fn with_end_reason(self, reason: DeskEndReason) -> Self {
        self.with_reason(reason.as_str())
    }

    /// Sets the four time fields from the instants that are known.
    pub fn with_times(
        mut self,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        offline_start: Option<Timestamp>,
        offline_end: Option<Timestamp>,
    ) -> Self {
        self.start_time = start.map(millis);
        self.end_time = end.map(millis);
        self.offline_start_time = offline_start.map(millis);
        self.offline_end_time = offline_end.map(millis);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn to_json(event: &AgentEvent) -> Value {
        serde_json::to_value(event).unwrap()
    }

    fn conversation() -> ConversationId {
        ConversationId::parse("conv-1").unwrap()
    }

    fn queue() -> ResourceId {
        ResourceId::parse("support").unwrap()
    }

    fn ms(ms: i64) -> Option<Timestamp> {
        Some(Timestamp::from_millisecond(ms).unwrap())
    }

    #[test]
    fn agent_state_events_carry_only_their_name() {
        for (name, wire) in [
            (EventName::LoggedIn, "LOGGEDIN"),
            (EventName::Pause, "PAUSE"),
            (EventName::Forced, "FORCED"),
            (EventName::LoggedOut, "LOGGEDOUT"),
        ] {
            assert_eq!(to_json(&AgentEvent::agent(name)), json!({ "event": wire }));
        }
    }

    #[test]
    fn pause_substate_carries_the_code_in_reason() {
        let event = AgentEvent::agent(EventName::PauseSubstate).with_reason("1701");
        assert_eq!(
            to_json(&event),
            json!({ "event": "PAUSESUBSTATE", "reason": "1701" })
        );
    }

    #[test]
    fn job_scheduled_has_the_contact_fields() {
        let event = AgentEvent::job(
            EventName::JobScheduled,
            OfferId::parse("7").unwrap(),
            &conversation(),
            &queue(),
        );
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event":"JOBSCHEDULED","id":"7","uuid":"conv-1","chat_id":"conv-1","type":"inbound","media_type":"chat","job_type":"inbound","queue":"support","isACD":true}"#
        );
    }

    #[test]
    fn job_started_is_online_with_start_time() {
        let event = AgentEvent::job(
            EventName::JobStarted,
            OfferId::FIRST,
            &conversation(),
            &queue(),
        )
        .with_state(JobState::Online)
        .with_times(ms(1_700_000_000_000), None, None, None);
        let json = to_json(&event);
        assert_eq!(json["event"], "JOBSTARTED");
        assert_eq!(json["job_state"], "online");
        assert_eq!(json["startTime"], 1_700_000_000_000_i64);
        assert!(json.get("endTime").is_none());
    }

    #[test]
    fn job_finished_has_every_time_field_and_the_disposition() {
        let event = AgentEvent::job(
            EventName::JobFinished,
            OfferId::FIRST,
            &conversation(),
            &queue(),
        )
        .with_state(JobState::Offline)
        .with_reason("solved")
        .with_times(ms(1_000), ms(2_000), ms(2_000), ms(3_500));
        assert_eq!(
            to_json(&event),
            json!({
                "event": "JOBFINISHED", "id": "1", "uuid": "conv-1", "chat_id": "conv-1",
                "type": "inbound", "media_type": "chat", "job_type": "inbound",
                "job_state": "offline", "queue": "support", "reason": "solved", "isACD": true,
                "startTime": 1000, "endTime": 2000, "offlineStartTime": 2000,
                "offlineEndTime": 3500
            })
        );
    }

    #[test]
    fn a_desk_end_reason_is_sent_as_its_listed_text() {
        let event =
            AgentEvent::agent(EventName::JobFinished).with_end_reason(DeskEndReason::WrapUpLimit);
        assert_eq!(to_json(&event)["reason"], "wrap_up_limit");
        let mut seen = std::collections::BTreeSet::new();
        for reason in DESK_END_REASONS {
            assert!(!reason.is_empty());
            assert!(seen.insert(reason), "{reason} listed twice");
        }
        assert!(DESK_END_REASONS.contains(&DeskEndReason::AgentLost.as_str()));
    }

    #[test]
    fn every_event_name_has_its_agentdesktop_spelling() {
        let names = [
            (EventName::JobChanged, "JOBCHANGED"),
            (EventName::Popup, "POPUP"),
            (EventName::Established, "ESTABLISHED"),
            (EventName::ConnectionCleared, "CONNECTIONCLEARED"),
            (EventName::JobFinished, "JOBFINISHED"),
            (EventName::DataChanged, "DATACHANGED"),
            (EventName::PauseSubstate, "PAUSESUBSTATE"),
        ];
        for (name, wire) in names {
            assert_eq!(serde_json::to_value(name).unwrap(), json!(wire));
        }
    }

    #[test]
    fn events_from_an_external_desk_deserialize() {
        let event: AgentEvent = serde_json::from_value(json!({
            "event": "JOBCHANGED", "id": "3", "uuid": "c", "type": "callTask",
            "job_type": "previewQueue", "job_state": "offline", "offlineStartTime": 5
        }))
        .unwrap();
        assert_eq!(event.contact_type, Some(ContactType::CallTask));
        assert_eq!(event.job_type, Some(JobType::PreviewQueue));
        assert_eq!(event.offline_start_time, Some(5));
        assert!(serde_json::from_value::<AgentEvent>(json!({ "event": "RINGING" })).is_err());
    }
}

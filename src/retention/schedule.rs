//! Which conversations retention looks at, and when: each site with `retention_days` has an
//! ordered set of deadlines `retention:{site}` whose members are `{conversation}:{key}` (the
//! conversation id, a UUID without `:`, then the visitor's key, which names the visitor's
//! index of conversations that holds it). The deadline is when the conversation is looked at
//! next: at the start, its start plus the retention; a look that finds it younger, or live,
//! moves it to when it can first be old enough (docs/retention.md).
//!
//! Scheduling at the start, rather than when a conversation ends, keeps the turn to one
//! durable write (docs/BENCHMARKS.md) and catches every way a conversation can end (the
//! visitor, the bot, an agent, the idle expiry, the system) without touching any of them.

use crate::app::AppState;
use crate::error::ApiError;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The site's ordered set of retention deadlines.
pub fn schedule_name(site: &str) -> String {
    format!("retention:{site}")
}

/// The member that stands for `conversation` of the visitor `identity_key`.
pub fn member(conversation: &str, identity_key: &str) -> String {
    format!("{conversation}:{identity_key}")
}

/// The conversation and the visitor's key of a member; `None` for a member of another shape.
pub fn parse_member(member: &str) -> Option<(&str, &str)> {
    member
        .split_once(':')
        .filter(|(conversation, key)| !conversation.is_empty() && !key.is_empty())
}

/// The site's retention in milliseconds, when it has one.
pub fn retention_ms(state: &AppState, site: &str) -> Option<i64> {
    let days = state.settings.site(site)?.retention_days?;
    Some(i64::from(days).saturating_mul(DAY_MS))
}

/// When a conversation started (ms since the Unix epoch), read from its id (a UUIDv7 holds
/// its creation time in its first 48 bits); `None` for an id of another kind.
pub fn started_at_ms(conversation: &str) -> Option<i64> {
    let id = uuid::Uuid::parse_str(conversation).ok()?;
    if id.get_version_num() != 7 {
        return None;
    }
    i64::try_from(id.as_u128() >> 80).ok()
}

/// Schedules the first look at a conversation that just started, when its site has a
/// retention (a no-op otherwise): its start plus the retention.
pub async fn schedule_new(
    state: &AppState,
    site: &str,
    identity_key: &str,
    conversation: &str,
) -> Result<(), ApiError> {
    let Some(retention) = retention_ms(state, site) else {
        return Ok(());
    };
    let started = started_at_ms(conversation).unwrap_or_else(|| state.clock.now_ms());
    state
        .store
        .schedule(
            &schedule_name(site),
            &member(conversation, identity_key),
            started.saturating_add(retention),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_names_the_conversation_and_the_whole_visitor_key() {
        let conversation = "0190f5e4-7a1b-7c3d-8e9f-0a1b2c3d4e5f";
        let key = "s:https://idp.example/users:42";
        let member = member(conversation, key);
        assert_eq!(parse_member(&member), Some((conversation, key)));
        assert_eq!(parse_member("no-separator"), None);
        assert_eq!(parse_member(":u:ada"), None);
    }

    #[test]
    fn a_uuid_v7_gives_its_creation_time_and_other_ids_none() {
        let id = uuid::Uuid::now_v7();
        let at = started_at_ms(&id.to_string()).unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        assert!((now - 5_000..=now).contains(&at), "{at} vs {now}");
        assert_eq!(started_at_ms(&uuid::Uuid::new_v4().to_string()), None);
        assert_eq!(started_at_ms("not-a-uuid"), None);
    }
}

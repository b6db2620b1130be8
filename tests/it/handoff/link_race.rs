//! The conversation's link to its session (`handoff:{conversation}`, with the seq where the
//! last handoff began) written by two writers at once: the later writer's compare-and-set
//! conflict is merged and tried again, never dropped; a link deleted in between (the
//! conversation was erased) is not written again.
//!
//! The races are played deterministically (tests/it/handoff/race.rs): the writer's first
//! write of the link is held while another writer changes it through the unwatched store.

use staffetta::desk::conversation_log;
use staffetta::desk::visitor_side::{self, HandoffLink};
use staffetta::visitor::record::conversation_log as log_of;

use super::console::agent;
use super::race::{Write, before_first_write};
use super::spawn_desk;

#[tokio::test]
async fn a_handoff_request_whose_link_write_loses_a_race_still_stores_its_later_seq() {
    let app = spawn_desk(10).await;
    let mut ada = agent(&app, "ada", "agent").await;
    ada.pause().await;
    let visitor = app.visitor().await;
    let conversation = visitor.started.conversation_id.clone();
    let log = log_of(&conversation);
    let welcome_head = app.state.store.log_head(&log).await.unwrap();
    visitor.pick("profile").await;
    let head = app.state.store.log_head(&log).await.unwrap();
    assert!(head > welcome_head);

    // Another request of the visitor, which read the head before the bot's turn, writes the
    // link while this one is about to.
    let unwatched = app.state.clone();
    let (linked, session) = (conversation.clone(), visitor.id().to_owned());
    let link_key = format!("handoff:{conversation}");
    let (watched, link_writes) = before_first_write(
        &app.state,
        move |write| matches!(write, Write::Put(key) if key == link_key),
        async move {
            let older = HandoffLink {
                session_id: session,
                handoff_seq: welcome_head + 1,
                visitor: None,
            };
            visitor_side::write_link(&unwatched, &linked, &older)
                .await
                .expect("the other writer's link");
        },
    );
    visitor_side::request(&watched, visitor.id(), None, None)
        .await
        .expect("the visitor is queued");

    let link = visitor_side::link(&app.state, &conversation)
        .await
        .unwrap()
        .expect("the conversation is linked");
    assert_eq!(
        link.handoff_seq,
        head + 1,
        "the later handoff start of the two is kept"
    );
    assert_eq!(link.session_id, visitor.id());
    assert_eq!(
        link_writes(),
        2,
        "the conflicting write was merged and tried again"
    );
}

#[tokio::test]
async fn a_link_deleted_while_it_is_written_is_not_written_again() {
    let app = spawn_desk(10).await;
    let visitor = app.visitor().await;
    let conversation = visitor.started.conversation_id.clone();
    let unwatched = app.state.clone();
    let deleted = conversation.clone();
    let link_key = format!("handoff:{conversation}");
    let (watched, _) = before_first_write(
        &app.state,
        move |write| matches!(write, Write::Put(key) if key == link_key),
        async move {
            assert!(
                conversation_log::delete_link(&unwatched, &deleted)
                    .await
                    .unwrap()
            );
        },
    );
    let link = HandoffLink {
        session_id: visitor.id().to_owned(),
        handoff_seq: 2,
        visitor: None,
    };
    let written = visitor_side::write_link(&watched, &conversation, &link).await;

    assert_eq!(
        written.map_err(|err| err.code()),
        Err("session_not_found"),
        "the conversation is gone"
    );
    assert!(
        visitor_side::link(&app.state, &conversation)
            .await
            .unwrap()
            .is_none(),
        "no link outlives its conversation"
    );
}

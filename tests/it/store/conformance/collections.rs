//! Conformance cases of sets, fixed-window counters and schedules.

use crate::store::subject::Subject;

pub(crate) async fn sets_count_their_members_exactly(s: &Subject) {
    let store = &*s.store;
    assert_eq!(store.set_len("mau:demo:2026-11").await.unwrap(), 0);
    assert!(
        store
            .set_add("mau:demo:2026-11", "visitor-b")
            .await
            .unwrap()
    );
    assert!(
        store
            .set_add("mau:demo:2026-11", "visitor-a")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_add("mau:demo:2026-11", "visitor-a")
            .await
            .unwrap()
    );
    assert!(
        store
            .set_add("mau:demo:2026-11", "visitor-c")
            .await
            .unwrap()
    );
    assert!(
        store
            .set_add("mau:demo:2026-12", "visitor-a")
            .await
            .unwrap()
    );
    assert_eq!(store.set_len("mau:demo:2026-11").await.unwrap(), 3);
    assert!(
        store
            .set_remove("mau:demo:2026-11", "visitor-c")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_remove("mau:demo:2026-11", "visitor-c")
            .await
            .unwrap()
    );
    assert_eq!(store.set_len("mau:demo:2026-11").await.unwrap(), 2);
    assert_eq!(
        store.set_members("mau:demo:2026-11").await.unwrap(),
        vec!["visitor-a", "visitor-b"]
    );
    assert_eq!(store.set_len("mau:demo:2026-12").await.unwrap(), 1);
    assert!(store.set_members("nobody").await.unwrap().is_empty());
    for n in 0..200 {
        store.set_add("big", &format!("v{n:03}")).await.unwrap();
        store
            .set_add("big", &format!("v{:03}", n / 2))
            .await
            .unwrap();
    }
    assert_eq!(store.set_len("big").await.unwrap(), 200);
}

pub(crate) async fn a_set_member_is_replaced_in_one_step_only_when_it_is_there(s: &Subject) {
    let store = &*s.store;
    let set = "mau:demo:2026-10";
    for member in ["visitor-a", "visitor-b"] {
        store.set_add(set, member).await.unwrap();
    }
    assert!(
        store
            .set_replace(set, "visitor-a", "erased:1")
            .await
            .unwrap()
    );
    assert_eq!(
        store.set_members(set).await.unwrap(),
        ["erased:1", "visitor-b"]
    );
    assert_eq!(store.set_len(set).await.unwrap(), 2);
    // Not a member (any more): nothing is written.
    assert!(
        !store
            .set_replace(set, "visitor-a", "erased:2")
            .await
            .unwrap()
    );
    assert_eq!(
        store.set_members(set).await.unwrap(),
        ["erased:1", "visitor-b"]
    );
    // The new member is there already: the set keeps it once.
    assert!(
        store
            .set_replace(set, "visitor-b", "erased:1")
            .await
            .unwrap()
    );
    assert_eq!(store.set_members(set).await.unwrap(), ["erased:1"]);
    assert_eq!(store.set_len(set).await.unwrap(), 1);
    // A member replaced by itself stays.
    assert!(
        store
            .set_replace(set, "erased:1", "erased:1")
            .await
            .unwrap()
    );
    assert_eq!(store.set_members(set).await.unwrap(), ["erased:1"]);
    assert_eq!(store.set_len(set).await.unwrap(), 1);
    // An unknown set stays unknown.
    assert!(!store.set_replace("nobody", "a", "b").await.unwrap());
    assert_eq!(store.set_len("nobody").await.unwrap(), 0);
    assert!(store.set_members("nobody").await.unwrap().is_empty());
}

pub(crate) async fn counters_restart_from_zero_after_their_window(s: &Subject) {
    let store = &*s.store;
    let window = s.short_ttl();
    assert_eq!(store.incr("login:bob", 1, window).await.unwrap(), 1);
    assert_eq!(store.incr("login:bob", 1, window).await.unwrap(), 2);
    assert_eq!(store.incr("login:bob", 5, window).await.unwrap(), 7);
    assert_eq!(store.incr("login:bob", -2, window).await.unwrap(), 5);
    assert_eq!(store.incr("login:eve", 1, window).await.unwrap(), 1);

    s.let_pass(window).await;

    assert_eq!(
        store.incr("login:bob", 1, window).await.unwrap(),
        1,
        "a new window starts"
    );
    assert_eq!(store.incr("login:bob", 1, window).await.unwrap(), 2);
}

pub(crate) async fn schedules_return_due_members_in_deadline_order(s: &Subject) {
    let store = &*s.store;
    assert_eq!(store.next_due("timers").await.unwrap(), None);
    store.schedule("timers", "session-c", 3_000).await.unwrap();
    store.schedule("timers", "session-a", 1_000).await.unwrap();
    store.schedule("timers", "session-b", 2_000).await.unwrap();
    store.schedule("timers", "session-d", 2_000).await.unwrap();
    store.schedule("other", "session-z", 10).await.unwrap();

    assert_eq!(
        store.next_due("timers").await.unwrap(),
        Some(("session-a".to_owned(), 1_000))
    );
    let due = store.due("timers", 2_000, 10).await.unwrap();
    let names: Vec<(&str, i64)> = due.iter().map(|(m, at)| (m.as_str(), *at)).collect();
    assert_eq!(
        names,
        vec![
            ("session-a", 1_000),
            ("session-b", 2_000),
            ("session-d", 2_000)
        ]
    );
    assert_eq!(
        store.due("timers", 2_000, 1).await.unwrap().len(),
        1,
        "limit applies"
    );
    assert!(store.due("timers", 999, 10).await.unwrap().is_empty());
    assert_eq!(
        store.due("timers", 2_000, 10).await.unwrap(),
        due,
        "due does not remove"
    );

    // Upsert moves a member; unschedule removes it.
    store.schedule("timers", "session-a", 5_000).await.unwrap();
    assert_eq!(
        store.next_due("timers").await.unwrap(),
        Some(("session-b".to_owned(), 2_000))
    );
    assert!(store.unschedule("timers", "session-b").await.unwrap());
    assert!(!store.unschedule("timers", "session-b").await.unwrap());
    let all = store.due("timers", i64::MAX, 10).await.unwrap();
    let names: Vec<&str> = all.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, vec!["session-d", "session-c", "session-a"]);

    store.schedule("neg", "early", -5).await.unwrap();
    store
        .schedule("neg", "now", 1_700_000_000_123)
        .await
        .unwrap();
    assert_eq!(
        store.due("neg", 0, 10).await.unwrap(),
        vec![("early".to_owned(), -5)]
    );
    assert_eq!(
        store.due("neg", 1_700_000_000_123, 10).await.unwrap().len(),
        2
    );
}

pub(crate) async fn a_deadline_changes_only_while_it_is_at_the_expected_time(s: &Subject) {
    let store = &*s.store;
    let now = 1_700_000_000_123;
    store.schedule("timers", "session-a", now).await.unwrap();
    store.schedule("timers", "session-b", 2_000).await.unwrap();

    // At another deadline (a write moved it) or absent: nothing is written.
    assert!(
        !store
            .reschedule_if("timers", "session-a", now - 1, None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .reschedule_if("timers", "session-z", now, Some(5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .reschedule_if("other", "session-a", now, None)
            .await
            .unwrap(),
        "schedules are independent"
    );
    assert_eq!(store.due("timers", i64::MAX, 10).await.unwrap().len(), 2);

    // At the expected deadline: moved, then removed.
    assert!(
        store
            .reschedule_if("timers", "session-a", now, Some(now + 1_000))
            .await
            .unwrap()
    );
    assert_eq!(
        store.due("timers", i64::MAX, 10).await.unwrap(),
        vec![
            ("session-b".to_owned(), 2_000),
            ("session-a".to_owned(), now + 1_000)
        ]
    );
    assert!(
        !store
            .reschedule_if("timers", "session-a", now, None)
            .await
            .unwrap(),
        "the old deadline no longer matches"
    );
    assert!(
        store
            .reschedule_if("timers", "session-a", now + 1_000, None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.due("timers", i64::MAX, 10).await.unwrap(),
        vec![("session-b".to_owned(), 2_000)]
    );
    assert!(!store.unschedule("timers", "session-a").await.unwrap());
}

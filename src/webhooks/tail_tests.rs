use super::*;
use crate::domain::{EventKind, IdentityId, Member, Timestamp};
use std::time::Duration;

fn event(position: u64, kind: EventKind, custom_id: &str) -> IdentityEvent {
    IdentityEvent {
        position: FeedPosition(position),
        kind,
        id: IdentityId::generate(ResourceId::generate()),
        custom_id: Some(CustomId::parse(custom_id.to_owned(), Member::CustomId).unwrap()),
        at: Timestamp::now(),
        actor: None,
    }
}

fn filter(kinds: &[EventKind], custom_id: Option<&str>) -> Filter {
    Filter {
        kinds: EventKinds::of(kinds),
        custom_id: custom_id.map(|c| CustomId::parse(c.to_owned(), Member::CustomId).unwrap()),
    }
}

fn positions(read: &(Vec<IdentityEvent>, FeedPosition)) -> (Vec<u64>, u64) {
    (read.0.iter().map(|e| e.position.0).collect(), read.1.0)
}

#[test]
fn memory_keeps_the_latest_events_and_a_cursor_before_them_is_behind() {
    let mut b = Buffer::at(FeedPosition(10), 3);
    b.append(
        (11..=15)
            .map(|p| event(p, EventKind::Created, "alice"))
            .collect(),
    );
    let all = filter(&[EventKind::Created], None);
    assert_eq!(b.start, FeedPosition(12));
    assert!(
        b.after(&all, FeedPosition(11), 100).is_none(),
        "event 12 has left memory"
    );
    let read = b.after(&all, FeedPosition(12), 100).unwrap();
    assert_eq!(positions(&read), (vec![13, 14, 15], 15));
    let read = b.after(&all, FeedPosition(20), 100).unwrap();
    assert_eq!(
        positions(&read),
        (vec![], 20),
        "ahead of memory: nothing, where it is"
    );
}

#[test]
fn a_read_passes_over_what_was_not_asked_for_and_stops_at_its_limit() {
    let mut b = Buffer::at(FeedPosition(0), 100);
    b.append(vec![
        event(1, EventKind::Created, "alice"),
        event(2, EventKind::Created, "bob"),
        event(3, EventKind::TokensRevoked, "alice"),
        event(4, EventKind::Created, "alice"),
        event(5, EventKind::Created, "bob"),
    ]);
    let alice = filter(&[EventKind::Created], Some("alice"));
    let read = b.after(&alice, FeedPosition(0), 100).unwrap();
    assert_eq!(
        positions(&read),
        (vec![1, 4], 5),
        "through the end of memory"
    );
    let read = b.after(&alice, FeedPosition(0), 1).unwrap();
    assert_eq!(positions(&read), (vec![1], 1), "through the last one taken");
    let read = b.after(&alice, FeedPosition(4), 100).unwrap();
    assert_eq!(positions(&read), (vec![], 5));
}

#[tokio::test]
async fn an_event_wakes_only_the_workers_that_asked_for_it() {
    let mut b = Buffer::at(FeedPosition(0), 100);
    let (alice, bob) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let kinds = [EventKind::TokensRevoked];
    b.listeners.insert(
        SubscriptionId::generate(),
        (filter(&kinds, Some("alice")), alice.clone()),
    );
    b.listeners.insert(
        SubscriptionId::generate(),
        (filter(&kinds, Some("bob")), bob.clone()),
    );
    b.append(vec![
        event(1, EventKind::TokensRevoked, "alice"),
        event(2, EventKind::Created, "bob"),
    ]);
    let soon = Duration::from_millis(50);
    assert!(tokio::time::timeout(soon, alice.notified()).await.is_ok());
    assert!(
        tokio::time::timeout(soon, bob.notified()).await.is_err(),
        "bob's creation is not asked for"
    );
}

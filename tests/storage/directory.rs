//! The directory's storage cases: listing, counting, the change feed, its
//! pruning and the paging secret, for every backend.

use crate::{new_identity, resource, with_resource};
use commid::domain::{
    CustomId, EventKind, FeedPosition, IdentityId, ListFilter, Member, Order, Timestamp,
};
use commid::storage::{Created, Deleted, EventsRead, IdentityEvent, ListQuery, Store};
use std::collections::HashSet;
use std::sync::Arc;

fn query(r: &commid::domain::Resource, order: Order, limit: usize) -> ListQuery {
    ListQuery {
        resource: r.id,
        filter: ListFilter::default(),
        order,
        after: None,
        limit,
    }
}

/// Every id the query's pages hold, following `resume_after`.
async fn all_pages(store: &dyn Store, mut q: ListQuery) -> Vec<IdentityId> {
    let mut ids = Vec::new();
    for _ in 0..10_000 {
        let page = store.list_identities(&q).await.unwrap();
        assert!(page.items.len() <= q.limit);
        ids.extend(page.items.iter().map(|r| r.id));
        match page.resume_after {
            Some(after) => q.after = Some(after),
            None => return ids,
        }
    }
    panic!("paging never ended")
}

async fn create(
    store: &dyn Store,
    r: &commid::domain::Resource,
    custom: Option<&str>,
) -> IdentityId {
    match store
        .create_identity(new_identity(r, custom))
        .await
        .unwrap()
    {
        Created::New(rec) => rec.id,
        Created::Existing(_) => panic!("an existing identity"),
    }
}

pub async fn listing_pages_through_every_live_identity_once_in_creation_order(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(create(&*store, &r, (i % 3 == 0).then_some(&*format!("c{i}"))).await);
    }
    for gone in [ids[0], ids[12], ids[24]] {
        assert_eq!(store.delete_identity(gone).await.unwrap(), Deleted::Now);
    }
    let live: Vec<IdentityId> = ids
        .iter()
        .copied()
        .filter(|id| ![ids[0], ids[12], ids[24]].contains(id))
        .collect();
    // Another resource's identities never show.
    let other = resource("other");
    store.insert_resource(other.clone()).await.unwrap();
    create(&*store, &other, None).await;

    assert_eq!(
        all_pages(&*store, query(&r, Order::OldestFirst, 7)).await,
        live
    );
    let mut newest_first = live.clone();
    newest_first.reverse();
    assert_eq!(
        all_pages(&*store, query(&r, Order::NewestFirst, 4)).await,
        newest_first
    );
    assert_eq!(
        all_pages(&*store, query(&r, Order::OldestFirst, 1000)).await,
        live
    );
    let first = store
        .list_identities(&query(&r, Order::OldestFirst, 3))
        .await
        .unwrap();
    assert_eq!(first.items[2].id, ids[3]);
    assert_eq!(
        first.items[2].custom_id.as_ref().map(CustomId::as_str),
        Some("c3")
    );
}

pub async fn paging_while_others_create_and_delete_never_repeats_or_skips_a_survivor(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let mut survivors = Vec::new();
    let mut doomed = Vec::new();
    for i in 0..40 {
        let id = create(&*store, &r, None).await;
        if i % 4 == 1 {
            doomed.push(id)
        } else {
            survivors.push(id)
        }
    }
    let mut q = query(&r, Order::OldestFirst, 3);
    let mut seen = Vec::new();
    loop {
        let page = store.list_identities(&q).await.unwrap();
        seen.extend(page.items.iter().map(|i| i.id));
        // Meanwhile: a new identity, and one of the doomed goes.
        create(&*store, &r, None).await;
        if let Some(id) = doomed.pop() {
            store.delete_identity(id).await.unwrap();
        }
        match page.resume_after {
            Some(after) => q.after = Some(after),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an identity was listed twice");
    for id in &survivors {
        assert!(seen.contains(id), "{id} existed throughout and was skipped");
    }
}

pub async fn filters_narrow_the_list_and_the_count_alike(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let early = create(&*store, &r, Some("early")).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let middle = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut with_token = new_identity(&r, None);
    with_token.token_issued_at = Some(Timestamp::now());
    let busy = with_token.id;
    store.create_identity(with_token).await.unwrap();
    let idle = create(&*store, &r, Some("idle")).await;
    let cases: Vec<(ListFilter, Vec<IdentityId>)> = vec![
        (
            ListFilter {
                created_before: Some(middle),
                ..ListFilter::default()
            },
            vec![early],
        ),
        (
            ListFilter {
                created_after: Some(middle),
                ..ListFilter::default()
            },
            vec![busy, idle],
        ),
        (
            ListFilter {
                custom_id: Some(CustomId::parse("idle".into(), Member::CustomId).unwrap()),
                ..ListFilter::default()
            },
            vec![idle],
        ),
        (
            ListFilter {
                last_token_issued_before: Some(middle),
                ..ListFilter::default()
            },
            vec![early],
        ),
        (
            ListFilter {
                last_token_issued_before: Some(Timestamp::now()),
                ..ListFilter::default()
            },
            vec![early, busy, idle],
        ),
    ];
    for (filter, expected) in cases {
        let q = ListQuery {
            filter: filter.clone(),
            ..query(&r, Order::OldestFirst, 2)
        };
        assert_eq!(all_pages(&*store, q).await, expected, "{filter:?}");
        assert_eq!(
            store.count_identities(r.id, &filter).await.unwrap(),
            expected.len() as u64,
            "{filter:?}"
        );
    }
}

pub async fn counts_are_kept_per_resource_through_creates_and_deletes(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let other = resource("other");
    store.insert_resource(other.clone()).await.unwrap();
    let all = ListFilter::default();
    assert_eq!(store.count_identities(r.id, &all).await.unwrap(), 0);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(create(&*store, &r, None).await);
    }
    create(&*store, &other, None).await;
    store.delete_identity(ids[0]).await.unwrap();
    store.delete_identity(ids[0]).await.unwrap();
    // A get-or-create that finds an existing identity counts nothing.
    create(&*store, &r, Some("once")).await;
    store
        .create_identity(new_identity(&r, Some("once")))
        .await
        .unwrap();
    assert_eq!(store.count_identities(r.id, &all).await.unwrap(), 5);
    assert_eq!(store.count_identities(other.id, &all).await.unwrap(), 1);
}

fn kinds(events: &[IdentityEvent]) -> Vec<(EventKind, IdentityId, Option<String>)> {
    events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.id,
                e.custom_id.as_ref().map(|c| c.as_str().to_owned()),
            )
        })
        .collect()
}

async fn events_after(
    store: &dyn Store,
    r: &commid::domain::Resource,
    at: FeedPosition,
) -> Vec<IdentityEvent> {
    match store.identity_events(r.id, at, 100).await.unwrap() {
        EventsRead::Events(events) => events,
        EventsRead::Expired { .. } => panic!("expired"),
    }
}

pub async fn the_feed_records_creates_revokes_and_deletes_in_order(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let start = store.feed_end().await.unwrap();
    let sally = create(&*store, &r, Some("sally")).await;
    let bob = create(&*store, &r, None).await;
    store.revoke_tokens(sally).await.unwrap();
    store.delete_identity(sally).await.unwrap();
    // Nothing happens to what does not exist, nor twice to the deleted.
    store.revoke_tokens(sally).await.unwrap();
    store.delete_identity(sally).await.unwrap();
    store.create_identity(new_identity(&r, None)).await.unwrap();
    let other = resource("other");
    store.insert_resource(other.clone()).await.unwrap();
    create(&*store, &other, None).await;

    let events = events_after(&*store, &r, start).await;
    let sally_id = Some("sally".to_owned());
    assert_eq!(
        kinds(&events)[..4],
        [
            (EventKind::Created, sally, sally_id.clone()),
            (EventKind::Created, bob, None),
            (EventKind::TokensRevoked, sally, sally_id.clone()),
            (EventKind::Deleted, sally, sally_id),
        ]
    );
    assert_eq!(
        events.len(),
        5,
        "one more create, nothing of the other resource"
    );
    assert!(events.windows(2).all(|w| w[0].position < w[1].position));
    // Reading on from an event gives exactly what follows it.
    assert_eq!(
        events_after(&*store, &r, events[2].position).await,
        events[3..]
    );
    assert!(
        events_after(&*store, &r, events[4].position)
            .await
            .is_empty()
    );
    assert!(store.feed_end().await.unwrap() >= events[4].position);
}

pub async fn a_position_before_pruned_events_is_expired_and_the_end_outlives_pruning(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let start = store.feed_end().await.unwrap();
    create(&*store, &r, None).await;
    create(&*store, &r, None).await;
    let seen = events_after(&*store, &r, start).await;
    let end = store.feed_end().await.unwrap();
    assert_eq!(store.prune_events(Timestamp::now()).await.unwrap(), 2);
    assert_eq!(
        store.identity_events(r.id, start, 10).await.unwrap(),
        EventsRead::Expired {
            through: seen[1].position
        },
        "events after the position were pruned"
    );
    assert_eq!(
        store
            .identity_events(r.id, seen[1].position, 10)
            .await
            .unwrap(),
        EventsRead::Events(Vec::new()),
        "a reader that had read everything loses nothing"
    );
    assert!(
        store.feed_end().await.unwrap() >= end,
        "numbers are never reused"
    );
    let later = create(&*store, &r, None).await;
    let after = events_after(&*store, &r, seen[1].position).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, later);
    assert!(after[0].position > end);
    assert_eq!(
        store.prune_events(Timestamp::from_micros(0)).await.unwrap(),
        0
    );
}

pub async fn the_paging_secret_is_made_once_and_kept(store: Arc<dyn Store>) {
    let first = store.paging_secret().await.unwrap();
    let second = store.paging_secret().await.unwrap();
    assert_eq!(first.expose(), second.expose());
    assert!(first.expose().len() >= 40, "32 random bytes");
}

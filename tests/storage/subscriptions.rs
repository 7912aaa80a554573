//! The storage suite's webhook subscription cases, run against every
//! backend like the rest: where a subscription starts in the feed, how its
//! lease goes to one deliverer at a time, and how progress, failures,
//! suspension and resumption are kept.

use commid::domain::{
    CallbackUrl, CustomId, EventKind, EventKinds, FeedPosition, Member, Resource, SubscriptionId,
    SubscriptionState, Timestamp, WebhookSecret,
};
use commid::storage::{
    LeaseOwner, NewSubscription, Progress, Store, StoredSubscription, SubscriptionCounts,
};
use std::sync::Arc;

async fn with_resource(store: &dyn Store, name: &str) -> Resource {
    let r = crate::resource(name);
    store.insert_resource(r.clone()).await.unwrap();
    r
}

fn new_subscription(r: &Resource, custom_id: Option<&str>) -> NewSubscription {
    NewSubscription {
        id: SubscriptionId::generate(),
        resource: r.id,
        callback_url: CallbackUrl::parse(
            "https://prod-01.westus.logic.azure.com/workflows/1?sig=x",
        )
        .unwrap(),
        kinds: EventKinds::of(&[EventKind::Created, EventKind::Deleted]),
        custom_id: custom_id.map(|c| CustomId::parse(c.to_owned(), Member::CustomId).unwrap()),
        secret: WebhookSecret::generate(),
        created_at: Timestamp::now(),
    }
}

async fn create(store: &dyn Store, r: &Resource) -> StoredSubscription {
    store
        .create_subscription(new_subscription(r, Some("sally")))
        .await
        .unwrap()
        .expect("room for it")
}

fn later(seconds: i64) -> Timestamp {
    Timestamp::from_micros(Timestamp::now().micros() + seconds * 1_000_000)
}

pub async fn a_subscription_starts_at_the_feed_end_and_is_read_listed_and_deleted(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store, "default").await;
    let other = with_resource(&*store, "other").await;
    store
        .create_identity(crate::new_identity(&r, None))
        .await
        .unwrap();
    let end = store.feed_end().await.unwrap();
    let new = new_subscription(&r, Some("sally"));
    let created = store
        .create_subscription(new.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.position, end, "it is delivered what happens next");
    assert_eq!(
        (created.state, created.failures, created.delivered),
        (SubscriptionState::Active, 0, 0)
    );
    assert_eq!(
        created.secret, new.secret,
        "the secret is kept to sign with"
    );
    assert_eq!(
        store.subscription(r.id, new.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        store.subscription(other.id, new.id).await.unwrap(),
        None,
        "another resource does not see it"
    );
    let second = create(&*store, &r).await;
    create(&*store, &other).await;
    let listed: Vec<SubscriptionId> = store
        .subscriptions(r.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        listed,
        vec![new.id, second.id],
        "the resource's, oldest first"
    );
    assert!(!store.delete_subscription(other.id, new.id).await.unwrap());
    assert!(store.delete_subscription(r.id, new.id).await.unwrap());
    assert!(!store.delete_subscription(r.id, new.id).await.unwrap());
    assert_eq!(store.subscription(r.id, new.id).await.unwrap(), None);
}

pub async fn a_lease_goes_to_one_holder_at_a_time_and_to_another_once_it_expires(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store, "default").await;
    let s = create(&*store, &r).await;
    let (a, b) = (LeaseOwner::generate(), LeaseOwner::generate());
    let now = Timestamp::now();
    let leased = store
        .lease_subscriptions(&a, now, later(10), 10)
        .await
        .unwrap();
    assert_eq!(leased.iter().map(|l| l.id).collect::<Vec<_>>(), vec![s.id]);
    assert!(
        store
            .lease_subscriptions(&b, now, later(10), 10)
            .await
            .unwrap()
            .is_empty(),
        "held by a"
    );
    let renewed = Progress::Renewed {
        lease_until: later(10),
    };
    assert!(
        store
            .record_progress(s.id, &a, renewed.clone())
            .await
            .unwrap()
    );
    // a stalls past its lease: b takes over, and a records nothing more.
    let taken = store
        .lease_subscriptions(&b, later(11), later(20), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert!(
        !store
            .record_progress(s.id, &a, renewed.clone())
            .await
            .unwrap()
    );
    assert!(
        store
            .record_progress(s.id, &b, Progress::Released)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .lease_subscriptions(&a, Timestamp::now(), later(10), 10)
            .await
            .unwrap()
            .len(),
        1,
        "released: due again at once"
    );
}

pub async fn concurrent_leases_never_give_one_subscription_to_two_holders(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    for _ in 0..20 {
        create(&*store, &r).await;
    }
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let owner = LeaseOwner::generate();
                let mut got = Vec::new();
                for _ in 0..3 {
                    let leased = store
                        .lease_subscriptions(&owner, Timestamp::now(), later(30), 3)
                        .await
                        .unwrap();
                    got.extend(leased.into_iter().map(|s| s.id));
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "a subscription was leased twice");
    assert_eq!(count, 20, "every subscription was leased once");
}

pub async fn progress_failures_suspension_and_resumption_are_kept(store: Arc<dyn Store>) {
    let r = with_resource(&*store, "default").await;
    let s = create(&*store, &r).await;
    let owner = LeaseOwner::generate();
    let lease = |store: Arc<dyn Store>, owner: LeaseOwner| async move {
        store
            .lease_subscriptions(&owner, Timestamp::now(), later(30), 10)
            .await
            .unwrap()
    };
    assert_eq!(lease(store.clone(), owner.clone()).await.len(), 1);
    let at = Timestamp::now();
    let advanced = Progress::Advanced {
        position: FeedPosition(s.position.0 + 5),
        delivered: 2,
        at,
        lease_until: later(30),
    };
    assert!(store.record_progress(s.id, &owner, advanced).await.unwrap());
    let failed = Progress::Failed {
        at,
        error: "answered 500".into(),
        retry_at: later(60),
        suspend: false,
    };
    assert!(store.record_progress(s.id, &owner, failed).await.unwrap());
    let now = store.subscription(r.id, s.id).await.unwrap().unwrap();
    assert_eq!(now.position, FeedPosition(s.position.0 + 5));
    assert_eq!((now.delivered, now.failures), (2, 1));
    assert_eq!(now.last_delivered_at, Some(at));
    assert_eq!(now.last_error.as_deref(), Some("answered 500"));
    assert!(
        lease(store.clone(), owner.clone()).await.is_empty(),
        "not due before its retry"
    );
    let retried = store
        .lease_subscriptions(&owner, later(61), later(90), 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1, "due at its retry");
    let suspend = Progress::Failed {
        at,
        error: "answered 500".into(),
        retry_at: at,
        suspend: true,
    };
    assert!(store.record_progress(s.id, &owner, suspend).await.unwrap());
    let suspended = store.subscription(r.id, s.id).await.unwrap().unwrap();
    assert_eq!(
        (suspended.state, suspended.failures),
        (SubscriptionState::Suspended, 2)
    );
    assert!(
        store
            .lease_subscriptions(&owner, later(3600), later(3700), 10)
            .await
            .unwrap()
            .is_empty(),
        "a suspended subscription is never leased"
    );
    assert_eq!(
        store.subscription_counts().await.unwrap(),
        SubscriptionCounts {
            active: 0,
            suspended: 1
        }
    );
    let resumed = store
        .set_subscription_state(r.id, s.id, SubscriptionState::Active, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (resumed.state, resumed.failures, resumed.position),
        (SubscriptionState::Active, 0, suspended.position),
        "it resumes from where it stopped"
    );
    assert_eq!(lease(store.clone(), owner.clone()).await.len(), 1);
    let paused = store
        .set_subscription_state(r.id, s.id, SubscriptionState::Suspended, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paused.state, SubscriptionState::Suspended);
    assert!(
        !store
            .record_progress(s.id, &owner, Progress::Released)
            .await
            .unwrap(),
        "suspending takes the lease away"
    );
    assert_eq!(
        store
            .set_subscription_state(
                r.id,
                SubscriptionId::generate(),
                SubscriptionState::Active,
                Timestamp::now()
            )
            .await
            .unwrap(),
        None
    );
}

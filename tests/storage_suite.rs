//! The storage suite: every backend runs the same checks through the
//! `Store` trait. Add a backend by adding one `suite!` line.

use commid::domain::{
    AccessKey, CustomId, DataLocation, Endpoint, IdentityId, KeySlot, Member, Resource,
    ResourceName, RevocationEpoch, Timestamp,
};
use commid::storage::{Created, Deleted, NewIdentity, Store, StoreError, TokenState};
use std::sync::Arc;
use std::time::Duration;

mod common;
mod storage {
    pub mod assignments;
    pub mod cancellation;
    pub mod directory;
    pub mod prefix;
    pub mod roles;
    pub mod sealing;
    pub mod subscriptions;
}
use storage::assignments::*;
use storage::cancellation::*;
use storage::directory::*;
use storage::prefix::*;
use storage::roles::*;
use storage::subscriptions::*;

pub fn resource(name: &str) -> Resource {
    Resource::new(
        ResourceName::parse(name).unwrap(),
        DataLocation::parse("unitedstates").unwrap(),
        Endpoint::parse(&format!("https://{name}.example/")).unwrap(),
    )
}

pub fn new_identity(resource: &Resource, custom: Option<&str>) -> NewIdentity {
    NewIdentity {
        id: IdentityId::generate(resource.id),
        custom_id: custom.map(|c| CustomId::parse(c.to_owned(), Member::CustomId).unwrap()),
        created_at: Timestamp::now(),
        token_issued_at: None,
        actor: None,
    }
}

pub async fn with_resource(store: &dyn Store) -> Resource {
    let r = resource("default");
    store.insert_resource(r.clone()).await.unwrap();
    r
}

pub async fn resources_round_trip_and_names_are_unique(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    assert_eq!(store.resources().await.unwrap(), vec![r.clone()]);
    let mut twin = resource("default");
    twin.endpoint = Endpoint::parse("https://twin.example/").unwrap();
    assert!(matches!(
        store.insert_resource(twin).await,
        Err(StoreError::Conflict(_))
    ));
}

pub async fn replacing_a_key_changes_only_that_key(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let key = AccessKey::generate();
    assert!(
        store
            .replace_key(r.id, KeySlot::Secondary, key.clone())
            .await
            .unwrap()
    );
    let stored = store.resources().await.unwrap().remove(0);
    assert_eq!(stored.primary_key, r.primary_key);
    assert_eq!(stored.secondary_key, key);
    assert!(
        !store
            .replace_key(resource("other").id, KeySlot::Primary, key)
            .await
            .unwrap()
    );
}

pub async fn identities_are_created_and_read_back(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, Some("ext"));
    let Created::New(record) = store.create_identity(new.clone()).await.unwrap() else {
        panic!("not new")
    };
    assert_eq!(record.id, new.id);
    assert_eq!(store.identity(new.id).await.unwrap(), Some(record));
    assert_eq!(
        store.identity(IdentityId::generate(r.id)).await.unwrap(),
        None
    );
}

pub async fn a_custom_id_maps_to_one_live_identity(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let first = new_identity(&r, Some("sally"));
    store.create_identity(first.clone()).await.unwrap();
    let Created::Existing(existing) = store
        .create_identity(new_identity(&r, Some("sally")))
        .await
        .unwrap()
    else {
        panic!("a second identity was made")
    };
    assert_eq!(existing.id, first.id);
    assert_eq!(store.delete_identity(first.id).await.unwrap(), Deleted::Now);
    assert!(matches!(
        store
            .create_identity(new_identity(&r, Some("sally")))
            .await
            .unwrap(),
        Created::New(_)
    ));
}

pub async fn concurrent_get_or_create_makes_one_identity(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let store = store.clone();
            let new = new_identity(&r, Some("race"));
            tokio::spawn(async move { store.create_identity(new).await.unwrap() })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut new = 0;
    for t in tasks {
        match t.await.unwrap() {
            Created::New(rec) => {
                new += 1;
                ids.insert(rec.id);
            }
            Created::Existing(rec) => {
                ids.insert(rec.id);
            }
        }
    }
    assert_eq!((new, ids.len()), (1, 1));
}

pub async fn revoking_raises_the_epoch_of_live_identities_only(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, None);
    store.create_identity(new.clone()).await.unwrap();
    assert_eq!(
        store.revoke_tokens(new.id).await.unwrap(),
        Some(RevocationEpoch::from_i64(1))
    );
    assert_eq!(
        store.revoke_tokens(new.id).await.unwrap(),
        Some(RevocationEpoch::from_i64(2))
    );
    assert_eq!(
        store
            .identity(new.id)
            .await
            .unwrap()
            .unwrap()
            .revocation_epoch,
        RevocationEpoch::from_i64(2)
    );
    assert_eq!(
        store
            .revoke_tokens(IdentityId::generate(r.id))
            .await
            .unwrap(),
        None
    );
    store.delete_identity(new.id).await.unwrap();
    assert_eq!(store.revoke_tokens(new.id).await.unwrap(), None);
}

pub async fn the_token_state_follows_every_revoke_and_delete_at_once(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, None);
    assert_eq!(store.token_state(new.id).await.unwrap(), None);
    store.create_identity(new.clone()).await.unwrap();
    let live = |epoch| Some(TokenState::Live(RevocationEpoch::from_i64(epoch)));
    assert_eq!(store.token_state(new.id).await.unwrap(), live(0));
    assert_eq!(store.token_state(new.id).await.unwrap(), live(0));
    store.revoke_tokens(new.id).await.unwrap();
    assert_eq!(store.token_state(new.id).await.unwrap(), live(1));
    store.delete_identity(new.id).await.unwrap();
    assert_eq!(
        store.token_state(new.id).await.unwrap(),
        Some(TokenState::Deleted)
    );
}

pub async fn a_revoke_is_seen_by_every_read_after_it_whatever_reads_ran_during_it(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, None);
    store.create_identity(new.clone()).await.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Readers race every revoke, so that some read the old epoch while the
    // revoke commits.
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (store, stop) = (store.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    store.token_state(new.id).await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for round in 1..=50 {
        let epoch = store.revoke_tokens(new.id).await.unwrap().unwrap();
        assert_eq!(epoch, RevocationEpoch::from_i64(round));
        assert_eq!(
            store.token_state(new.id).await.unwrap(),
            Some(TokenState::Live(epoch)),
            "round {round}: a read after the revoke saw an older epoch"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

pub async fn deleting_leaves_a_tombstone_without_personal_data(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let mut new = new_identity(&r, Some("personal@example.com"));
    new.token_issued_at = Some(Timestamp::now());
    store.create_identity(new.clone()).await.unwrap();
    assert_eq!(store.delete_identity(new.id).await.unwrap(), Deleted::Now);
    assert_eq!(
        store.delete_identity(new.id).await.unwrap(),
        Deleted::Already
    );
    assert_eq!(
        store
            .delete_identity(IdentityId::generate(r.id))
            .await
            .unwrap(),
        Deleted::NotFound
    );
    let tomb = store.identity(new.id).await.unwrap().unwrap();
    assert!(tomb.is_deleted());
    assert_eq!((tomb.custom_id, tomb.last_token_issued_at), (None, None));
    assert!(
        tomb.revocation_epoch > RevocationEpoch::INITIAL,
        "deleting revokes"
    );
}

pub async fn a_flush_writes_the_gathered_token_times_before_it_returns(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, None);
    store.create_identity(new.clone()).await.unwrap();
    let earlier = Timestamp::from_micros(Timestamp::now().micros() - 1_000_000);
    let at = Timestamp::now();
    store.token_issued(new.id, at);
    store.token_issued(new.id, earlier);
    // What a graceful stop does: no waiting for the once-a-second flush.
    store.flush_token_times().await.unwrap();
    let record = store.identity(new.id).await.unwrap().unwrap();
    assert_eq!(
        record.last_token_issued_at,
        Some(at),
        "the latest time wins"
    );
}

pub async fn the_last_token_time_is_recorded_soon_after(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    let new = new_identity(&r, None);
    store.create_identity(new.clone()).await.unwrap();
    let at = Timestamp::now();
    store.token_issued(new.id, at);
    // Written within about a second (batched), not awaited.
    for _ in 0..300 {
        if store
            .identity(new.id)
            .await
            .unwrap()
            .unwrap()
            .last_token_issued_at
            == Some(at)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("last_token_issued_at was never written");
}

pub async fn a_new_signing_key_retires_the_others(store: Arc<dyn Store>) {
    let first = commid::tokens::SigningKey::generate().unwrap();
    store.insert_signing_key(first.clone()).await.unwrap();
    let second = commid::tokens::SigningKey::generate().unwrap();
    store.insert_signing_key(second.clone()).await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    let live: Vec<_> = keys
        .iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| k.kid.clone())
        .collect();
    assert_eq!(live, vec![second.kid]);
    assert_eq!(
        keys.iter()
            .find(|k| k.kid == first.kid)
            .unwrap()
            .private_key_pem,
        first.private_key_pem
    );
}

/// Opens a fresh store of one backend: the store, and what must live as
/// long as it (a temporary directory, a test schema); `None` when skipped.
type Opened = Option<(Arc<dyn Store>, Box<dyn std::any::Any + Send>)>;

async fn sqlite(_test: &str) -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let store = commid::storage::sqlite::SqliteStore::open(
        dir.path(),
        commid::storage::sqlite::Access::Exclusive,
    )
    .unwrap();
    Some((Arc::new(store), Box::new(dir)))
}

async fn postgres(test: &str) -> Opened {
    let schema = crate::common::postgres::schema(test).await?;
    let options = commid::storage::postgres::PgOptions {
        url: commid::domain::Secret::new(schema.url.clone()),
        pool_size: 8,
        timeout: Duration::from_secs(5),
    };
    let store = commid::storage::postgres::PostgresStore::connect(&options)
        .await
        .unwrap();
    Some((Arc::new(store), Box::new(schema)))
}

macro_rules! suite {
    ($($backend:ident),*) => {
        $(
            mod $backend {
                suite!(@tests $backend;
                    resources_round_trip_and_names_are_unique,
                    replacing_a_key_changes_only_that_key,
                    identities_are_created_and_read_back,
                    a_custom_id_maps_to_one_live_identity,
                    concurrent_get_or_create_makes_one_identity,
                    revoking_raises_the_epoch_of_live_identities_only,
                    deleting_leaves_a_tombstone_without_personal_data,
                    the_token_state_follows_every_revoke_and_delete_at_once,
                    a_revoke_is_seen_by_every_read_after_it_whatever_reads_ran_during_it,
                    the_last_token_time_is_recorded_soon_after,
                    a_flush_writes_the_gathered_token_times_before_it_returns,
                    a_new_signing_key_retires_the_others,
                    listing_pages_through_every_live_identity_once_in_creation_order,
                    paging_while_others_create_and_delete_never_repeats_or_skips_a_survivor,
                    filters_narrow_the_list_and_the_count_alike,
                    a_prefix_lists_and_counts_exactly_its_custom_ids_in_byte_order,
                    paging_under_a_prefix_never_repeats_or_skips_a_custom_id_that_exists_throughout,
                    a_prefix_with_time_filters_keeps_the_identities_that_pass_both,
                    counts_are_kept_per_resource_through_creates_and_deletes,
                    the_feed_records_creates_revokes_and_deletes_in_order,
                    a_position_before_pruned_events_is_expired_and_the_end_outlives_pruning,
                    the_paging_secret_is_made_once_and_kept,
                    an_assignment_is_put_read_back_and_deleted,
                    replacing_an_assignment_keeps_its_version_unless_it_changes,
                    assignments_are_kept_apart_by_resource_kind_and_tenant,
                    entra_assignments_are_listed_in_pages_in_object_id_order,
                    a_bulk_update_sets_and_removes_and_returns_what_it_set,
                    a_subscription_starts_at_the_feed_end_and_is_read_listed_and_deleted,
                    a_lease_goes_to_one_holder_at_a_time_and_to_another_once_it_expires,
                    concurrent_leases_never_give_one_subscription_to_two_holders,
                    progress_failures_suspension_and_resumption_are_kept,
                    a_revoke_or_delete_abandoned_at_any_point_leaves_the_token_state_as_stored,
                    random_writes_some_abandoned_leave_memory_counts_and_feed_agreeing_with_the_rows,
                    roles_are_granted_once_listed_and_revoked,
                    the_feed_records_who_made_each_change,
                );
            }
        )*
    };
    (@tests $backend:ident; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some((store, _guard)) = super::$backend(stringify!($name)).await {
                    super::$name(store).await;
                }
            }
        )*
    };
}

suite!(sqlite, postgres);

#[test]
fn a_second_server_on_one_sqlite_data_dir_is_refused_with_advice() {
    use commid::storage::sqlite::{Access, SqliteStore};
    let dir = tempfile::tempdir().unwrap();
    let _first = SqliteStore::open(dir.path(), Access::Exclusive).unwrap();
    let Err(StoreError::Unavailable(message)) = SqliteStore::open(dir.path(), Access::Exclusive)
    else {
        panic!("a second server opened the same database")
    };
    assert!(message.contains("PostgreSQL"), "{message}");
    assert!(
        SqliteStore::open(dir.path(), Access::Shared).is_ok(),
        "admin commands may run beside a server"
    );
}

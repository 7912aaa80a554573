//! Writes whose caller stops waiting. actix drops a request's future when
//! its client hangs up, so a store call may be abandoned at any `.await`:
//! before its write was sent, while it commits, or after. Whatever point it
//! was dropped at, what the store keeps in memory (SQLite's token states),
//! its counts and its feed must agree with its rows afterwards.

use crate::{new_identity, with_resource};
use commid::domain::{EventKind, FeedPosition, IdentityId, ListFilter, Resource};
use commid::storage::{EventsRead, Store, TokenState};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Polls `write` `polls` times (0: never starts it), then drops it.
async fn abandon<T>(write: impl Future<Output = T>, polls: usize) {
    let mut write = std::pin::pin!(write);
    for _ in 0..polls {
        if futures::poll!(write.as_mut()).is_ready() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// Waits until abandoned writes have ended: SQLite's writer commits in
/// order, so a write awaited after them ends after them; a PostgreSQL
/// statement sent before its future was dropped ends on the server soon.
async fn settle(store: &dyn Store) {
    store.paging_secret().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
}

async fn agrees_with_its_row(store: &dyn Store, id: IdentityId, context: &str) {
    let stored = store.identity(id).await.unwrap();
    assert_eq!(
        store.token_state(id).await.unwrap(),
        stored.as_ref().map(TokenState::of),
        "{context}: the token state in memory differs from the row"
    );
}

pub async fn a_revoke_or_delete_abandoned_at_any_point_leaves_the_token_state_as_stored(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    for polls in 0..4 {
        for delete in [false, true] {
            let new = new_identity(&r, None);
            store.create_identity(new.clone()).await.unwrap();
            // Read once, so that a store that keeps token states keeps it.
            store.token_state(new.id).await.unwrap();
            if delete {
                abandon(store.delete_identity(new.id), polls).await;
            } else {
                abandon(store.revoke_tokens(new.id), polls).await;
            }
            settle(&*store).await;
            let what = if delete { "delete" } else { "revoke" };
            agrees_with_its_row(
                &*store,
                new.id,
                &format!("{what} dropped after {polls} polls"),
            )
            .await;
        }
    }
}

/// A small deterministic generator (xorshift), so a failure repeats.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// Every event of `r`'s feed.
async fn feed(store: &dyn Store, r: &Resource) -> Vec<(EventKind, IdentityId)> {
    let (mut events, mut at) = (Vec::new(), FeedPosition(0));
    loop {
        let EventsRead::Events(read) = store.identity_events(r.id, at, 500).await.unwrap() else {
            panic!("the feed expired without pruning")
        };
        let Some(last) = read.last() else {
            return events;
        };
        at = last.position;
        events.extend(read.iter().map(|e| (e.kind, e.id)));
    }
}

pub async fn random_writes_some_abandoned_leave_memory_counts_and_feed_agreeing_with_the_rows(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut ids: Vec<IdentityId> = Vec::new();
    for _ in 0..240 {
        // Mostly writes on identities that exist, some reads between them
        // so that token states are kept in memory while writes race them.
        let op = dice.roll(8);
        let polls = match dice.roll(3) {
            0 => None,
            _ => Some(dice.roll(4) as usize),
        };
        let target = match ids.len() {
            0 => None,
            n => Some(ids[dice.roll(n as u64) as usize]),
        };
        match (op, target) {
            (0..=1, _) | (_, None) => {
                let new = new_identity(&r, None);
                ids.push(new.id);
                match polls {
                    None => drop(store.create_identity(new).await.unwrap()),
                    Some(p) => abandon(store.create_identity(new), p).await,
                }
            }
            (2..=3, Some(id)) => match polls {
                None => drop(store.revoke_tokens(id).await.unwrap()),
                Some(p) => abandon(store.revoke_tokens(id), p).await,
            },
            (4, Some(id)) => match polls {
                None => drop(store.delete_identity(id).await.unwrap()),
                Some(p) => abandon(store.delete_identity(id), p).await,
            },
            (_, Some(id)) => drop(store.token_state(id).await.unwrap()),
        }
    }
    settle(&*store).await;

    let events = feed(&*store, &r).await;
    let mut per_id: HashMap<IdentityId, Vec<EventKind>> = HashMap::new();
    for (kind, id) in events {
        per_id.entry(id).or_default().push(kind);
    }
    let mut live = 0;
    for &id in &ids {
        agrees_with_its_row(&*store, id, "after the random run").await;
        let kinds = per_id.remove(&id).unwrap_or_default();
        let Some(row) = store.identity(id).await.unwrap() else {
            assert!(kinds.is_empty(), "{id}: events of an identity never stored");
            continue;
        };
        let count = |k: EventKind| kinds.iter().filter(|&&e| e == k).count() as i64;
        assert_eq!(count(EventKind::Created), 1, "{id}: {kinds:?}");
        assert_eq!(
            count(EventKind::Deleted),
            i64::from(row.is_deleted()),
            "{id}: {kinds:?}"
        );
        // A delete raises the epoch too.
        assert_eq!(
            count(EventKind::TokensRevoked) + count(EventKind::Deleted),
            row.revocation_epoch.as_i64(),
            "{id}: the feed's revocations differ from the epoch: {kinds:?}"
        );
        live += i64::from(!row.is_deleted());
    }
    assert!(
        per_id.is_empty(),
        "events of unknown identities: {per_id:?}"
    );
    assert_eq!(
        store
            .count_identities(r.id, &ListFilter::default())
            .await
            .unwrap() as i64,
        live,
        "the count differs from the live rows"
    );
}

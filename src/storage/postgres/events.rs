//! The change feed on PostgreSQL, with several instances writing. Sequence
//! numbers from a plain sequence commit out of order, so a reader could move
//! past a number that an open transaction fills later and miss its event.
//! Instead an event is written without a number, and a *sequencer* numbers
//! the events that have committed, one sequencer at a time (an advisory
//! lock): whatever it numbers is visible, and every later number is given
//! after it committed. Readers only read numbered events, so they never see
//! a number before all the numbers below it. Any reader or the pruning task
//! may sequence; a reader that finds another sequencing reads what is
//! numbered already and sees the rest on its next call.

use super::{PostgresStore, map_err};
use crate::domain::{FeedPosition, ResourceId, Timestamp};
use crate::storage::rows::{self, EventColumns};
use crate::storage::{EventsRead, StoreError};
use tokio_postgres::IsolationLevel;

/// commid's sequencer lock (the migration lock is another).
const SEQUENCER_LOCK: i64 = 0x636f_6d6d_6965;
/// Events numbered per sequencer run, at most.
const SEQUENCE_BATCH: i64 = 10_000;
/// Shards of the identity counter (`identity_counts`).
const COUNT_SHARDS: i16 = 16;
/// Events examined per prune step.
const PRUNE_BATCH: i64 = 1_000;

/// A counter shard for this write.
pub fn shard() -> i16 {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    i16::from(byte[0]) % COUNT_SHARDS
}

/// Numbers the committed events that have no number yet, unless another
/// instance is doing so right now.
pub async fn sequence(store: &PostgresStore) -> Result<(), StoreError> {
    store
        .deadline(async {
            let mut client = store.client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            let locked: bool = tx
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&SEQUENCER_LOCK])
                .await
                .map_err(map_err)?
                .get(0);
            if locked {
                // A new statement: its snapshot holds every event committed
                // before the lock was taken.
                // Numbers in insertion order, so that what happened to one
                // identity (a create, then its revoke) keeps its order: the
                // batch's size is reserved from the sequence at once (only
                // sequencers, under the lock, draw from it) and given out by
                // row number.
                let oldest: i64 = tx
                    .query_one(
                        "WITH batch AS (
                           SELECT insertion, row_number() OVER (ORDER BY insertion) AS n
                           FROM (SELECT insertion FROM identity_events WHERE sequence IS NULL
                                 ORDER BY insertion LIMIT $1) pending),
                         size AS (SELECT count(*) AS k FROM batch),
                         reserved AS (
                           SELECT setval('identity_event_sequence',
                                         nextval('identity_event_sequence') + k - 1) AS last, k
                           FROM size WHERE k > 0),
                         numbered AS (
                           UPDATE identity_events e SET sequence = r.last - r.k + b.n
                           FROM batch b, reserved r WHERE e.insertion = b.insertion
                           RETURNING e.at)
                         SELECT coalesce(min(at), 0)::BIGINT FROM numbered",
                        &[&SEQUENCE_BATCH],
                    )
                    .await
                    .map_err(map_err)?
                    .get(0);
                let lag = if oldest == 0 {
                    0
                } else {
                    (Timestamp::now().micros() - oldest).max(0)
                };
                store
                    .feed_lag_micros
                    .store(lag, std::sync::atomic::Ordering::Relaxed);
            }
            tx.commit().await.map_err(map_err)
        })
        .await
}

pub async fn read(
    store: &PostgresStore,
    resource: ResourceId,
    after: FeedPosition,
    limit: usize,
) -> Result<EventsRead, StoreError> {
    sequence(store).await?;
    let rows = store
        .deadline(async {
            let mut client = store.client().await?;
            // One snapshot for the pruning mark and the events.
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(map_err)?;
            let through: Option<i64> = tx
                .query_opt(
                    "SELECT through FROM identity_event_pruning WHERE resource_id = $1",
                    &[&resource.to_string()],
                )
                .await
                .map_err(map_err)?
                .map(|r| r.get(0));
            if let Some(through) = through.filter(|t| *t as u64 > after.0) {
                return Ok(Err(FeedPosition(through as u64)));
            }
            let rows = tx
                .query(
                    "SELECT sequence, kind::BIGINT, identity_id, custom_id, at, actor FROM identity_events
                     WHERE resource_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
                    &[&resource.to_string(), &(after.0 as i64), &(limit as i64)],
                )
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(Ok(rows))
        })
        .await?;
    let rows = match rows {
        Ok(rows) => rows,
        Err(through) => return Ok(EventsRead::Expired { through }),
    };
    rows.iter()
        .map(|r| {
            let columns: EventColumns =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            rows::event(columns)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(EventsRead::Events)
}

/// The last number the sequence gave (after sequencing what has committed).
pub async fn end(store: &PostgresStore) -> Result<FeedPosition, StoreError> {
    sequence(store).await?;
    let rows = store
        .query(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM identity_event_sequence",
            &[],
        )
        .await?;
    let last: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
    Ok(FeedPosition(last.max(0) as u64))
}

/// Deletes the oldest numbered events written before `cutoff`, batch by
/// batch, raising each resource's pruning mark in the same transaction.
pub async fn prune(store: &PostgresStore, cutoff: Timestamp) -> Result<u64, StoreError> {
    sequence(store).await?;
    let mut pruned = 0u64;
    loop {
        let batch = store
            .deadline(async {
                let mut client = store.client().await?;
                let tx = client.transaction().await.map_err(map_err)?;
                let oldest = tx
                    .query(
                        "SELECT sequence, resource_id, at FROM identity_events
                         WHERE sequence IS NOT NULL ORDER BY sequence LIMIT $1",
                        &[&PRUNE_BATCH],
                    )
                    .await
                    .map_err(map_err)?;
                let old: Vec<(i64, String)> = oldest
                    .iter()
                    .take_while(|r| r.get::<_, i64>(2) < cutoff.micros())
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                let Some((last, _)) = old.last() else {
                    return Ok(0);
                };
                let (sequences, resources): (Vec<i64>, Vec<String>) = old.iter().cloned().unzip();
                tx.execute(
                    "INSERT INTO identity_event_pruning (resource_id, through)
                     SELECT resource_id, max(sequence)
                     FROM UNNEST($1::BIGINT[], $2::TEXT[]) AS t(sequence, resource_id)
                     GROUP BY resource_id
                     ON CONFLICT (resource_id) DO UPDATE
                     SET through = GREATEST(identity_event_pruning.through, excluded.through)",
                    &[&sequences, &resources],
                )
                .await
                .map_err(map_err)?;
                let deleted = tx
                    .execute("DELETE FROM identity_events WHERE sequence <= $1", &[last])
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(deleted)
            })
            .await?;
        pruned += batch;
        if batch == 0 {
            return Ok(pruned);
        }
    }
}

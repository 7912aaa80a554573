//! The change feed and the counters on SQLite. Events are written by the
//! one writer thread in the same transaction as the change they record, so
//! their sequence numbers (AUTOINCREMENT) rise in commit order: a reader
//! that has seen sequence n has seen every committed event before it.

use super::map_err;
use crate::domain::{CustomId, EventKind, FeedPosition, IdentityId, ResourceId, Timestamp};
use crate::storage::rows::{self, EventColumns};
use crate::storage::{EventsRead, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

/// Records `kind` for `id` (inside the writer's transaction).
pub fn record(
    c: &Connection,
    kind: EventKind,
    id: IdentityId,
    custom_id: Option<&CustomId>,
    at: Timestamp,
    actor: Option<&str>,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO identity_events (resource_id, kind, identity_id, custom_id, at, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id.resource().to_string(),
            kind.code(),
            id.to_string(),
            custom_id.map(CustomId::as_str),
            at.micros(),
            actor
        ])
    })
    .map(drop)
    .map_err(map_err)
}

/// Adds `delta` to the live identities of `resource`.
pub fn count(c: &Connection, resource: ResourceId, delta: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO identity_counts (resource_id, live) VALUES (?1, ?2)
         ON CONFLICT (resource_id) DO UPDATE SET live = live + excluded.live",
    )
    .and_then(|mut s| s.execute(params![resource.to_string(), delta]))
    .map(drop)
    .map_err(map_err)
}

/// The events of `resource` after `after`, read in one snapshot with the
/// pruning mark, so that a prune in between cannot hide a gap.
pub fn read(
    c: &Connection,
    resource: ResourceId,
    after: FeedPosition,
    limit: usize,
) -> rusqlite::Result<Result<EventsRead, StoreError>> {
    let tx = c.unchecked_transaction()?;
    let pruned: Option<i64> = tx
        .prepare_cached("SELECT through FROM identity_event_pruning WHERE resource_id = ?1")?
        .query_row([resource.to_string()], |r| r.get(0))
        .optional()?;
    if let Some(through) = pruned.filter(|through| *through as u64 > after.0) {
        return Ok(Ok(EventsRead::Expired {
            through: FeedPosition(through as u64),
        }));
    }
    let rows: Vec<EventColumns> = tx
        .prepare_cached(
            "SELECT sequence, kind, identity_id, custom_id, at, actor FROM identity_events
             WHERE resource_id = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3",
        )?
        .query_map(
            params![resource.to_string(), after.0 as i64, limit as i64],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?
        .collect::<Result<_, _>>()?;
    tx.commit()?;
    Ok(rows
        .into_iter()
        .map(rows::event)
        .collect::<Result<Vec<_>, _>>()
        .map(EventsRead::Events))
}

/// The highest sequence number ever given, pruned or not.
pub fn end(c: &Connection) -> rusqlite::Result<FeedPosition> {
    let seq: Option<i64> = c
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'identity_events'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(FeedPosition(seq.unwrap_or(0).max(0) as u64))
}

/// Events examined per prune step.
const PRUNE_BATCH: i64 = 1_000;

/// Deletes the oldest events written before `cutoff`, at most one batch,
/// raising each resource's pruning mark; says how many went.
pub fn prune_batch(c: &Connection, cutoff: Timestamp) -> Result<usize, StoreError> {
    let oldest: Vec<(i64, String, i64)> = c
        .prepare_cached(
            "SELECT sequence, resource_id, at FROM identity_events ORDER BY sequence LIMIT ?1",
        )
        .and_then(|mut s| {
            s.query_map([PRUNE_BATCH], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(map_err)?;
    let old: Vec<&(i64, String, i64)> = oldest
        .iter()
        .take_while(|(_, _, at)| *at < cutoff.micros())
        .collect();
    let Some((last, _, _)) = old.last() else {
        return Ok(0);
    };
    let mut marks: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for (sequence, resource, _) in &old {
        let mark = marks.entry(resource.as_str()).or_insert(*sequence);
        *mark = (*mark).max(*sequence);
    }
    for (resource, through) in marks {
        c.prepare_cached(
            "INSERT INTO identity_event_pruning (resource_id, through) VALUES (?1, ?2)
             ON CONFLICT (resource_id) DO UPDATE SET through = max(through, excluded.through)",
        )
        .and_then(|mut s| s.execute(params![resource, through]))
        .map_err(map_err)?;
    }
    c.prepare_cached("DELETE FROM identity_events WHERE sequence <= ?1")
        .and_then(|mut s| s.execute([last]))
        .map_err(map_err)
}

/// The paging secret, made on first use.
pub fn paging_secret(c: &Connection, fresh: &str) -> Result<String, StoreError> {
    c.execute(
        "INSERT OR IGNORE INTO commid_settings (name, value) VALUES ('paging_secret', ?1)",
        [fresh],
    )
    .and_then(|_| {
        c.query_row(
            "SELECT value FROM commid_settings WHERE name = 'paging_secret'",
            [],
            |r| r.get(0),
        )
    })
    .map_err(map_err)
}

//! [`SubscriptionStore`] on SQLite: reads on the readers, writes through
//! the one writer, so a create's count-and-insert and a lease's
//! select-and-update are atomic. One server holds the database, so a lease
//! is only ever contested by that server's own earlier run (see
//! [`release_leases`]).

use super::{SqliteStore, events, map_err};
use crate::domain::{ResourceId, SubscriptionId, SubscriptionState, Timestamp};
use crate::storage::StoreError;
use crate::storage::subscriptions::{
    LeaseOwner, MAX_PER_RESOURCE, NewSubscription, Progress, SUBSCRIPTION_COLUMNS,
    StoredSubscription, SubscriptionColumns, SubscriptionCounts, SubscriptionStore, created,
    secret_column, stored,
};
use crate::vault::Vault;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

fn row(r: &Row<'_>) -> rusqlite::Result<SubscriptionColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
    ))
}

/// The leases of this database's previous server: it is gone (one server
/// holds a SQLite database), so what it was delivering is due again now,
/// not when its leases would expire.
pub fn release_leases(c: &Connection) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until = NULL
         WHERE lease_owner IS NOT NULL",
        [],
    )
    .map(drop)
}

fn create(
    c: &Connection,
    vault: &Vault,
    new: NewSubscription,
) -> Result<Option<StoredSubscription>, StoreError> {
    let resource = new.resource.to_string();
    let existing: i64 = c
        .prepare_cached("SELECT count(*) FROM webhook_subscriptions WHERE resource_id = ?1")
        .and_then(|mut s| s.query_row([&resource], |r| r.get(0)))
        .map_err(map_err)?;
    if existing as usize >= MAX_PER_RESOURCE {
        return Ok(None);
    }
    let position = events::end(c).map_err(map_err)?;
    let row = created(new, position);
    let secret = secret_column(vault, row.id, &row.secret)?;
    c.prepare_cached(
        "INSERT INTO webhook_subscriptions (id, resource_id, callback_url, kinds, custom_id, secret,
           created_at, position, state, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            row.id.to_string(),
            resource,
            row.callback_url.as_str(),
            row.kinds.mask(),
            row.custom_id.as_ref().map(|c| c.as_str()),
            secret,
            row.created_at.micros(),
            row.position.0 as i64,
            row.state.as_str(),
            row.next_attempt_at.micros(),
        ])
    })
    .map_err(map_err)?;
    Ok(Some(row))
}

fn set_state(
    c: &Connection,
    vault: &Vault,
    resource: ResourceId,
    id: SubscriptionId,
    state: SubscriptionState,
    at: Timestamp,
) -> Result<Option<StoredSubscription>, StoreError> {
    let (resource_text, id_text) = (resource.to_string(), id.to_string());
    let changed = match state {
        SubscriptionState::Active => c.execute(
            "UPDATE webhook_subscriptions SET state = 'active', failures = 0, last_error = NULL,
               next_attempt_at = ?3, lease_owner = NULL, lease_until = NULL
             WHERE resource_id = ?1 AND id = ?2",
            params![resource_text, id_text, at.micros()],
        ),
        SubscriptionState::Suspended => c.execute(
            "UPDATE webhook_subscriptions SET state = 'suspended', lease_owner = NULL,
               lease_until = NULL
             WHERE resource_id = ?1 AND id = ?2",
            params![resource_text, id_text],
        ),
    }
    .map_err(map_err)?;
    if changed == 0 {
        return Ok(None);
    }
    select_one(c, resource, id)
        .map_err(map_err)?
        .map(|row| stored(row, vault))
        .transpose()
}

fn select_one(
    c: &Connection,
    resource: ResourceId,
    id: SubscriptionId,
) -> rusqlite::Result<Option<SubscriptionColumns>> {
    c.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE resource_id = ?1 AND id = ?2"
    ))?
    .query_row(params![resource.to_string(), id.to_string()], row)
    .optional()
}

fn lease(
    c: &Connection,
    vault: &Vault,
    owner: &LeaseOwner,
    now: Timestamp,
    until: Timestamp,
    limit: usize,
) -> Result<Vec<StoredSubscription>, StoreError> {
    let rows = c
        .prepare_cached(&format!(
            "UPDATE webhook_subscriptions SET lease_owner = ?1, lease_until = ?2
             WHERE id IN (SELECT id FROM webhook_subscriptions
                          WHERE state = 'active' AND next_attempt_at <= ?3
                            AND (lease_owner IS NULL OR lease_until < ?3)
                          ORDER BY next_attempt_at LIMIT ?4)
             RETURNING {SUBSCRIPTION_COLUMNS}"
        ))
        .and_then(|mut s| {
            s.query_map(
                params![owner.0, until.micros(), now.micros(), limit as i64],
                row,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(map_err)?;
    rows.into_iter().map(|row| stored(row, vault)).collect()
}

fn record(
    c: &Connection,
    id: SubscriptionId,
    owner: &LeaseOwner,
    progress: Progress,
) -> Result<bool, StoreError> {
    let (id, owner) = (id.to_string(), owner.0.as_str());
    // Run for every delivery: prepared once.
    let exec = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
        c.prepare_cached(sql).and_then(|mut s| s.execute(params))
    };
    let changed = match progress {
        Progress::Advanced {
            position,
            delivered,
            at,
            lease_until,
        } => exec(
            "UPDATE webhook_subscriptions SET position = ?3, delivered = delivered + ?4,
               failures = 0, last_error = NULL, lease_until = ?6, next_attempt_at = ?5,
               last_attempt_at = CASE WHEN ?4 > 0 THEN ?5 ELSE last_attempt_at END,
               last_delivered_at = CASE WHEN ?4 > 0 THEN ?5 ELSE last_delivered_at END
             WHERE id = ?1 AND lease_owner = ?2",
            params![
                id,
                owner,
                position.0 as i64,
                delivered as i64,
                at.micros(),
                lease_until.micros()
            ],
        ),
        Progress::Renewed { lease_until } => exec(
            "UPDATE webhook_subscriptions SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2",
            params![id, owner, lease_until.micros()],
        ),
        Progress::Failed {
            at,
            error,
            retry_at,
            suspend,
        } => exec(
            "UPDATE webhook_subscriptions SET failures = failures + 1, last_error = ?3,
               last_attempt_at = ?4, next_attempt_at = ?5,
               state = CASE WHEN ?6 THEN 'suspended' ELSE state END,
               lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            params![id, owner, error, at.micros(), retry_at.micros(), suspend],
        ),
        Progress::Released => exec(
            "UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            params![id, owner],
        ),
    }
    .map_err(map_err)?;
    Ok(changed == 1)
}

#[async_trait]
impl SubscriptionStore for SqliteStore {
    async fn create_subscription(
        &self,
        new: NewSubscription,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        let vault = self.vault.clone();
        self.writer.write(move |c| create(c, &vault, new)).await
    }

    async fn subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        self.readers
            .read(|c| select_one(c, resource, id))?
            .map(|row| stored(row, &self.vault))
            .transpose()
    }

    async fn subscriptions(
        &self,
        resource: ResourceId,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        let rows = self.readers.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions
                 WHERE resource_id = ?1 ORDER BY created_at, id"
            ))?
            .query_map([resource.to_string()], row)?
            .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter()
            .map(|row| stored(row, &self.vault))
            .collect()
    }

    async fn delete_subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<bool, StoreError> {
        self.writer
            .write(move |c| {
                c.execute(
                    "DELETE FROM webhook_subscriptions WHERE resource_id = ?1 AND id = ?2",
                    params![resource.to_string(), id.to_string()],
                )
                .map(|n| n > 0)
                .map_err(map_err)
            })
            .await
    }

    async fn set_subscription_state(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
        state: SubscriptionState,
        at: Timestamp,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        let vault = self.vault.clone();
        self.writer
            .write(move |c| set_state(c, &vault, resource, id, state, at))
            .await
    }

    async fn lease_subscriptions(
        &self,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        let (owner, vault) = (owner.clone(), self.vault.clone());
        self.writer
            .write(move |c| lease(c, &vault, &owner, now, until, limit))
            .await
    }

    async fn record_progress(
        &self,
        id: SubscriptionId,
        owner: &LeaseOwner,
        progress: Progress,
    ) -> Result<bool, StoreError> {
        let owner = owner.clone();
        // Lost to a power cut, a position only makes the deliveries since
        // the last synced one happen again.
        self.writer
            .write_relaxed(move |c| record(c, id, &owner, progress))
            .await
    }

    async fn subscription_counts(&self) -> Result<SubscriptionCounts, StoreError> {
        self.readers.read(|c| {
            let mut counts = SubscriptionCounts::default();
            let mut stmt = c.prepare_cached(
                "SELECT state, count(*) FROM webhook_subscriptions GROUP BY state",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for r in rows {
                let (state, n) = r?;
                match SubscriptionState::parse(&state) {
                    Some(SubscriptionState::Active) => counts.active = n as u64,
                    Some(SubscriptionState::Suspended) => counts.suspended = n as u64,
                    None => {}
                }
            }
            Ok(counts)
        })
    }
}

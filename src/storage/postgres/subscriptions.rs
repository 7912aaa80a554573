//! [`SubscriptionStore`] on PostgreSQL, with several instances delivering:
//! a lease is taken with `FOR UPDATE SKIP LOCKED`, so two instances leasing
//! at once never get the same subscription, and every record of progress
//! names its lease holder, so an instance whose lease was taken over (it
//! stalled past it) records nothing.

use super::{PostgresStore, events};
use crate::domain::{ResourceId, SubscriptionId, SubscriptionState, Timestamp};
use crate::storage::StoreError;
use crate::storage::subscriptions::{
    LeaseOwner, MAX_PER_RESOURCE, NewSubscription, Progress, SUBSCRIPTION_COLUMNS,
    StoredSubscription, SubscriptionCounts, SubscriptionStore, created, secret_column, stored,
};
use crate::vault::Vault;
use async_trait::async_trait;
use tokio_postgres::Row;

fn columns(r: &Row, vault: &Vault) -> Result<StoredSubscription, StoreError> {
    stored(
        (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
            r.get(7),
            r.get(8),
            r.get(9),
            r.get(10),
            r.get(11),
            r.get(12),
            r.get(13),
            r.get(14),
        ),
        vault,
    )
}

#[async_trait]
impl SubscriptionStore for PostgresStore {
    async fn create_subscription(
        &self,
        new: NewSubscription,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        // After every committed event is numbered: what commits later is
        // numbered past this position, and delivered.
        let position = events::end(self).await?;
        let row = created(new, position);
        let secret = secret_column(&self.vault, row.id, &row.secret)?;
        let inserted = self
            .query(
                "INSERT INTO webhook_subscriptions (id, resource_id, callback_url, kinds, custom_id,
                   secret, created_at, position, state, next_attempt_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
                 WHERE (SELECT count(*) FROM webhook_subscriptions WHERE resource_id = $2) < $11
                 RETURNING 1",
                &[
                    &row.id.to_string(),
                    &row.resource.to_string(),
                    &row.callback_url.as_str(),
                    &row.kinds.mask(),
                    &row.custom_id.as_ref().map(|c| c.as_str()),
                    &secret,
                    &row.created_at.micros(),
                    &(row.position.0 as i64),
                    &row.state.as_str(),
                    &row.next_attempt_at.micros(),
                    &(MAX_PER_RESOURCE as i64),
                ],
            )
            .await?;
        Ok((!inserted.is_empty()).then_some(row))
    }

    async fn subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions
                     WHERE resource_id = $1 AND id = $2"
                ),
                &[&resource.to_string(), &id.to_string()],
            )
            .await?;
        rows.first().map(|r| columns(r, &self.vault)).transpose()
    }

    async fn subscriptions(
        &self,
        resource: ResourceId,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions
                     WHERE resource_id = $1 ORDER BY created_at, id"
                ),
                &[&resource.to_string()],
            )
            .await?;
        rows.iter().map(|r| columns(r, &self.vault)).collect()
    }

    async fn delete_subscription(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
    ) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "DELETE FROM webhook_subscriptions WHERE resource_id = $1 AND id = $2 RETURNING 1",
                &[&resource.to_string(), &id.to_string()],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn set_subscription_state(
        &self,
        resource: ResourceId,
        id: SubscriptionId,
        state: SubscriptionState,
        at: Timestamp,
    ) -> Result<Option<StoredSubscription>, StoreError> {
        let (resource, id) = (resource.to_string(), id.to_string());
        let rows = match state {
            SubscriptionState::Active => {
                self.query(
                    &format!(
                        "UPDATE webhook_subscriptions SET state = 'active', failures = 0,
                           last_error = NULL, next_attempt_at = $3, lease_owner = NULL,
                           lease_until = NULL
                         WHERE resource_id = $1 AND id = $2 RETURNING {SUBSCRIPTION_COLUMNS}"
                    ),
                    &[&resource, &id, &at.micros()],
                )
                .await?
            }
            SubscriptionState::Suspended => {
                self.query(
                    &format!(
                        "UPDATE webhook_subscriptions SET state = 'suspended', lease_owner = NULL,
                           lease_until = NULL
                         WHERE resource_id = $1 AND id = $2 RETURNING {SUBSCRIPTION_COLUMNS}"
                    ),
                    &[&resource, &id],
                )
                .await?
            }
        };
        rows.first().map(|r| columns(r, &self.vault)).transpose()
    }

    async fn lease_subscriptions(
        &self,
        owner: &LeaseOwner,
        now: Timestamp,
        until: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredSubscription>, StoreError> {
        let returned = SUBSCRIPTION_COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = self
            .query(
                &format!(
                    "UPDATE webhook_subscriptions s SET lease_owner = $1, lease_until = $2
                     FROM (SELECT id FROM webhook_subscriptions
                           WHERE state = 'active' AND next_attempt_at <= $3
                             AND (lease_owner IS NULL OR lease_until < $3)
                           ORDER BY next_attempt_at LIMIT $4
                           FOR UPDATE SKIP LOCKED) due
                     WHERE s.id = due.id
                     RETURNING {returned}"
                ),
                &[&owner.0, &until.micros(), &now.micros(), &(limit as i64)],
            )
            .await?;
        rows.iter().map(|r| columns(r, &self.vault)).collect()
    }

    async fn record_progress(
        &self,
        id: SubscriptionId,
        owner: &LeaseOwner,
        progress: Progress,
    ) -> Result<bool, StoreError> {
        let (id, owner) = (id.to_string(), owner.0.as_str());
        let rows = match progress {
            Progress::Advanced {
                position,
                delivered,
                at,
                lease_until,
            } => {
                self.query(
                    "UPDATE webhook_subscriptions SET position = $3, delivered = delivered + $4,
                       failures = 0, last_error = NULL, lease_until = $6, next_attempt_at = $5,
                       last_attempt_at = CASE WHEN $4 > 0 THEN $5 ELSE last_attempt_at END,
                       last_delivered_at = CASE WHEN $4 > 0 THEN $5 ELSE last_delivered_at END
                     WHERE id = $1 AND lease_owner = $2 RETURNING 1",
                    &[
                        &id,
                        &owner,
                        &(position.0 as i64),
                        &(delivered as i64),
                        &at.micros(),
                        &lease_until.micros(),
                    ],
                )
                .await?
            }
            Progress::Renewed { lease_until } => {
                self.query(
                    "UPDATE webhook_subscriptions SET lease_until = $3
                     WHERE id = $1 AND lease_owner = $2 RETURNING 1",
                    &[&id, &owner, &lease_until.micros()],
                )
                .await?
            }
            Progress::Failed {
                at,
                error,
                retry_at,
                suspend,
            } => {
                self.query(
                    "UPDATE webhook_subscriptions SET failures = failures + 1, last_error = $3,
                       last_attempt_at = $4, next_attempt_at = $5,
                       state = CASE WHEN $6 THEN 'suspended' ELSE state END,
                       lease_owner = NULL, lease_until = NULL
                     WHERE id = $1 AND lease_owner = $2 RETURNING 1",
                    &[
                        &id,
                        &owner,
                        &error,
                        &at.micros(),
                        &retry_at.micros(),
                        &suspend,
                    ],
                )
                .await?
            }
            Progress::Released => {
                self.query(
                    "UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until = NULL
                     WHERE id = $1 AND lease_owner = $2 RETURNING 1",
                    &[&id, &owner],
                )
                .await?
            }
        };
        Ok(rows.len() == 1)
    }

    async fn subscription_counts(&self) -> Result<SubscriptionCounts, StoreError> {
        let rows = self
            .query(
                "SELECT state, count(*) FROM webhook_subscriptions GROUP BY state",
                &[],
            )
            .await?;
        let mut counts = SubscriptionCounts::default();
        for r in &rows {
            let n = r.get::<_, i64>(1) as u64;
            match SubscriptionState::parse(r.get(0)) {
                Some(SubscriptionState::Active) => counts.active = n,
                Some(SubscriptionState::Suspended) => counts.suspended = n,
                None => {}
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_lease_returns_every_column_of_the_updated_row() {
        let returned: Vec<String> = super::SUBSCRIPTION_COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect();
        assert_eq!(returned.len(), 15);
        assert!(returned.iter().all(|c| !c.contains(' ')), "{returned:?}");
    }
}

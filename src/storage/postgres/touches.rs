//! The PostgreSQL side of [`crate::storage::touches`]: a task writes each
//! gathered batch with one statement. A batch that fails (the database
//! away, a deadlock with another instance) is put back for the next flush.

use crate::domain::{IdentityId, Timestamp};
use crate::storage::touches::{FLUSH_EVERY, Touches};
use deadpool_postgres::Pool;
use std::sync::Weak;
use std::time::Duration;

/// Starts the flushing task, which ends once the store's `Touches` is gone.
pub fn start(pool: Pool, timeout: Duration, touches: Weak<Touches>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(touches) = touches.upgrade() else {
                return;
            };
            let batch = touches.take();
            if batch.is_empty() {
                continue;
            }
            if let Err(e) = write(&pool, timeout, &batch).await {
                log::warn!(
                    "cannot record lastTokenIssuedAt of {} identities yet, will retry: {e}",
                    batch.len()
                );
                touches.restore(batch);
            }
        }
    });
}

/// One statement for the whole batch, within `timeout`.
pub async fn write(
    pool: &Pool,
    timeout: Duration,
    batch: &[(IdentityId, Timestamp)],
) -> Result<(), String> {
    let ids: Vec<String> = batch.iter().map(|(id, _)| id.to_string()).collect();
    let times: Vec<i64> = batch.iter().map(|(_, at)| at.micros()).collect();
    let work = async {
        let client = pool.get().await.map_err(|e| e.to_string())?;
        client
            .execute(
                "UPDATE identities AS i
                 SET last_token_issued_at = GREATEST(i.last_token_issued_at, t.at)
                 FROM UNNEST($1::text[], $2::bigint[]) AS t(id, at)
                 WHERE i.id = t.id AND i.deleted_at IS NULL",
                &[&ids, &times],
            )
            .await
            .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

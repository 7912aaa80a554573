//! The tasks a server runs beside its requests: reloading what other
//! instances and commands change, pruning the change feed, and keeping the
//! limiters' memory small.

use crate::directory::Directory;
use crate::http::state::AppState;
use crate::roles::RoleBook;
use crate::storage::Store;
use crate::tokens::KeyRing;
use actix_web::web::Data;
use std::sync::Arc;
use std::time::Duration;

/// How often a server rereads resources, signing keys and roles changed by
/// administrative commands or other instances.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// How often events past the retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Deletes the change feed's events once they are older than `retention`.
pub(super) async fn prune(store: Arc<dyn Store>, retention: Duration) {
    let mut ticker = tokio::time::interval(PRUNE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let cutoff = crate::domain::Timestamp::from_micros(
            crate::domain::Timestamp::now().micros() - retention.as_micros() as i64,
        );
        match store.prune_events(cutoff).await {
            Ok(0) => {}
            Ok(n) => log::info!("pruned {n} change feed events past the retention"),
            Err(e) => log::warn!("cannot prune the change feed: {e}"),
        }
    }
}

pub(super) async fn refresh(
    store: Arc<dyn Store>,
    directory: Arc<Directory>,
    keys: Arc<KeyRing>,
    roles: Arc<RoleBook>,
) {
    let mut ticker = tokio::time::interval(REFRESH_EVERY);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        if let Err(e) = directory.reload(&*store).await {
            log::warn!("cannot reload resources: {e}");
        }
        if let Err(e) = keys.reload(&*store).await {
            log::warn!("cannot reload signing keys: {}", crate::report::chain(&e));
        }
        if let Err(e) = roles.reload(&*store).await {
            log::warn!("cannot reload the roles: {e}");
        }
    }
}

/// How often the limiters forget the keys they no longer need.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// Keeps the limiters' memory to the resources and addresses seen lately.
pub(super) async fn forget_idle_limits(state: Data<AppState>) {
    let mut ticker = tokio::time::interval(FORGET_IDLE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Some(limiter) = &state.limiter {
            limiter.forget_idle();
        }
        if let Some(failures) = &state.failures {
            failures.forget_idle();
        }
    }
}

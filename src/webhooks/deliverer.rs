//! The deliverer: a background task of each server (owned by
//! `Application::build`, stopped with it) that leases due subscriptions and
//! runs one worker per leased subscription. A worker takes the events after
//! the subscription's position it asks for (from the feed's tail in memory,
//! `tail.rs`, or from the store while it is behind), posts each in feed
//! order, and records the new position after each delivery: at least once,
//! and after a crash only the delivery under way is repeated. A failure
//! gives the lease up until the retry is due (or suspends the subscription
//! after too many); a caught-up worker keeps its lease, renewing it, and
//! waits until the tail reads an event it asks for.

use super::backoff;
use super::sender::{Failure, Outcome, Sender};
use super::tail::{Registration, Tail};
use super::{Counts, WebhookOptions};
use crate::domain::{FeedPosition, SubscriptionId, Timestamp};
use crate::storage::{EventsRead, IdentityEvent, LeaseOwner, Progress, Store, StoredSubscription};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often the deliverer looks for due subscriptions, and the tail for
/// events of other instances.
pub(super) const POLL: Duration = Duration::from_millis(500);
/// Subscriptions one server delivers to at once, at most.
const MAX_WORKERS: usize = 256;
/// Events read at a time.
const BATCH: usize = 500;
/// How often the subscription counts of the metrics are read.
const COUNT_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub(super) struct Worker {
    pub store: Arc<dyn Store>,
    pub sender: Sender,
    pub options: WebhookOptions,
    pub owner: LeaseOwner,
    pub counts: Arc<Counts>,
    pub tail: Arc<Tail>,
    pub stop: watch::Receiver<bool>,
}

impl Worker {
    /// How long a lease lasts: three times the longest delivery.
    pub fn lease(&self) -> Duration {
        (self.options.timeout * 3).max(Duration::from_secs(3))
    }

    fn lease_until(&self) -> Timestamp {
        after(self.lease())
    }

    /// Told to stop, or its owner is gone.
    fn stopping(&self) -> bool {
        *self.stop.borrow() || self.stop.has_changed().is_err()
    }

    /// Leases due subscriptions and runs their workers until told to stop;
    /// then lets the workers finish their delivery under way and give
    /// their leases up.
    pub async fn dispatch(self) {
        let mut workers = JoinSet::new();
        // The subscriptions this server has a worker for: leased again (a
        // suspend and a resume in between), they keep that one worker,
        // which holds the new lease (it is this server's).
        let mut running: HashSet<SubscriptionId> = HashSet::new();
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop = self.stop.clone();
        let mut counted: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = changed(&mut stop) => {}
            }
            while let Some(done) = workers.try_join_next() {
                if let Ok(id) = done {
                    running.remove(&id);
                }
            }
            if self.stopping() {
                break;
            }
            let free = MAX_WORKERS.saturating_sub(workers.len());
            if free > 0 {
                let leased = self
                    .store
                    .lease_subscriptions(&self.owner, Timestamp::now(), self.lease_until(), free)
                    .await;
                match leased {
                    Ok(leased) => {
                        for subscription in leased {
                            let id = subscription.id;
                            if running.insert(id) {
                                let worker = self.clone();
                                workers.spawn(async move {
                                    worker.run(subscription).await;
                                    id
                                });
                            }
                        }
                    }
                    Err(e) => log::warn!("cannot lease webhook subscriptions: {e}"),
                }
            }
            if counted.is_none_or(|at| at.elapsed() >= COUNT_EVERY) {
                if let Ok(counts) = self.store.subscription_counts().await {
                    self.counts.active.store(counts.active, Ordering::Relaxed);
                    self.counts
                        .suspended
                        .store(counts.suspended, Ordering::Relaxed);
                }
                counted = Some(Instant::now());
            }
        }
        let grace = self.options.timeout + Duration::from_secs(2);
        let finished = tokio::time::timeout(grace, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            workers.abort_all();
        }
    }

    /// Delivers to `s` while it holds the lease. `cursor` is how far it has
    /// read: events not asked for are passed over, and their position is
    /// recorded with the next delivery or lease renewal (read again after a
    /// crash, they are passed over again).
    async fn run(mut self, mut s: StoredSubscription) {
        let registration = self.tail.register(&s);
        let mut renewed = Instant::now();
        let mut cursor = s.position;
        // Whether it waited since it last made sure it is still wanted.
        let mut waited = false;
        loop {
            if self.stopping() {
                if cursor > s.position {
                    self.advance(&mut s, cursor, 0).await;
                }
                self.record(&s, Progress::Released).await;
                return;
            }
            let read = match registration.after(cursor, BATCH) {
                Some(read) => Ok(read),
                None => self.behind(&s, &registration, cursor).await,
            };
            let (events, through) = match read {
                Ok(read) => read,
                Err(None) => {
                    self.wait(&registration).await;
                    continue;
                }
                Err(Some(through)) => {
                    log::warn!(
                        "webhook subscription {} fell behind the change feed's retention: the events \
                         through {} were pruned before they were delivered; it goes on after them",
                        s.id,
                        through.0
                    );
                    if !self.advance(&mut s, through, 0).await {
                        return;
                    }
                    cursor = through;
                    continue;
                }
            };
            if events.is_empty() && through == cursor {
                if renewed.elapsed() > self.lease() / 3 {
                    let kept = if cursor > s.position {
                        self.advance(&mut s, cursor, 0).await
                    } else {
                        let lease_until = self.lease_until();
                        self.record(&s, Progress::Renewed { lease_until }).await
                    };
                    if !kept {
                        return;
                    }
                    renewed = Instant::now();
                }
                self.wait(&registration).await;
                waited = true;
                continue;
            }
            let mut all = true;
            for event in &events {
                if self.stopping() {
                    all = false;
                    break;
                }
                if waited {
                    if !self.still_wanted(&s).await {
                        return;
                    }
                    waited = false;
                }
                if s.failures > 0 {
                    self.counts.retries.fetch_add(1, Ordering::Relaxed);
                }
                match self.sender.send(&s, event).await {
                    Outcome::Delivered => {
                        self.delivered(event);
                        if !self.advance(&mut s, event.position, 1).await {
                            return;
                        }
                        cursor = event.position;
                        renewed = Instant::now();
                    }
                    Outcome::Failed(failure) => {
                        self.failed(&s, failure).await;
                        return;
                    }
                }
            }
            if all {
                cursor = cursor.max(through);
            }
        }
    }

    /// Reads the store after `cursor`, for a worker behind the tail in
    /// memory: the events asked for and the position read through, or
    /// `Err(Some(through))` when the store pruned events after `cursor`
    /// (through `through`), `Err(None)` when it could not read.
    async fn behind(
        &self,
        s: &StoredSubscription,
        registration: &Registration,
        cursor: FeedPosition,
    ) -> Result<(Vec<IdentityEvent>, FeedPosition), Option<FeedPosition>> {
        match self.store.identity_events(s.resource, cursor, BATCH).await {
            Ok(EventsRead::Events(events)) => {
                let through = events.last().map_or(cursor, |e| e.position);
                let filter = registration.filter();
                Ok((
                    events.into_iter().filter(|e| filter.wants(e)).collect(),
                    through,
                ))
            }
            Ok(EventsRead::Expired { through }) => Err(Some(through)),
            Err(e) => {
                log::warn!(
                    "webhook subscription {}: cannot read the change feed: {e}",
                    s.id
                );
                Err(None)
            }
        }
    }

    fn delivered(&self, event: &IdentityEvent) {
        self.counts.delivered.fetch_add(1, Ordering::Relaxed);
        let micros = (Timestamp::now().micros() - event.at.micros()).max(0);
        self.counts.latency.observe(micros as f64 / 1e6);
    }

    async fn advance(
        &self,
        s: &mut StoredSubscription,
        position: FeedPosition,
        delivered: u64,
    ) -> bool {
        let progress = Progress::Advanced {
            position,
            delivered,
            at: Timestamp::now(),
            lease_until: self.lease_until(),
        };
        let kept = self.record(s, progress).await;
        s.position = position;
        s.failures = 0;
        kept
    }

    async fn failed(&self, s: &StoredSubscription, failure: Failure) {
        self.counts.failed.fetch_add(1, Ordering::Relaxed);
        let failures = s.failures + 1;
        let suspend = failure.gone || failures >= self.options.max_failures;
        let wait = backoff::wait(
            self.options.retry_base,
            failures,
            failure.retry_after,
            backoff::random(),
        );
        let origin = s.callback_url.origin();
        if suspend {
            self.counts.suspensions.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                "webhook subscription {}: delivery to {origin} failed ({}), {failures} in a row: \
                 suspended until it is resumed",
                s.id,
                failure.reason
            );
        } else {
            log::warn!(
                "webhook subscription {}: delivery to {origin} failed ({}), {failures} in a row; \
                 next attempt in {} ms",
                s.id,
                failure.reason,
                wait.as_millis()
            );
        }
        let progress = Progress::Failed {
            at: Timestamp::now(),
            error: failure.reason,
            retry_at: after(wait),
            suspend,
        };
        self.record(s, progress).await;
    }

    /// Records `progress`; `false` when the lease is no longer this
    /// worker's (taken over, suspended, resumed, deleted) or the store
    /// failed: the worker stops, and the lease holder or the next lease
    /// goes on from the recorded position.
    async fn record(&self, s: &StoredSubscription, progress: Progress) -> bool {
        match self
            .store
            .record_progress(s.id, &self.owner, progress)
            .await
        {
            Ok(kept) => kept,
            Err(e) => {
                log::warn!(
                    "webhook subscription {}: cannot record its progress: {e}",
                    s.id
                );
                false
            }
        }
    }

    /// Whether `s` is still there and active, before the first delivery
    /// after a wait: deleted or suspended meanwhile, it gets nothing more
    /// (its lease went with it).
    async fn still_wanted(&self, s: &StoredSubscription) -> bool {
        match self.store.subscription(s.resource, s.id).await {
            Ok(Some(now)) => now.state == crate::domain::SubscriptionState::Active,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// Until the tail reads an event `registration` asks for, the poll
    /// interval passes (the lease is renewed on time), or the stop.
    async fn wait(&mut self, registration: &Registration) {
        tokio::select! {
            _ = registration.woken() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = changed(&mut self.stop) => {}
        }
    }
}

/// When `receiver` sees a new value; never, once its sender is gone (the
/// poll interval and the stop flag still end the wait).
pub(super) async fn changed<T>(receiver: &mut watch::Receiver<T>) {
    if receiver.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn after(wait: Duration) -> Timestamp {
    Timestamp::from_micros(Timestamp::now().micros() + wait.as_micros() as i64)
}

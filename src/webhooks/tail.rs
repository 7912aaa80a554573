//! The tail of the change feed, read once per server for all its workers.
//!
//! Each subscription's worker used to read the feed after its own position
//! and pass over, in memory, the events it had not asked for: with a
//! hundred subscriptions each asking for one user's events, every event
//! was read from the store a hundred times, and every write woke a hundred
//! workers to read it. The tail reads each resource's new events once,
//! keeps the latest in memory and wakes only the workers that asked for
//! one of them. A worker behind what memory holds (just leased, after a
//! failure, resumed with a backlog) reads the store itself until it has
//! caught up.
//!
//! What memory holds is exact: every event of the resource after `start`
//! through `end`, read in feed order as every reader of the feed reads it
//! (a reader that has seen position n has seen every event before it).

use super::deliverer::changed;
use crate::domain::{CustomId, EventKinds, FeedPosition, ResourceId, SubscriptionId};
use crate::storage::{EventsRead, IdentityEvent, Store, StoredSubscription};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Events kept in memory per resource that has a worker here: a second's
/// worth at a thousand events a second, for workers a little behind the
/// tail; further behind, a worker reads the store. At most a few hundred
/// bytes each (a custom id is up to 256 characters), so well under a
/// megabyte per resource.
const KEPT: usize = 1024;
/// Events read from the store at a time.
const BATCH: usize = 500;
/// How long the tail lets writes gather after this server wrote one,
/// before it reads: at a thousand writes a second, one read takes several
/// rather than each write costing a read.
const SETTLE: Duration = Duration::from_millis(5);

/// What a subscription asked for.
#[derive(Clone)]
pub(super) struct Filter {
    kinds: EventKinds,
    custom_id: Option<CustomId>,
}

impl Filter {
    pub fn of(s: &StoredSubscription) -> Filter {
        Filter {
            kinds: s.kinds,
            custom_id: s.custom_id.clone(),
        }
    }

    pub fn wants(&self, event: &IdentityEvent) -> bool {
        self.kinds.contains(event.kind)
            && self
                .custom_id
                .as_ref()
                .is_none_or(|c| event.custom_id.as_ref() == Some(c))
    }
}

/// The tails of the resources that have a worker on this server.
pub(super) struct Tail {
    store: Arc<dyn Store>,
    resources: Mutex<HashMap<ResourceId, Arc<Mutex<Buffer>>>>,
}

struct Buffer {
    /// Every event of the resource after `start` through `end`, in order;
    /// at most `kept`.
    events: VecDeque<IdentityEvent>,
    kept: usize,
    start: FeedPosition,
    end: FeedPosition,
    listeners: HashMap<SubscriptionId, (Filter, Arc<Notify>)>,
}

impl Buffer {
    fn at(position: FeedPosition, kept: usize) -> Buffer {
        Buffer {
            events: VecDeque::new(),
            kept,
            start: position,
            end: position,
            listeners: HashMap::new(),
        }
    }

    /// The events after `cursor` that `filter` wants, at most `limit`, and
    /// the position read through; `None` when `cursor` is before `start`.
    fn after(
        &self,
        filter: &Filter,
        cursor: FeedPosition,
        limit: usize,
    ) -> Option<(Vec<IdentityEvent>, FeedPosition)> {
        if cursor < self.start {
            return None;
        }
        let from = self.events.partition_point(|e| e.position <= cursor);
        let mut wanted = Vec::new();
        for event in self.events.range(from..) {
            if filter.wants(event) {
                wanted.push(event.clone());
                if wanted.len() == limit {
                    return Some((wanted, event.position));
                }
            }
        }
        Some((wanted, self.end.max(cursor)))
    }

    fn append(&mut self, events: Vec<IdentityEvent>) {
        for event in events {
            for (filter, wake) in self.listeners.values() {
                if filter.wants(&event) {
                    wake.notify_one();
                }
            }
            self.end = event.position;
            self.events.push_back(event);
        }
        while self.events.len() > self.kept {
            if let Some(oldest) = self.events.pop_front() {
                self.start = oldest.position;
            }
        }
    }

    /// The store pruned what follows `end`: memory starts again after
    /// `through`, and every worker looks (the ones behind it learn of the
    /// gap from the store, as before).
    fn restart(&mut self, through: FeedPosition) {
        self.events.clear();
        self.start = through;
        self.end = through;
        for (_, wake) in self.listeners.values() {
            wake.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // What the lock guards stays whole even if a holder panicked: every
    // change under it is a push, a pop or an assignment.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Tail {
    pub fn new(store: Arc<dyn Store>) -> Arc<Tail> {
        Arc::new(Tail {
            store,
            resources: Mutex::new(HashMap::new()),
        })
    }

    /// Follows `s`'s resource for `s`'s worker until the registration is
    /// dropped. A resource no worker followed yet starts at `s`'s position.
    pub fn register(self: &Arc<Self>, s: &StoredSubscription) -> Registration {
        let mut resources = lock(&self.resources);
        let buffer = resources
            .entry(s.resource)
            .or_insert_with(|| Arc::new(Mutex::new(Buffer::at(s.position, KEPT))))
            .clone();
        let wake = Arc::new(Notify::new());
        let filter = Filter::of(s);
        lock(&buffer)
            .listeners
            .insert(s.id, (filter.clone(), wake.clone()));
        Registration {
            tail: self.clone(),
            resource: s.resource,
            id: s.id,
            buffer,
            filter,
            wake,
        }
    }

    /// Reads what is new for every followed resource when this server
    /// writes an event (`feed`) or every `poll` (other instances' events),
    /// until told to stop.
    pub async fn run(
        self: Arc<Self>,
        mut feed: watch::Receiver<u64>,
        mut stop: watch::Receiver<bool>,
        poll: Duration,
    ) {
        loop {
            if *stop.borrow() {
                return;
            }
            let followed: Vec<_> = lock(&self.resources)
                .iter()
                .map(|(resource, buffer)| (*resource, buffer.clone()))
                .collect();
            for (resource, buffer) in followed {
                self.read(resource, &buffer).await;
            }
            tokio::select! {
                _ = changed(&mut feed) => tokio::time::sleep(SETTLE).await,
                _ = tokio::time::sleep(poll) => {}
                _ = changed(&mut stop) => {}
            }
        }
    }

    async fn read(&self, resource: ResourceId, buffer: &Mutex<Buffer>) {
        loop {
            let end = lock(buffer).end;
            match self.store.identity_events(resource, end, BATCH).await {
                Ok(EventsRead::Events(events)) => {
                    let more = events.len() == BATCH;
                    let mut b = lock(buffer);
                    // Only this task moves `end`; a buffer made again
                    // meanwhile (every worker left, one came) is read anew.
                    if b.end != end {
                        return;
                    }
                    b.append(events);
                    if !more {
                        return;
                    }
                }
                Ok(EventsRead::Expired { through }) => lock(buffer).restart(through),
                Err(e) => {
                    log::warn!("webhooks: cannot read the change feed: {e}");
                    return;
                }
            }
        }
    }
}

/// A worker's hold on its resource's tail.
pub(super) struct Registration {
    tail: Arc<Tail>,
    resource: ResourceId,
    id: SubscriptionId,
    buffer: Arc<Mutex<Buffer>>,
    filter: Filter,
    wake: Arc<Notify>,
}

impl Registration {
    /// The events after `cursor` the subscription asked for, at most
    /// `limit`, and the position read through (past the events not asked
    /// for); `None` when memory no longer holds what follows `cursor`.
    pub fn after(
        &self,
        cursor: FeedPosition,
        limit: usize,
    ) -> Option<(Vec<IdentityEvent>, FeedPosition)> {
        lock(&self.buffer).after(&self.filter, cursor, limit)
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Until the tail reads an event this subscription asked for (at once
    /// if one came since the last wait).
    pub async fn woken(&self) {
        self.wake.notified().await
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut resources = lock(&self.tail.resources);
        let mut b = lock(&self.buffer);
        b.listeners.remove(&self.id);
        if b.listeners.is_empty()
            && resources
                .get(&self.resource)
                .is_some_and(|current| Arc::ptr_eq(current, &self.buffer))
        {
            resources.remove(&self.resource);
        }
    }
}

#[cfg(test)]
#[path = "tail_tests.rs"]
mod tests;

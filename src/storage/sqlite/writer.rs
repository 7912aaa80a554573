//! One writer thread commits every write. Requests that arrive while a
//! commit is under way are committed together in the next transaction, so
//! durability costs one fsync per group, not one per request.

use super::map_err;
use crate::storage::StoreError;
use prometheus_client::metrics::histogram::Histogram;
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use tokio::sync::oneshot;

/// Tells a caller how its write ended, once the group's commit is known.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A write: runs inside the group's transaction (or is told it could not).
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> Reply + Send>;

const MAX_GROUP: usize = 512;

/// Writes per group commit: powers of two up to [`MAX_GROUP`].
const GROUP_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

#[derive(Clone)]
pub struct Writer {
    jobs: SyncSender<Job>,
    stats: WriterStats,
}

/// What the metrics read: the queue's depth and the size of each group.
#[derive(Clone)]
pub struct WriterStats {
    /// Writes queued and not yet taken by the writer thread.
    pub depth: Arc<AtomicI64>,
    pub group_writes: Histogram,
}

impl Writer {
    /// Starts the writer thread on `conn`. `capacity` bounds the queue: a
    /// write that finds it full is refused with `Busy`, never left waiting.
    pub fn start(conn: Connection, capacity: usize) -> Writer {
        let (jobs, rx) = sync_channel(capacity);
        let stats = WriterStats {
            depth: Arc::default(),
            group_writes: Histogram::new(GROUP_BUCKETS),
        };
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name("commid-sqlite-writer".into())
            .spawn(move || run(conn, rx, thread_stats))
            .expect("cannot start the SQLite writer thread");
        Writer { jobs, stats }
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `op` in the next group and resolves once that group is durable.
    pub async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.write_then(op, || {}).await
    }

    /// [`Self::write`], and `then` on the writer thread once the group's
    /// commit has ended (landed or not) and before the caller is told. The
    /// caller may stop waiting at any point (actix drops a handler whose
    /// client hung up): what must follow a write, such as dropping what a
    /// cache holds of the rows it changed, goes here, never after the
    /// caller's `.await`.
    pub async fn write_then<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        then: impl FnOnce() + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(|conn| in_savepoint(conn, op));
            Box::new(move |commit: Result<(), StoreError>| {
                then();
                let _ = tx.send(commit.and(result));
            })
        });
        self.submit(job)?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the SQLite writer stopped".into()))?
    }

    /// Queues `op` without waiting for it; dropped when the queue is full.
    pub fn write_behind(
        &self,
        op: impl FnOnce(&Connection) -> Result<(), StoreError> + Send + 'static,
    ) {
        let job: Job = Box::new(move |conn| {
            if let Err(e) = conn.and_then(|conn| in_savepoint(conn, op)) {
                log::warn!("a background write failed: {e}");
            }
            Box::new(|_| {})
        });
        if self.submit(job).is_err() {
            log::debug!("write queue full: a background write was dropped");
        }
    }

    fn submit(&self, job: Job) -> Result<(), StoreError> {
        // Counted before it is sent, so the writer never takes it first.
        self.stats.depth.fetch_add(1, Ordering::Relaxed);
        self.jobs.try_send(job).map_err(|e| {
            self.stats.depth.fetch_sub(1, Ordering::Relaxed);
            match e {
                TrySendError::Full(_) => StoreError::Busy,
                TrySendError::Disconnected(_) => {
                    StoreError::Unavailable("the SQLite writer stopped".into())
                }
            }
        })
    }
}

/// One failed write must not undo the others of its group.
fn in_savepoint<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT job").map_err(map_err)?;
    let result = op(conn);
    let end = if result.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    conn.execute_batch(end).map_err(map_err)?;
    result
}

fn run(conn: Connection, rx: Receiver<Job>, stats: WriterStats) {
    while let Ok(first) = rx.recv() {
        let mut group = Vec::with_capacity(16);
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        stats.depth.fetch_sub(group.len() as i64, Ordering::Relaxed);
        stats.group_writes.observe(group.len() as f64);
        let outcome = match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                let replies: Vec<Reply> = group.into_iter().map(|job| job(Ok(&conn))).collect();
                let commit = conn.execute_batch("COMMIT").map_err(map_err);
                if commit.is_err() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                (replies, commit)
            }
            Err(e) => {
                let e = map_err(e);
                let replies = group.into_iter().map(|job| job(Err(e.clone()))).collect();
                (replies, Err(e))
            }
        };
        let (replies, commit) = outcome;
        if let Err(e) = &commit {
            log::error!("a group commit failed: {e}");
        }
        for reply in replies {
            reply(commit.clone());
        }
    }
}

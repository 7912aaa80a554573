//! One writer thread commits every write. Requests that arrive while a
//! commit is under way are committed together in the next transaction, so
//! durability costs one fsync per group, not one per request; a group of
//! relaxed writes only ([`Writer::write_relaxed`]) costs none.

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

/// A job, and whether its group must reach the disk before it is answered.
struct Queued {
    job: Job,
    durable: bool,
}

#[derive(Clone)]
pub struct Writer {
    jobs: SyncSender<Queued>,
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
        self.write_as(true, op, then).await
    }

    /// [`Self::write`], answered once committed but not yet synced to the
    /// disk: a crash of the process loses nothing, a power loss may lose
    /// it (and every relaxed write after the last durable one). For what
    /// is done again when lost, such as a webhook subscription's position:
    /// its deliveries are at least once.
    pub async fn write_relaxed<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.write_as(false, op, || {}).await
    }

    async fn write_as<T: Send + 'static>(
        &self,
        durable: bool,
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
        self.submit(Queued { job, durable })?;
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
        if self.submit(Queued { job, durable: true }).is_err() {
            log::debug!("write queue full: a background write was dropped");
        }
    }

    fn submit(&self, job: Queued) -> Result<(), StoreError> {
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
    step(conn, "SAVEPOINT job").map_err(map_err)?;
    let result = op(conn);
    if result.is_ok() {
        step(conn, "RELEASE job")
    } else {
        conn.execute_batch("ROLLBACK TO job; RELEASE job")
    }
    .map_err(map_err)?;
    result
}

/// Runs one statement that answers no rows, prepared once: the writer runs
/// its transaction statements for every write, and parsing them again each
/// time showed in profiles.
fn step(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn run(conn: Connection, rx: Receiver<Queued>, stats: WriterStats) {
    // What the connection's `synchronous` is set to: FULL (schema.rs) at
    // the start. In WAL mode NORMAL skips the sync at commit; the next
    // FULL commit syncs the log with every commit before it.
    let mut syncing = true;
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
        let durable = group.iter().any(|q| q.durable);
        // A durable group that cannot have its sync is refused; a relaxed
        // one that cannot skip it is synced.
        let mut begin = Ok(());
        if durable != syncing {
            let set = if durable {
                "PRAGMA synchronous = FULL"
            } else {
                "PRAGMA synchronous = NORMAL"
            };
            match step(&conn, set) {
                Ok(()) => syncing = durable,
                Err(e) if durable => begin = Err(e),
                Err(e) => log::warn!("cannot set synchronous = NORMAL: {e}"),
            }
        }
        let outcome = match begin.and_then(|()| step(&conn, "BEGIN IMMEDIATE")) {
            Ok(()) => {
                let replies: Vec<Reply> = group.into_iter().map(|q| (q.job)(Ok(&conn))).collect();
                let commit = step(&conn, "COMMIT").map_err(map_err);
                if commit.is_err() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                (replies, commit)
            }
            Err(e) => {
                let e = map_err(e);
                let replies = group.into_iter().map(|q| (q.job)(Err(e.clone()))).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `synchronous` setting each write's group commits under.
    async fn synchronous_of(writer: &Writer, durable: bool) -> i64 {
        let op = |c: &Connection| {
            c.query_row("PRAGMA synchronous", [], |r| r.get(0))
                .map_err(map_err)
        };
        if durable {
            writer.write(op).await.unwrap()
        } else {
            writer.write_relaxed(op).await.unwrap()
        }
    }

    #[tokio::test]
    async fn a_durable_write_after_relaxed_ones_is_synced_again() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        super::super::schema::configure(&conn).unwrap();
        let writer = Writer::start(conn, 8);
        const NORMAL: i64 = 1;
        const FULL: i64 = 2;
        assert_eq!(synchronous_of(&writer, true).await, FULL);
        assert_eq!(synchronous_of(&writer, false).await, NORMAL);
        assert_eq!(synchronous_of(&writer, false).await, NORMAL);
        assert_eq!(
            synchronous_of(&writer, true).await,
            FULL,
            "a write that must survive a power loss is synced"
        );
    }
}

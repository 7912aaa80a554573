//! One writer thread commits every write. Requests that arrive while a
//! commit is under way are committed together in the next transaction, so
//! durability costs one fsync per group, not one per request.

use super::map_err;
use crate::storage::StoreError;
use rusqlite::Connection;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use tokio::sync::oneshot;

/// Tells a caller how its write ended, once the group's commit is known.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A write: runs inside the group's transaction (or is told it could not).
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> Reply + Send>;

const MAX_GROUP: usize = 512;

#[derive(Clone)]
pub struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`. `capacity` bounds the queue: a
    /// write that finds it full is refused with `Busy`, never left waiting.
    pub fn start(conn: Connection, capacity: usize) -> Writer {
        let (jobs, rx) = sync_channel(capacity);
        std::thread::Builder::new()
            .name("commid-sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .expect("cannot start the SQLite writer thread");
        Writer { jobs }
    }

    /// Runs `op` in the next group and resolves once that group is durable.
    pub async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(|conn| in_savepoint(conn, op));
            Box::new(move |commit: Result<(), StoreError>| {
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
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => StoreError::Busy,
            TrySendError::Disconnected(_) => {
                StoreError::Unavailable("the SQLite writer stopped".into())
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

fn run(conn: Connection, rx: Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = Vec::with_capacity(16);
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
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

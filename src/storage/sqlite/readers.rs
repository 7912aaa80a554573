//! Read connections, reused. In WAL mode a read never waits for the writer
//! and takes microseconds, so it runs on the calling thread.

use super::{map_err, schema};
use crate::storage::PoolUsage;
use crate::storage::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    counts: Arc<Counts>,
}

/// The connections now, for the metrics.
#[derive(Default)]
pub struct Counts {
    idle: AtomicUsize,
    in_use: AtomicUsize,
}

impl Counts {
    pub fn usage(&self) -> PoolUsage {
        PoolUsage {
            idle: self.idle.load(Ordering::Relaxed),
            in_use: self.in_use.load(Ordering::Relaxed),
            max: None,
            waiting: None,
        }
    }
}

const MAX_IDLE: usize = 16;

impl Readers {
    pub fn new(path: PathBuf) -> Self {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
            counts: Arc::default(),
        }
    }

    pub fn counts(&self) -> Arc<Counts> {
        self.counts.clone()
    }

    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            let conn = idle.pop();
            self.counts.idle.store(idle.len(), Ordering::Relaxed);
            conn
        };
        let conn = match conn {
            Some(c) => c,
            None => self.open()?,
        };
        self.counts.in_use.fetch_add(1, Ordering::Relaxed);
        let result = f(&conn).map_err(map_err);
        self.counts.in_use.fetch_sub(1, Ordering::Relaxed);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        self.counts.idle.store(idle.len(), Ordering::Relaxed);
        result
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(map_err)?;
        schema::configure_reader(&conn).map_err(map_err)?;
        Ok(conn)
    }
}

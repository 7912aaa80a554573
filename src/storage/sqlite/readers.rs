//! Read connections, reused. In WAL mode a read never waits for the writer
//! and takes microseconds, so it runs on the calling thread.

use super::{map_err, schema};
use crate::storage::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::Mutex;

pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

const MAX_IDLE: usize = 16;

impl Readers {
    pub fn new(path: PathBuf) -> Self {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => self.open()?,
        };
        let result = f(&conn).map_err(map_err);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(map_err)?;
        schema::configure_reader(&conn).map_err(map_err)?;
        Ok(conn)
    }
}

//! The SQLite side of [`crate::storage::touches`]: a thread hands each
//! gathered batch to the writer, which commits it in one transaction.

use super::{rows, writer::Writer};
use crate::domain::{IdentityId, Timestamp};
use crate::storage::StoreError;
use crate::storage::touches::{FLUSH_EVERY, Touches};
use rusqlite::Connection;
use std::sync::{Arc, Weak};

/// Starts the flushing thread, which ends once the returned `Touches` is
/// dropped.
pub fn start(writer: Writer) -> Arc<Touches> {
    let touches = Arc::new(Touches::default());
    let weak = Arc::downgrade(&touches);
    std::thread::Builder::new()
        .name("commid-sqlite-touches".into())
        .spawn(move || flush_loop(weak, writer))
        .expect("cannot start the SQLite touch thread");
    touches
}

fn flush_loop(touches: Weak<Touches>, writer: Writer) {
    loop {
        std::thread::sleep(FLUSH_EVERY);
        let Some(touches) = touches.upgrade() else {
            return;
        };
        let batch = touches.take();
        drop(touches);
        if !batch.is_empty() {
            writer.write_behind(move |c| write(c, batch));
        }
    }
}

pub fn write(c: &Connection, batch: Vec<(IdentityId, Timestamp)>) -> Result<(), StoreError> {
    for (id, at) in batch {
        rows::set_token_issued(c, id, at)?;
    }
    Ok(())
}

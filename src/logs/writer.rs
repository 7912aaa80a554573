//! Where log lines go: a buffer that a writer thread empties into standard
//! error, so a request pays for a copy into memory, not for a system call
//! under standard error's lock. The writer wakes when the first line
//! arrives, lingers [`LINGER`] for more, then writes them together: idle,
//! it never wakes; under load, it writes every few milliseconds. Past
//! [`HIGH_WATER`] bytes (standard error stalled) the line's writer writes
//! the buffer itself, so memory stays bounded and lines stay in order.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Where batches of lines are written (standard error, or a test's capture).
pub type Out = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// How long the writer waits for more lines after the first.
pub const LINGER: Duration = Duration::from_millis(5);
/// Bytes waiting beyond which the next line writes them itself.
pub const HIGH_WATER: usize = 1 << 20;

struct Shared {
    pending: Mutex<Vec<u8>>,
    arrived: Condvar,
    /// Held while a batch is written: batches go out one at a time, in
    /// order, and a flush returns only once everything before it is out.
    /// Taken before `pending`, never after.
    writing: Mutex<()>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes whatever is waiting, after any batch being written.
    fn write_out(&self, out: &dyn Fn(&[u8]), spare: &mut Vec<u8>) {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::swap(&mut *self.lock(), spare);
        if !spare.is_empty() {
            out(spare);
        }
        spare.clear();
    }
}

/// The buffer's writing end, for env_logger's `Target::Pipe`.
pub struct Buffered {
    shared: Arc<Shared>,
    out: Out,
    /// False when the writer thread could not start: lines go out at once.
    threaded: bool,
}

/// Writes what is buffered, on demand.
#[derive(Clone)]
pub struct Flusher {
    shared: Arc<Shared>,
    out: Out,
}

/// A [`Flusher`] that also flushes when dropped: hold it for the life of
/// the process (`main`), and call it before writing to standard error
/// directly.
pub struct Flush(pub Flusher);

/// A buffered log sink over `out` (standard error, or a test's capture),
/// its writer thread started.
pub fn buffered(out: Out) -> (Buffered, Flush) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Vec::with_capacity(64 * 1024)),
        arrived: Condvar::new(),
        writing: Mutex::new(()),
    });
    let writer = (shared.clone(), out.clone());
    let spawned = std::thread::Builder::new()
        .name("commid-log".into())
        .spawn(move || drain(&writer.0, &*writer.1));
    if let Err(e) = &spawned {
        eprintln!("warning: no log writer thread ({e}); writing log lines one by one");
    }
    let sink = Buffered {
        shared: shared.clone(),
        out: out.clone(),
        threaded: spawned.is_ok(),
    };
    (sink, Flush(Flusher { shared, out }))
}

/// The writer thread: waits for lines, lingers, writes them together.
fn drain(shared: &Shared, out: &dyn Fn(&[u8])) {
    let mut spare = Vec::with_capacity(64 * 1024);
    loop {
        {
            let mut pending = shared.lock();
            while pending.is_empty() {
                pending = shared
                    .arrived
                    .wait(pending)
                    .unwrap_or_else(|p| p.into_inner());
            }
        }
        std::thread::sleep(LINGER);
        shared.write_out(out, &mut spare);
    }
}

impl Write for Buffered {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        if !self.threaded {
            (self.out)(line);
            return Ok(line.len());
        }
        let mut pending = self.shared.lock();
        let was_empty = pending.is_empty();
        pending.extend_from_slice(line);
        let full = pending.len() > HIGH_WATER;
        drop(pending);
        if full {
            self.shared.write_out(&*self.out, &mut Vec::new());
        } else if was_empty {
            self.shared.arrived.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Called after every line: the writer thread flushes.
        Ok(())
    }
}

impl Flusher {
    /// Writes what is waiting now, after any batch being written.
    pub fn flush(&self) {
        self.shared.write_out(&*self.out, &mut Vec::new());
    }
}

impl Drop for Flush {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// Standard error, written whole (a failed write has nowhere to be reported).
pub fn stderr() -> Out {
    Arc::new(|bytes: &[u8]| {
        let mut err = io::stderr().lock();
        let _ = err.write_all(bytes);
        let _ = err.flush();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn capture() -> (Arc<Mutex<Vec<u8>>>, Out) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        (
            seen,
            Arc::new(move |b: &[u8]| sink.lock().unwrap().extend_from_slice(b)),
        )
    }

    #[test]
    fn lines_reach_the_output_in_order_soon_after_they_are_written() {
        let (seen, out) = capture();
        let (mut sink, _flush) = buffered(out);
        for i in 0..100 {
            sink.write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        let expected: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let deadline = Instant::now() + Duration::from_secs(5);
        while seen.lock().unwrap().len() < expected.len() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            String::from_utf8(seen.lock().unwrap().clone()).unwrap(),
            expected
        );
    }

    #[test]
    fn flushing_writes_what_waits_at_once() {
        let (seen, out) = capture();
        let (mut sink, flush) = buffered(out);
        sink.write_all(b"last words\n").unwrap();
        drop(flush);
        // Out once, whether the writer thread had taken it already or not.
        assert_eq!(seen.lock().unwrap().as_slice(), b"last words\n");
    }

    #[test]
    fn a_stalled_output_does_not_grow_the_buffer_beyond_the_high_water_mark() {
        let (seen, out) = capture();
        let (mut sink, _flush) = buffered(out);
        let line = vec![b'x'; 4096];
        let lines = 2 * HIGH_WATER / line.len();
        for _ in 0..lines {
            sink.write_all(&line).unwrap();
            assert!(sink.shared.lock().len() <= HIGH_WATER);
        }
        sink.shared.write_out(&*sink.out, &mut Vec::new());
        assert_eq!(seen.lock().unwrap().len(), lines * line.len());
    }
}

//! "At most once per interval", for reloads that requests can cause (an
//! unknown access key, an unknown signing-key id): made-up values must not
//! turn into one store query per request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    every: Duration,
    last: Mutex<Option<Instant>>,
}

impl Throttle {
    /// A throttle whose first [`Self::permit`] succeeds.
    pub fn new(every: Duration) -> Self {
        Throttle {
            every,
            last: Mutex::new(None),
        }
    }

    /// A throttle that counts as having just permitted (what was loaded
    /// a moment ago need not be reloaded at once).
    pub fn just_permitted(every: Duration) -> Self {
        Throttle {
            every,
            last: Mutex::new(Some(Instant::now())),
        }
    }

    /// Whether the caller may go ahead now; if so, counts it.
    pub fn permit(&self) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|at| at.elapsed() < self.every) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }
}

//! SIGTERM and SIGINT, caught from the moment `serve` says it is listening,
//! and the drain that SIGTERM starts.
//!
//! actix does not install its own handlers inside an existing tokio runtime,
//! so `serve` installs these before it prints "Listening on …": a signal that
//! arrives right after that line must stop the server gracefully, never kill
//! it with the default action.
//!
//! SIGTERM is how orchestrators and service managers stop an instance behind
//! a proxy: the instance first *drains* ([`Draining`]): `/readyz` and
//! `/healthz` answer 503 at once, so the proxy's health check takes the
//! instance out, while every request, in flight or new, is still served,
//! with `Connection: close` so keep-alive clients move on. After the drain
//! period the server stops gracefully. SIGINT (Ctrl-C, a person at a
//! terminal) stops without a drain; a second signal during a drain ends it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the server is draining before it stops; shared by the requests
/// (through the application state) and the signal watcher.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Which signal came, and so how to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGTERM: drain, then stop.
    Drain,
    /// SIGINT (or a second signal): stop now, letting requests under way finish.
    Now,
}

/// Signal handlers registered with the runtime; a signal that arrives after
/// [`ShutdownSignals::install`] is kept until [`ShutdownSignals::recv`].
pub struct ShutdownSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Registers the handlers now (needs a running tokio runtime).
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for SIGTERM or SIGINT (Ctrl-C), names the one that came and
    /// says how to stop.
    pub async fn recv(&mut self) -> (&'static str, Stop) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => ("SIGTERM", Stop::Drain),
                _ = self.int.recv() => ("SIGINT", Stop::Now),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            ("Ctrl-C", Stop::Now)
        }
    }
}

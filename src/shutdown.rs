//! SIGTERM and SIGINT, caught from the moment `serve` says it is listening.
//!
//! actix does not install its own handlers inside an existing tokio runtime,
//! so `serve` installs these before it prints "Listening on …": a signal that
//! arrives right after that line must stop the server gracefully, never kill
//! it with the default action.

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

    /// Waits for SIGTERM or SIGINT (Ctrl-C) and names the one that came.
    pub async fn recv(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

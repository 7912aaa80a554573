//! Where the pool's connections run: a small runtime of the store's own.
//!
//! A tokio socket belongs to the runtime it was opened on, and
//! tokio-postgres drives each connection on a task. Opened from a request,
//! both would live on that actix worker's runtime, which stops when the
//! server stops: a connection the pool handed to a request on another worker
//! then fails with "connection closed" (503 to a request under way during a
//! graceful stop). Opened here, the connections outlive the HTTP workers and
//! end with the pool.

use deadpool_postgres::Connect;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Config, Error, Socket};

/// The runtime that opens and drives the connections; shut down (without
/// waiting) when the last pool using it is dropped.
pub(super) struct Driver {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Driver {
    pub(super) fn start() -> std::io::Result<Arc<Driver>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("commid-postgres")
            .enable_all()
            .build()?;
        Ok(Arc::new(Driver {
            runtime: Some(runtime),
        }))
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime
            .as_ref()
            .expect("running until dropped")
            .handle()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which async code must not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What [`Connect::connect`] returns.
type Opening<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<(Client, JoinHandle<()>), Error>> + Send + 'a>>;

/// Opens connections on the [`Driver`]'s runtime, with `tls` (or `NoTls`).
pub(super) struct OnDriver<T> {
    pub tls: T,
    pub driver: Arc<Driver>,
}

impl<T> Connect for OnDriver<T>
where
    T: MakeTlsConnect<Socket> + Clone + Sync + Send + 'static,
    T::Stream: Sync + Send,
    T::TlsConnect: Sync + Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    fn connect(&self, config: &Config) -> Opening<'_> {
        let tls = self.tls.clone();
        let config = config.clone();
        let handle = self.driver.handle().clone();
        Box::pin(async move {
            let spawner = handle.clone();
            let opened = handle.spawn(async move {
                let (client, connection) = config.connect(tls).await?;
                let task = spawner.spawn(async move {
                    if let Err(e) = connection.await {
                        log::debug!("a database connection ended: {e}");
                    }
                });
                Ok((client, task))
            });
            match opened.await {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The driver's runtime lives as long as the pool that calls this.
                Err(e) => panic!("the database driver stopped: {e}"),
            }
        })
    }
}

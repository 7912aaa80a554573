//! Building the application, as a list of steps: open the store, bind the
//! listener, make sure a resource exists, load the resources, signing keys
//! and trusted issuers, set up TLS, start serving and the refreshers.

use crate::config::{Config, Tls};
use crate::directory::Directory;
use crate::domain::{Endpoint, Invalid, Secret};
use crate::http::state::AppState;
use crate::instrument;
use crate::issuers::IssuerError;
use crate::roles::RoleBook;
use crate::router;
use crate::shutdown::{Draining, ShutdownSignals, Stop};
use crate::storage::sealing::SealingError;
use crate::storage::{Store, StoreError};
use crate::tls::{self, TlsError};
use crate::tokens::{KeyError, KeyRing};
use crate::webhooks::Deliveries;
use actix_web::web::Data;
use actix_web::{HttpServer, dev::Server};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod background;
mod state;
mod steps;

use background::{forget_idle_limits, prune, refresh};
use state::{Hooks, Loaded, app_state};
pub use steps::PLAINTEXT_WARNING;
use steps::{
    advertised_connection_string, base_url, bind, create_private_dir, ensure_default_resource,
    load_issuers, open_store, resource_hosts, secrets_at_rest,
};

pub struct Application {
    port: u16,
    server: Server,
    /// The scrape-only metrics listener and its address, when there is one.
    metrics_server: Option<instrument::ScrapeServer>,
    base_url: Endpoint,
    connection_string: Secret,
    /// Whether `serve` prints the connection string: on the start that
    /// created the default resource, or when the configuration asks.
    show_connection_string: bool,
    tls_certificate: Option<PathBuf>,
    store: Arc<dyn Store>,
    refreshers: Vec<tokio::task::JoinHandle<()>>,
    /// The webhook deliverer, stopped after the requests have finished.
    deliveries: Deliveries,
    /// On from SIGTERM: health checks fail, answers close their connections.
    draining: Draining,
    /// How long SIGTERM's drain lasts.
    drain: Duration,
}

/// Why the server cannot start; each keeps its cause, which
/// [`crate::report::chain`] shows.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data dir {} (choose another --data-dir)", .0.display())]
    DataDir(PathBuf, #[source] std::io::Error),
    #[error("cannot open the store")]
    Store(#[source] StoreError),
    #[error("cannot use the stored secrets")]
    Secrets(#[source] SealingError),
    #[error("cannot listen on {0} (choose another --listen)")]
    Listen(SocketAddr, #[source] std::io::Error),
    #[error("the server's own URL is not valid")]
    BaseUrl(#[source] Invalid),
    #[error("cannot read or create the resources")]
    Resources(#[source] StoreError),
    #[error("cannot load the signing keys")]
    Keys(#[source] KeyError),
    #[error("cannot load the trusted issuers")]
    Issuers(#[source] IssuerError),
    #[error("cannot build the upstream client")]
    Upstream(#[source] crate::client::ClientError),
    #[error("cannot derive the connector's definition")]
    Connector(#[source] crate::connector::ExportError),
    #[error("cannot set up TLS")]
    Tls(#[source] TlsError),
    #[error("cannot set up webhook deliveries")]
    Webhooks(#[source] crate::webhooks::SetupError),
    #[error("cannot serve on the listener")]
    Serve(#[source] std::io::Error),
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartError> {
        create_private_dir(&config.data_dir)?;
        let metrics = instrument::Setup::new(config.metrics)
            .map_err(|(address, e)| StartError::Listen(address, e))?;
        let store = instrument::measured(open_store(&config).await?, &config, metrics.as_ref());
        secrets_at_rest(&*store, &config.vault)
            .await
            .map_err(StartError::Secrets)?;
        let (listener, port) = bind(config.listen)?;
        let base_url = base_url(&config, port)?;
        let created = ensure_default_resource(&*store, &base_url).await?;
        let directory = Arc::new(
            Directory::load(&*store)
                .await
                .map_err(StartError::Resources)?,
        );
        let keys = Arc::new(KeyRing::load(&*store).await.map_err(StartError::Keys)?);
        let roles = Arc::new(
            RoleBook::load(&*store)
                .await
                .map_err(StartError::Resources)?,
        );
        let issuers = Arc::new(load_issuers(&config, &directory).await?);
        let paging = store.paging_secret().await.map_err(StartError::Resources)?;
        let hooks = Hooks::new();
        let draining = Draining::default();
        let loaded = Loaded {
            directory: &directory,
            keys: &keys,
            issuers: &issuers,
            roles: &roles,
        };
        let (state, metrics_server) = app_state(
            &config,
            &store,
            loaded,
            (&paging, &hooks, &draining),
            metrics,
        )?;
        let (server, tls_certificate) = serve(&config, listener, state.clone(), &directory)?;
        let deliveries =
            Deliveries::start(store.clone(), &config.webhooks, hooks.feed, hooks.counts)
                .map_err(StartError::Webhooks)?;
        let mut refreshers = issuers.spawn_refreshers();
        refreshers.push(tokio::spawn(forget_idle_limits(state.clone())));
        refreshers.push(tokio::spawn(refresh(
            store.clone(),
            directory.clone(),
            keys,
            roles,
        )));
        refreshers.push(tokio::spawn(prune(store.clone(), config.event_retention)));
        Ok(Application {
            port,
            server,
            metrics_server,
            connection_string: advertised_connection_string(&directory, &base_url),
            show_connection_string: created || config.show_connection_string,
            base_url,
            tls_certificate,
            store,
            refreshers,
            deliveries,
            draining,
            drain: config.drain,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the scrape-only metrics listener listens, when there is one.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_server.as_ref().map(|(_, address)| *address)
    }

    /// The URL clients use, e.g. `https://127.0.0.1:8443/`.
    pub fn base_url(&self) -> &Endpoint {
        &self.base_url
    }

    /// `endpoint=…;accesskey=…` of the default resource at [`Self::base_url`].
    pub fn connection_string(&self) -> &Secret {
        &self.connection_string
    }

    /// Whether to show [`Self::connection_string`] at start: a log keeps
    /// what it is shown, so only once unless asked.
    pub fn shows_connection_string(&self) -> bool {
        self.show_connection_string
    }

    /// The certificate clients should trust; `None` with plain HTTP.
    pub fn tls_certificate(&self) -> Option<&Path> {
        self.tls_certificate.as_deref()
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through [`Self::handle`], letting requests under
    /// way finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|(server, _)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let result = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        for task in &self.refreshers {
            task.abort();
        }
        // No request writes events any more: the deliveries under way
        // finish and their leases are given up for the next start.
        self.deliveries.stop().await;
        // The requests have finished: write the token times they gathered.
        if let Err(e) = self.store.flush_token_times().await {
            log::warn!("cannot record the last lastTokenIssuedAt times: {e}");
        }
        result
    }

    /// Serves until SIGTERM or SIGINT (or a stop through [`Self::handle`]),
    /// letting requests under way finish. SIGTERM first drains
    /// ([`crate::shutdown`]). Install `signals` before telling anyone the
    /// server is up, so that no signal finds the default action.
    pub async fn run_until_signalled(self, signals: ShutdownSignals) -> std::io::Result<()> {
        let handle = self.server.handle();
        let watcher = tokio::spawn(drain_then_stop(
            signals,
            self.draining.clone(),
            self.drain,
            handle,
        ));
        let result = self.run_until_stopped().await;
        watcher.abort();
        result
    }
}

/// Waits for a signal; on SIGTERM, drains for `drain` (a second signal
/// ends the drain early); then stops the server gracefully.
async fn drain_then_stop(
    mut signals: ShutdownSignals,
    draining: Draining,
    drain: Duration,
    handle: actix_web::dev::ServerHandle,
) {
    let (signal, stop) = signals.recv().await;
    if stop == Stop::Drain && !drain.is_zero() {
        draining.start();
        log::info!(
            "{signal}: draining for {} s (health checks answer 503, requests are still served; \
             a second signal stops now)",
            drain.as_secs()
        );
        tokio::select! {
            _ = tokio::time::sleep(drain) => {
                log::info!("drained: finishing the requests under way, then stopping");
            }
            (again, _) = signals.recv() => {
                log::info!("{again}: drain cut short; finishing the requests under way, then stopping");
            }
        }
    } else {
        log::info!("{signal}: finishing the requests under way, then stopping");
    }
    handle.stop(true).await;
}

/// Starts the HTTP server on `listener`, over TLS unless it is off; returns
/// it and the certificate clients should trust.
fn serve(
    config: &Config,
    listener: TcpListener,
    state: Data<AppState>,
    directory: &Directory,
) -> Result<(Server, Option<PathBuf>), StartError> {
    let server = HttpServer::new(move || router::app(state.clone()))
        .disable_signals()
        .workers(config.workers)
        .shutdown_timeout(10);
    let (chain, key, trust) = match &config.tls {
        Tls::Off => {
            let server = server.listen(listener).map_err(StartError::Serve)?;
            return Ok((server.run(), None));
        }
        Tls::Files { cert, key } => (cert.clone(), key.clone(), cert.clone()),
        Tls::SelfSigned => {
            let files = tls::self_signed(&config.data_dir, &resource_hosts(directory))
                .map_err(StartError::Tls)?;
            (files.cert_chain, files.key, files.trust)
        }
    };
    let rustls = tls::server_config(&chain, &key).map_err(StartError::Tls)?;
    let server = server
        .listen_rustls_0_23(listener, rustls)
        .map_err(StartError::Serve)?;
    Ok((server.run(), Some(trust)))
}

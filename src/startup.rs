//! Building the application: open the store, make sure a resource and a
//! signing key exist, bind the listener, and return a server ready to run.

use crate::config::{Config, Database, Tls};
use crate::directory::Directory;
use crate::domain::{DataLocation, Endpoint, KeySlot, Resource, ResourceName, Secret};
use crate::http::{self, AppState};
use crate::issuers::TrustedIssuers;
use crate::limits::RateLimiter;
use crate::shutdown::ShutdownSignals;
use crate::storage::Store;
use crate::storage::postgres::PostgresStore;
use crate::storage::sqlite::{Access, SqliteStore};
use crate::tls;
use crate::tokens::KeyRing;
use crate::upstream::Upstream;
use actix_web::web::Data;
use actix_web::{HttpServer, dev::Server};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub struct Application {
    port: u16,
    server: Server,
    base_url: Endpoint,
    connection_string: Secret,
    tls_certificate: Option<PathBuf>,
    refresher: tokio::task::JoinHandle<()>,
    store: Arc<dyn Store>,
    issuer_refreshers: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How often a server rereads resources and signing keys changed by
/// administrative commands.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartError> {
        create_private_dir(&config.data_dir)?;
        let store: Arc<dyn Store> = match &config.database {
            Database::Sqlite => Arc::new(
                SqliteStore::open_with_queue(
                    &config.data_dir,
                    Access::Exclusive,
                    config.limits.write_queue,
                )
                .map_err(|e| StartError(format!("cannot open the store: {e}")))?,
            ),
            Database::Postgres(options) => Arc::new(
                PostgresStore::connect(options)
                    .await
                    .map_err(|e| StartError(format!("cannot open the PostgreSQL store: {e}")))?,
            ),
        };
        let listener = TcpListener::bind(config.listen).map_err(|e| {
            StartError(format!(
                "cannot listen on {}: {e}. Choose another --listen.",
                config.listen
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?
            .port();
        let scheme = if config.tls == Tls::Off {
            "http"
        } else {
            "https"
        };
        let base_url = match &config.public_url {
            Some(url) => url.clone(),
            None => {
                let host = match config.listen.ip() {
                    ip if ip.is_unspecified() => "localhost".to_owned(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    ip => ip.to_string(),
                };
                Endpoint::parse(&format!("{scheme}://{host}:{port}/"))
                    .map_err(|e| StartError(e.to_string()))?
            }
        };
        ensure_default_resource(&*store, &base_url).await?;
        let directory = Arc::new(
            Directory::load(&*store)
                .await
                .map_err(|e| StartError(e.to_string()))?,
        );
        let keys = Arc::new(
            KeyRing::load(&*store)
                .await
                .map_err(|e| StartError(e.to_string()))?,
        );
        let connection_string = advertised_connection_string(&directory, &base_url);
        let resources: Vec<ResourceName> = directory.all().iter().map(|r| r.name.clone()).collect();
        let issuers = Arc::new(
            TrustedIssuers::load(config.trusted_issuers.clone(), &resources)
                .await
                .map_err(StartError)?,
        );

        let upstream = Upstream::new(&config.upstream)
            .map_err(|e| StartError(format!("cannot build the upstream client: {e}")))?;
        let state = Data::new(AppState {
            store: store.clone(),
            directory: directory.clone(),
            keys: keys.clone(),
            issuers: issuers.clone(),
            body_limit: config.body_limit,
            limiter: RateLimiter::new(config.limits.rate_per_second, config.limits.burst),
            upstream,
            connector_definition: http::connector_definition::derive().map_err(|e| {
                StartError(format!("cannot derive the connector's definition: {e}"))
            })?,
        });
        let server = HttpServer::new(move || http::app(state.clone()))
            .disable_signals()
            .workers(config.workers)
            .shutdown_timeout(10);
        let (server, tls_certificate) = match &config.tls {
            Tls::Off => (
                server
                    .listen(listener)
                    .map_err(|e| StartError(e.to_string()))?,
                None,
            ),
            tls_mode => {
                let (chain, key, trust) = match tls_mode {
                    Tls::Files { cert, key } => (cert.clone(), key.clone(), cert.clone()),
                    _ => {
                        let hosts: Vec<String> = directory
                            .all()
                            .iter()
                            .map(|r| match r.endpoint.host() {
                                url::Host::Domain(d) => d.to_owned(),
                                url::Host::Ipv4(ip) => ip.to_string(),
                                url::Host::Ipv6(ip) => ip.to_string(),
                            })
                            .collect();
                        let files = tls::self_signed(&config.data_dir, &hosts)
                            .map_err(|e| StartError(e.to_string()))?;
                        (files.cert_chain, files.key, files.trust)
                    }
                };
                let rustls =
                    tls::server_config(&chain, &key).map_err(|e| StartError(e.to_string()))?;
                let server = server
                    .listen_rustls_0_23(listener, rustls)
                    .map_err(|e| StartError(e.to_string()))?;
                (server, Some(trust))
            }
        };
        let server = server.run();
        let refresher = tokio::spawn(refresh(store.clone(), directory, keys));
        let issuer_refreshers = issuers.spawn_refreshers();
        Ok(Application {
            port,
            server,
            base_url,
            connection_string,
            tls_certificate,
            refresher,
            store,
            issuer_refreshers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL clients use, e.g. `https://127.0.0.1:8443/`.
    pub fn base_url(&self) -> &Endpoint {
        &self.base_url
    }

    /// `endpoint=…;accesskey=…` of the default resource at [`Self::base_url`].
    pub fn connection_string(&self) -> &Secret {
        &self.connection_string
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
        let result = self.server.await;
        self.refresher.abort();
        for task in &self.issuer_refreshers {
            task.abort();
        }
        // The requests have finished: write the token times they gathered.
        if let Err(e) = self.store.flush_token_times().await {
            log::warn!("cannot record the last lastTokenIssuedAt times: {e}");
        }
        result
    }

    /// Serves until SIGTERM or SIGINT (or a stop through [`Self::handle`]),
    /// letting requests under way finish. Install `signals` before telling
    /// anyone the server is up, so that no signal finds the default action.
    pub async fn run_until_signalled(self, signals: ShutdownSignals) -> std::io::Result<()> {
        let handle = self.server.handle();
        let watcher = tokio::spawn(async move {
            let signal = signals.recv().await;
            log::info!("{signal}: finishing the requests under way, then stopping");
            handle.stop(true).await;
        });
        let result = self.run_until_stopped().await;
        watcher.abort();
        result
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        StartError(format!(
            "cannot create the data dir {}: {e}. Choose another --data-dir.",
            dir.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The first start on an empty data dir creates resource `default`.
async fn ensure_default_resource(store: &dyn Store, endpoint: &Endpoint) -> Result<(), StartError> {
    let existing = store
        .resources()
        .await
        .map_err(|e| StartError(format!("cannot read resources: {e}")))?;
    if existing.is_empty() {
        let resource = Resource::new(
            ResourceName::parse("default").expect("a valid name"),
            DataLocation::parse(DataLocation::DEFAULT).expect("a valid location"),
            endpoint.clone(),
        );
        let id = resource.id;
        match store.insert_resource(resource).await {
            Ok(()) => log::info!("created resource 'default' ({id})"),
            // Another instance on the same database created it first.
            Err(crate::storage::StoreError::Conflict(_)) => {}
            Err(e) => return Err(StartError(format!("cannot create resource 'default': {e}"))),
        }
    }
    Ok(())
}

/// With one resource (which answers on any host) the connection string names
/// the address this server really listens on; otherwise the default
/// resource's own endpoint.
fn advertised_connection_string(directory: &Directory, base_url: &Endpoint) -> Secret {
    let all = directory.all();
    let resource = all
        .iter()
        .find(|r| r.name.as_str() == "default")
        .or(all.first())
        .expect("a resource exists");
    if all.len() == 1 {
        let mut r = (**resource).clone();
        r.endpoint = base_url.clone();
        r.connection_string(KeySlot::Primary)
    } else {
        resource.connection_string(KeySlot::Primary)
    }
}

async fn refresh(store: Arc<dyn Store>, directory: Arc<Directory>, keys: Arc<KeyRing>) {
    let mut ticker = tokio::time::interval(REFRESH_EVERY);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        if let Err(e) = directory.reload(&*store).await {
            log::warn!("cannot reload resources: {e}");
        }
        if let Err(e) = keys.reload(&*store).await {
            log::warn!("cannot reload signing keys: {e}");
        }
    }
}

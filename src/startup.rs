//! Building the application, as a list of steps: open the store, bind the
//! listener, make sure a resource exists, load the resources, signing keys
//! and trusted issuers, set up TLS, start serving and the refreshers.

use crate::config::{Config, MetricsServing, Tls};
use crate::directory::Directory;
use crate::domain::{DataLocation, Endpoint, Invalid, KeySlot, Resource, ResourceName, Secret};
use crate::http::{self, state::AppState};
use crate::instrument;
use crate::issuers::{IssuerError, TrustedIssuers};
use crate::limits::{FailureLimiter, RateLimiter};
use crate::roles::RoleBook;
use crate::router;
use crate::shutdown::{Draining, ShutdownSignals, Stop};
use crate::storage::sealing::{self, Reseal, SealingError};
use crate::storage::{self, Store, StoreError};
use crate::tls::{self, TlsError};
use crate::tokens::{KeyError, KeyRing};
use crate::upstream::Upstream;
use crate::vault::Vault;
use crate::webhooks::Deliveries;
use actix_web::web::Data;
use actix_web::{HttpServer, dev::Server};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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

/// How often a server rereads resources, signing keys and roles changed by
/// administrative commands or other instances.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

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

fn create_private_dir(dir: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(dir).map_err(|e| StartError::DataDir(dir.to_owned(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    let opener = storage::Opener::Server {
        write_queue: config.limits.write_queue,
    };
    storage::open(&config.database, opener, &config.vault)
        .await
        .map_err(StartError::Store)
}

/// What `serve` says at every start when no encryption key is configured.
pub const PLAINTEXT_WARNING: &str = "secrets at rest are NOT encrypted: the database keeps access \
    keys and token signing keys in plaintext, so a copy of it can mint tokens for any identity. \
    Set encryption_keys (COMMID_ENCRYPTION_KEYS) or encryption_keys_file to a key from \
    `commid secrets generate-key` (docs/deployment.md, \"Secrets at rest\")";

/// Checks that every stored secret opens with the configured keys (a key
/// that sealed some is missing: no start), and seals those stored in
/// plaintext under the first key; without a key, warns.
async fn secrets_at_rest(store: &dyn Store, vault: &Vault) -> Result<(), SealingError> {
    let census = sealing::census(store, vault).await?;
    census.check(vault)?;
    let Some(key) = vault.sealing_key() else {
        log::warn!("{PLAINTEXT_WARNING}");
        return Ok(());
    };
    let sealed = sealing::reseal(store, vault, Reseal::Plaintext).await?;
    if sealed > 0 {
        log::info!(
            "sealed {sealed} secret(s) that were stored in plaintext under encryption key {key}"
        );
    }
    match census.under_older_keys(vault) {
        0 => log::info!("secrets at rest are sealed under encryption key {key}"),
        older => log::info!(
            "secrets at rest are sealed under encryption key {key}, {older} of them under older \
             keys: `commid secrets rotate` seals those under {key} too"
        ),
    }
    Ok(())
}

/// The listener and the port it got (port 0 in tests asks for any).
fn bind(address: SocketAddr) -> Result<(TcpListener, u16), StartError> {
    let listener = TcpListener::bind(address).map_err(|e| StartError::Listen(address, e))?;
    let port = listener
        .local_addr()
        .map_err(|e| StartError::Listen(address, e))?
        .port();
    Ok((listener, port))
}

/// The public URL, or the address this server really listens on.
fn base_url(config: &Config, port: u16) -> Result<Endpoint, StartError> {
    if let Some(url) = &config.public_url {
        return Ok(url.clone());
    }
    let scheme = if config.tls == Tls::Off {
        "http"
    } else {
        "https"
    };
    let host = match config.listen.ip() {
        ip if ip.is_unspecified() => "localhost".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    Endpoint::parse(&format!("{scheme}://{host}:{port}/")).map_err(StartError::BaseUrl)
}

/// The first start on an empty data dir creates resource `default`.
/// Creates resource `default` when there is none; says whether it did.
async fn ensure_default_resource(
    store: &dyn Store,
    endpoint: &Endpoint,
) -> Result<bool, StartError> {
    let existing = store.resources().await.map_err(StartError::Resources)?;
    if existing.is_empty() {
        let resource = Resource::new(
            ResourceName::parse("default").expect("a valid name"),
            DataLocation::parse(DataLocation::DEFAULT).expect("a valid location"),
            endpoint.clone(),
        );
        let id = resource.id;
        match store.insert_resource(resource).await {
            Ok(()) => {
                log::info!("created resource 'default' ({id})");
                return Ok(true);
            }
            // Another instance on the same database created it first.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(StartError::Resources(e)),
        }
    }
    Ok(false)
}

async fn load_issuers(
    config: &Config,
    directory: &Directory,
) -> Result<TrustedIssuers, StartError> {
    let resources: Vec<ResourceName> = directory.all().iter().map(|r| r.name.clone()).collect();
    TrustedIssuers::load(config.trusted_issuers.clone(), &resources)
        .await
        .map_err(StartError::Issuers)
}

/// What the webhook deliverer shares with the requests and the metrics.
struct Hooks {
    waker: crate::webhooks::FeedWaker,
    feed: tokio::sync::watch::Receiver<u64>,
    counts: Arc<crate::webhooks::Counts>,
}

impl Hooks {
    fn new() -> Self {
        let (waker, feed) = crate::webhooks::feed();
        Hooks {
            waker,
            feed,
            counts: Arc::default(),
        }
    }
}

/// What was read from the store and the configuration at start, which
/// the refreshers keep current.
struct Loaded<'a> {
    directory: &'a Arc<Directory>,
    keys: &'a Arc<KeyRing>,
    issuers: &'a Arc<TrustedIssuers>,
    roles: &'a Arc<RoleBook>,
}

fn app_state(
    config: &Config,
    store: &Arc<dyn Store>,
    loaded: Loaded<'_>,
    (paging, hooks, draining): (&Secret, &Hooks, &Draining),
    metrics: Option<instrument::Setup>,
) -> Result<(Data<AppState>, Option<instrument::ScrapeServer>), StartError> {
    let Loaded {
        directory,
        keys,
        issuers,
        roles,
    } = loaded;
    let limiter = RateLimiter::new(config.limits.rate_per_second, config.limits.burst);
    let failures = FailureLimiter::new(
        config.limits.failures_per_second,
        config.limits.failure_burst,
    );
    let upstream = Upstream::new(&config.upstream).map_err(StartError::Upstream)?;
    let probes = store.probes();
    let feed_lag = probes.feed_lag.clone();
    let sources = instrument::Sources {
        store: probes,
        keys: keys.clone(),
        issuers: issuers.clone(),
        rate_limited: limiter.as_ref().map(RateLimiter::rejected),
        failures_limited: failures.as_ref().map(FailureLimiter::rejected),
        upstream: upstream.counts(),
        change_feed_lag: feed_lag.map(|lag| Box::new(move || Some(lag())) as instrument::LagProbe),
        webhooks: hooks.counts.clone(),
    };
    let (metrics, metrics_server) = match metrics.map(|m| m.finish(sources)).transpose() {
        Ok(started) => started.unzip(),
        Err(e) => return Err(StartError::Serve(e)),
    };
    let state = Data::new(AppState {
        store: store.clone(),
        directory: directory.clone(),
        keys: keys.clone(),
        verified: crate::tokens::VerifiedTokens::new(config.verify_cache_bytes),
        issuers: issuers.clone(),
        management_tokens: crate::issuers::ManagementTokens::default(),
        roles: roles.clone(),
        body_limit: config.body_limit,
        limiter,
        failures,
        trusted_proxies: config.limits.trusted_proxies.clone(),
        upstream,
        connector_definition: http::connector_definition::derive(&router::openapi_json())
            .map_err(StartError::Connector)?,
        paging: http::paging::PagingKey::new(paging),
        callbacks: config.webhooks.policy(),
        feed: hooks.waker.clone(),
        metrics,
        serve_metrics: config.metrics == MetricsServing::Main,
        draining: draining.clone(),
    });
    Ok((state, metrics_server.flatten()))
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

/// The hosts of every resource's endpoint, for the self-signed certificate.
fn resource_hosts(directory: &Directory) -> Vec<String> {
    directory
        .all()
        .iter()
        .map(|r| match r.endpoint.host() {
            url::Host::Domain(d) => d.to_owned(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        })
        .collect()
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

/// How often events past the retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Deletes the change feed's events once they are older than `retention`.
async fn prune(store: Arc<dyn Store>, retention: Duration) {
    let mut ticker = tokio::time::interval(PRUNE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let cutoff = crate::domain::Timestamp::from_micros(
            crate::domain::Timestamp::now().micros() - retention.as_micros() as i64,
        );
        match store.prune_events(cutoff).await {
            Ok(0) => {}
            Ok(n) => log::info!("pruned {n} change feed events past the retention"),
            Err(e) => log::warn!("cannot prune the change feed: {e}"),
        }
    }
}

async fn refresh(
    store: Arc<dyn Store>,
    directory: Arc<Directory>,
    keys: Arc<KeyRing>,
    roles: Arc<RoleBook>,
) {
    let mut ticker = tokio::time::interval(REFRESH_EVERY);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        if let Err(e) = directory.reload(&*store).await {
            log::warn!("cannot reload resources: {e}");
        }
        if let Err(e) = keys.reload(&*store).await {
            log::warn!("cannot reload signing keys: {}", crate::report::chain(&e));
        }
        if let Err(e) = roles.reload(&*store).await {
            log::warn!("cannot reload the roles: {e}");
        }
    }
}

/// How often the limiters forget the keys they no longer need.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// Keeps the limiters' memory to the resources and addresses seen lately.
async fn forget_idle_limits(state: Data<AppState>) {
    let mut ticker = tokio::time::interval(FORGET_IDLE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Some(limiter) = &state.limiter {
            limiter.forget_idle();
        }
        if let Some(failures) = &state.failures {
            failures.forget_idle();
        }
    }
}

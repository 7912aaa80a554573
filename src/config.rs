//! Configuration: a TOML file, then `COMMID_*` environment variables, then
//! flags, each overriding the one before. A bad value stops the start with a
//! message that says which source it came from and how to fix it.

mod database;
pub(crate) mod declare;
mod issuers;
mod metrics;
mod portal_client;
mod settings;
mod upstream;
mod values;
mod vault;
mod webhooks;

pub use declare::Setting;
pub use issuers::TrustedIssuerEntry;
pub use metrics::MetricsServing;
pub use settings::{
    DEFAULT_BODY_LIMIT, DEFAULT_DATA_DIR, DEFAULT_LISTEN, DEFAULT_RATE_LIMIT, DEFAULT_WRITE_QUEUE,
    Layer, ServeFlags, StoreFlags,
};

use crate::domain::{Endpoint, TrustedIssuer, TrustedProxies};
use crate::upstream::UpstreamOptions;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every setting as declared (`settings.rs`), in order.
pub fn settings() -> Vec<Setting> {
    settings::all()
}

/// The table of settings that docs/configuration.md shows.
pub fn settings_table() -> String {
    declare::table(&settings::all())
}

/// A setting after [`Layer::defaults`] was merged under it: declared with a
/// default value, so present.
fn declared<T>(value: Option<T>) -> T {
    value.expect("a setting declared with a default value")
}

pub use crate::storage::Database;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// The self-signed certificate in the data dir.
    SelfSigned,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Plain HTTP, behind a TLS-terminating proxy.
    Off,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub tls: Tls,
    /// The URL clients reach this server at, when not the listen address.
    pub public_url: Option<Endpoint>,
    pub body_limit: usize,
    pub workers: usize,
    /// How long SIGTERM's drain lasts before the stop.
    pub drain: std::time::Duration,
    pub database: Database,
    /// Whose Entra tokens each resource exchanges, and in which exchanges.
    pub trusted_issuers: Vec<TrustedIssuer>,
    pub limits: Limits,
    /// Pass-through to real ACS resources.
    pub upstream: UpstreamOptions,
    /// Webhook deliveries.
    pub webhooks: crate::webhooks::WebhookOptions,
    /// How long the change feed keeps events.
    pub event_retention: std::time::Duration,
    /// Bytes of the verification cache; 0: none.
    pub verify_cache_bytes: usize,
    /// Prometheus metrics, and where they are served.
    pub metrics: MetricsServing,
    /// `serve` prints the connection string on every start, not only on
    /// the one that created the default resource.
    pub show_connection_string: bool,
    /// The key-encryption keys that seal the stored secrets; none: plaintext.
    pub vault: crate::vault::Vault,
}

/// Overload protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Per resource; 0 turns the limit off.
    pub rate_per_second: u32,
    pub burst: u32,
    /// Failed authentications per client address; 0 turns the limit off.
    pub failures_per_second: u32,
    pub failure_burst: u32,
    /// Whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    pub write_queue: usize,
}

/// A setting that stops the start, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that is not what the setting takes: the message names the
    /// setting, its source and what it expects.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read the config file {}", .0.display())]
    Read(PathBuf, #[source] std::io::Error),
    #[error("the config file {} is invalid (known settings: {known})", .path.display())]
    Parse {
        path: PathBuf,
        known: String,
        #[source]
        cause: Box<toml::de::Error>,
    },
}

impl Layer {
    pub fn from_file(path: &Path) -> Result<Layer, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
        let mut layer: Layer = toml::from_str(&text).map_err(|cause| ConfigError::Parse {
            path: path.to_owned(),
            known: settings::all()
                .iter()
                .map(|s| s.key)
                .collect::<Vec<_>>()
                .join(", "),
            cause: Box::new(cause),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        layer.trusted_issuers = layer
            .trusted_issuers
            .map(|entries| entries.into_iter().map(|e| e.relative_to(dir)).collect());
        Ok(layer)
    }

    fn limits(&self) -> Result<Limits, ConfigError> {
        let rate_per_second = declared(self.rate_limit_per_second);
        let burst = self
            .rate_limit_burst
            .unwrap_or(rate_per_second.saturating_mul(2).max(1));
        if rate_per_second > 0 && !(1..=rate_per_second.saturating_mul(60)).contains(&burst) {
            return Err(ConfigError::Invalid(format!(
                "rate limit burst {burst} is out of range: use 1 to 60 × the rate ({rate_per_second}/s)."
            )));
        }
        let failures_per_second = declared(self.auth_failure_limit_per_second);
        let failure_burst = self
            .auth_failure_limit_burst
            .unwrap_or(failures_per_second.saturating_mul(10).max(1));
        if failures_per_second > 0
            && !(1..=failures_per_second.saturating_mul(3600)).contains(&failure_burst)
        {
            return Err(ConfigError::Invalid(format!(
                "auth failure limit burst {failure_burst} is out of range: use 1 to 3600 × the rate ({failures_per_second}/s)."
            )));
        }
        let trusted_proxies =
            TrustedProxies::parse(declared(self.trusted_proxies.as_deref())).map_err(|e| {
                ConfigError::Invalid(format!(
                    "trusted_proxies: {e} List your reverse proxies' addresses, for example [\"10.0.0.5\", \"172.16.0.0/12\"]."
                ))
            })?;
        let write_queue = declared(self.write_queue);
        if !(1..=1_000_000).contains(&write_queue) {
            return Err(ConfigError::Invalid(format!(
                "write queue {write_queue} is out of range: use 1 to 1000000."
            )));
        }
        Ok(Limits {
            rate_per_second,
            burst,
            failures_per_second,
            failure_burst,
            trusted_proxies,
            write_queue,
        })
    }

    /// The issuers (`iss`) the configuration file trusts for management
    /// on resource `resource`.
    pub fn management_issuers(&self, resource: &str) -> Result<Vec<String>, ConfigError> {
        let issuers = issuers::resolve(self.trusted_issuers.as_deref().unwrap_or_default())?;
        Ok(issuers
            .into_iter()
            .filter(|i| {
                i.resource.as_str() == resource
                    && i.trusted_for(crate::domain::Exchange::Management)
            })
            .map(|i| i.issuer)
            .collect())
    }

    /// The data dir these settings name, or the default one.
    pub fn data_dir(&self) -> PathBuf {
        declared(Layer::defaults().merge(self.clone()).data_dir)
    }

    /// Checks every setting and turns them into the server's configuration;
    /// what is not given takes its declared default.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let layer = Layer::defaults().merge(self);
        layer.resolve_with_defaults()
    }

    fn resolve_with_defaults(self) -> Result<Config, ConfigError> {
        let listen_text = declared(self.listen.clone());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            ConfigError::Invalid(format!("listen address '{listen_text}' is not an IP address and port, for example {DEFAULT_LISTEN}."))
        })?;
        let tls = match (
            declared(self.http),
            self.tls_cert.clone(),
            self.tls_key.clone(),
        ) {
            (true, None, None) => Tls::Off,
            (true, _, _) => {
                return Err(ConfigError::Invalid(
                    "--http serves plain HTTP: drop --tls-cert/--tls-key, or drop --http.".into(),
                ));
            }
            (false, Some(cert), Some(key)) => Tls::Files { cert, key },
            (false, None, None) => Tls::SelfSigned,
            (false, _, _) => {
                return Err(ConfigError::Invalid(
                    "give both --tls-cert and --tls-key, or neither for a self-signed certificate."
                        .into(),
                ));
            }
        };
        let public_url = self
            .public_url
            .as_deref()
            .map(Endpoint::parse)
            .transpose()
            .map_err(|e| {
                ConfigError::Invalid(format!(
                    "public URL: {e} Use for example https://commid.example.com/."
                ))
            })?;
        let body_limit = declared(self.body_limit_bytes);
        if !(1024..=16 * 1024 * 1024).contains(&body_limit) {
            return Err(ConfigError::Invalid(format!(
                "body limit {body_limit} bytes is out of range: use 1024 to 16777216."
            )));
        }
        let workers = self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
        if !(1..=256).contains(&workers) {
            return Err(ConfigError::Invalid(format!(
                "{workers} workers is out of range: use 1 to 256."
            )));
        }
        let drain_seconds = declared(self.drain_seconds);
        if drain_seconds > 300 {
            return Err(ConfigError::Invalid(format!(
                "drain of {drain_seconds} seconds is out of range: use 0 (stop at once) to 300."
            )));
        }
        let database = self.store_database()?;
        let trusted_issuers =
            issuers::resolve(self.trusted_issuers.as_deref().unwrap_or_default())?;
        let limits = self.limits()?;
        let upstream = self.upstream()?;
        let webhooks = self.webhooks()?;
        let retention_hours = declared(self.event_retention_hours);
        if !(1..=8760).contains(&retention_hours) {
            return Err(ConfigError::Invalid(format!(
                "event retention {retention_hours} hours is out of range: use 1 to 8760."
            )));
        }
        let verify_cache_bytes = declared(self.verify_cache_bytes);
        if verify_cache_bytes > 1 << 30 {
            return Err(ConfigError::Invalid(format!(
                "verify cache {verify_cache_bytes} bytes is out of range: use 0 (no cache) to 1073741824."
            )));
        }
        let metrics = self.metrics_serving(listen)?;
        let vault = self.vault()?;
        Ok(Config {
            listen,
            data_dir: self.data_dir(),
            tls,
            public_url,
            body_limit,
            workers,
            drain: std::time::Duration::from_secs(drain_seconds),
            database,
            trusted_issuers,
            limits,
            upstream,
            webhooks,
            event_retention: std::time::Duration::from_secs(retention_hours * 3600),
            verify_cache_bytes,
            metrics,
            show_connection_string: declared(self.show_connection_string),
            vault,
        })
    }
}

#[cfg(test)]
mod tests;

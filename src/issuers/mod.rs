//! Trusted OpenID Connect issuers (Microsoft Entra tenants): their key sets,
//! cached and refreshed, and the validation of the Entra tokens the
//! exchanges take: Teams users' (`POST /teamsUser/:exchangeAccessToken`),
//! and those that need an assignment (`assigned.rs`: Teams Phone
//! extensibility, Entra ID users); and the Bearer tokens of the signed
//! operations, whose principals hold roles (`management.rs`).

mod assigned;
mod cache;
mod jwks;
mod management;
mod validate;

pub use assigned::{
    AssignedToken, ENTRA_USER_PERMISSIONS, TEAMS_EXTENSION_SCOPE, validate_assigned,
};
pub use cache::{FetchCounts, KeyCache};
pub use jwks::JwksError;
pub use management::{ManagementToken, ManagementTokens, validate_management};
pub use validate::{ExchangeableToken, Refusal, TEAMS_SCOPES, validate};

use crate::domain::{JwksSource, ResourceName, TrustedIssuer};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Why the trusted issuers cannot be loaded; stops the start.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("cannot make the HTTP client for key sets")]
    HttpClient(#[source] reqwest::Error),
    #[error(
        "trusted issuer '{issuer}' is for resource '{resource}', which does not exist (resources: {known}). \
         Fix its resource, or create it with `commid resource create --name {resource}`."
    )]
    UnknownResource {
        issuer: String,
        resource: String,
        known: String,
    },
    #[error("trusted issuer '{issuer}': its jwks_file {} is unusable", .path.display())]
    KeyFile {
        issuer: String,
        path: std::path::PathBuf,
        #[source]
        cause: jwks::JwksError,
    },
}

/// One trusted issuer: its configuration and its keys.
pub struct Issuer {
    pub config: TrustedIssuer,
    pub keys: KeyCache,
}

/// The trusted issuers of every resource, by resource name.
#[derive(Default)]
pub struct TrustedIssuers {
    by_resource: HashMap<String, Vec<Arc<Issuer>>>,
    /// Key set fetches of every issuer, for the metrics.
    fetches: Arc<cache::FetchCounts>,
}

impl TrustedIssuers {
    /// Checks that each issuer's resource exists and loads every key set: a
    /// key file that cannot be used stops the start; a URL that cannot be
    /// fetched is logged, and fetched again when a token needs it or on
    /// schedule.
    pub async fn load(
        configs: Vec<TrustedIssuer>,
        resources: &[ResourceName],
    ) -> Result<TrustedIssuers, IssuerError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("commid/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(IssuerError::HttpClient)?;
        let mut by_resource: HashMap<String, Vec<Arc<Issuer>>> = HashMap::new();
        let fetches = Arc::new(cache::FetchCounts::default());
        for config in configs {
            let issuer = crate::domain::quote(&config.issuer);
            if !resources.contains(&config.resource) {
                let known: Vec<&str> = resources.iter().map(ResourceName::as_str).collect();
                return Err(IssuerError::UnknownResource {
                    issuer,
                    resource: config.resource.as_str().to_owned(),
                    known: known.join(", "),
                });
            }
            let keys = KeyCache::new(config.jwks.clone(), http.clone(), config.cooldown)
                .counting(fetches.clone());
            match (&config.jwks, keys.refresh().await) {
                (_, Ok(_)) => {}
                (JwksSource::File(path), Err(cause)) => {
                    return Err(IssuerError::KeyFile {
                        issuer,
                        path: path.clone(),
                        cause,
                    });
                }
                (JwksSource::Url(url), Err(e)) => log::warn!(
                    "trusted issuer '{issuer}': cannot fetch its keys from {url} yet: {}",
                    crate::report::chain(&e)
                ),
            }
            by_resource
                .entry(config.resource.as_str().to_owned())
                .or_default()
                .push(Arc::new(Issuer { config, keys }));
        }
        Ok(TrustedIssuers {
            by_resource,
            fetches,
        })
    }

    /// Key set fetches (and key file reads) since start, of every issuer.
    pub fn fetches(&self) -> Arc<cache::FetchCounts> {
        self.fetches.clone()
    }

    pub fn for_resource(&self, resource: &ResourceName) -> &[Arc<Issuer>] {
        self.by_resource
            .get(resource.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every resource's issuers.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Issuer>> {
        self.by_resource.values().flatten()
    }

    /// One task per issuer, fetching its keys at its refresh interval.
    pub fn spawn_refreshers(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.by_resource
            .values()
            .flatten()
            .map(|issuer| {
                let issuer = issuer.clone();
                tokio::spawn(async move {
                    let mut ticker = tokio::time::interval(issuer.config.refresh_every);
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    ticker.tick().await; // the first tick is now: load did that
                    loop {
                        ticker.tick().await;
                        if let Err(e) = issuer.keys.refresh().await {
                            log::warn!(
                                "cannot refresh the keys of trusted issuer {} from {}: {}",
                                issuer.config.issuer,
                                issuer.keys.describe(),
                                crate::report::chain(&e)
                            );
                        }
                    }
                })
            })
            .collect()
    }
}

//! The steps of [`super::Application::build`] that read or make what a
//! server starts with: its data dir, store, secrets at rest, listener,
//! public URL, default resource, trusted issuers and what it advertises.

use super::StartError;
use crate::config::{Config, Tls};
use crate::directory::Directory;
use crate::domain::{DataLocation, Endpoint, KeySlot, Resource, ResourceName, Secret};
use crate::issuers::TrustedIssuers;
use crate::storage::sealing::{self, Reseal, SealingError};
use crate::storage::{self, Store, StoreError};
use crate::vault::Vault;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;

pub(super) fn create_private_dir(dir: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(dir).map_err(|e| StartError::DataDir(dir.to_owned(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

pub(super) async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
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
pub(super) async fn secrets_at_rest(store: &dyn Store, vault: &Vault) -> Result<(), SealingError> {
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
pub(super) fn bind(address: SocketAddr) -> Result<(TcpListener, u16), StartError> {
    let listener = TcpListener::bind(address).map_err(|e| StartError::Listen(address, e))?;
    let port = listener
        .local_addr()
        .map_err(|e| StartError::Listen(address, e))?
        .port();
    Ok((listener, port))
}

/// The public URL, or the address this server really listens on.
pub(super) fn base_url(config: &Config, port: u16) -> Result<Endpoint, StartError> {
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
pub(super) async fn ensure_default_resource(
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

pub(super) async fn load_issuers(
    config: &Config,
    directory: &Directory,
) -> Result<TrustedIssuers, StartError> {
    let resources: Vec<ResourceName> = directory.all().iter().map(|r| r.name.clone()).collect();
    TrustedIssuers::load(config.trusted_issuers.clone(), &resources)
        .await
        .map_err(StartError::Issuers)
}

/// The hosts of every resource's endpoint, for the self-signed certificate.
pub(super) fn resource_hosts(directory: &Directory) -> Vec<String> {
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
pub(super) fn advertised_connection_string(directory: &Directory, base_url: &Endpoint) -> Secret {
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

use super::{Failure, open_store};
use crate::config::Layer;
use crate::config::StoreFlags;
use crate::domain::{AccessKey, DataLocation, Endpoint, KeySlot, Resource, ResourceName};
use crate::storage::{Store, StoreError};
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    /// Create a resource with two new access keys.
    Create {
        /// Lowercase letters, digits and hyphens.
        #[arg(long)]
        name: String,
        /// Data location, for example unitedstates or europe.
        #[arg(long, default_value = DataLocation::DEFAULT)]
        location: String,
        /// The URL clients use for this resource; requests are matched to it by
        /// host [default: https://<name>.localhost:8443/].
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        #[command(flatten)]
        data: StoreFlags,
    },
    /// List resources (without keys).
    List {
        #[command(flatten)]
        data: StoreFlags,
    },
    /// Print a resource's keys and connection strings.
    ShowKeys {
        #[arg(long, default_value = "default")]
        name: String,
        #[command(flatten)]
        data: StoreFlags,
    },
    /// Replace one key; the other keeps working, so clients can move over
    /// without downtime.
    RegenerateKey {
        #[arg(long, default_value = "default")]
        name: String,
        /// primary or secondary.
        #[arg(long, value_parser = ["primary", "secondary"])]
        key: String,
        #[command(flatten)]
        data: StoreFlags,
    },
}

/// Beside the first resource (same scheme and port, a subdomain of its
/// host), or beside `https://localhost:8443/` in a store with none yet.
async fn default_endpoint(store: &dyn Store, name: &ResourceName) -> Result<Endpoint, Failure> {
    let first = store.resources().await?.into_iter().next();
    let base = match first {
        Some(resource) => resource.endpoint,
        None => Endpoint::parse("https://localhost:8443/")?,
    };
    Ok(base.beside(name.as_str()))
}

pub async fn run(base: Layer, command: ResourceCommand) -> Result<(), Failure> {
    match command {
        ResourceCommand::Create {
            name,
            location,
            endpoint,
            data,
        } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let name = ResourceName::parse(&name)?;
            let endpoint = match endpoint {
                Some(text) => Endpoint::parse(&text)?,
                None => default_endpoint(&*store, &name).await?,
            };
            let resource = Resource::new(name, DataLocation::parse(&location)?, endpoint);
            match store.insert_resource(resource.clone()).await {
                Err(StoreError::Conflict(_)) => {
                    return Err(Failure(format!(
                        "a resource named '{}' exists already",
                        resource.name.as_str()
                    )));
                }
                other => other?,
            }
            print_json(&describe(&resource));
        }
        ResourceCommand::List { data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let list: Vec<_> = store.resources().await?.iter().map(describe).collect();
            print_json(&json!(list));
        }
        ResourceCommand::ShowKeys { name, data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            print_json(&keys(&find(&*store, &name).await?));
        }
        ResourceCommand::RegenerateKey { name, key, data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let slot = KeySlot::parse(&key)?;
            let mut resource = find(&*store, &name).await?;
            let new_key = AccessKey::generate();
            if !store
                .replace_key(resource.id, slot, new_key.clone())
                .await?
            {
                return Err(Failure(format!("resource '{name}' was removed meanwhile")));
            }
            match slot {
                KeySlot::Primary => resource.primary_key = new_key,
                KeySlot::Secondary => resource.secondary_key = new_key,
            }
            print_json(&keys(&resource));
        }
    }
    Ok(())
}

pub(super) async fn find(store: &dyn Store, name: &str) -> Result<Resource, Failure> {
    store
        .resources()
        .await?
        .into_iter()
        .find(|r| r.name.as_str() == name)
        .ok_or_else(|| {
            Failure(format!(
                "no resource named '{name}': see `commid resource list`"
            ))
        })
}

fn describe(r: &Resource) -> serde_json::Value {
    json!({"id": r.id.to_string(), "name": r.name.as_str(), "location": r.location.as_str(), "endpoint": r.endpoint.as_str()})
}

fn keys(r: &Resource) -> serde_json::Value {
    json!({
        "name": r.name.as_str(),
        "primaryKey": r.primary_key.text().expose(),
        "secondaryKey": r.secondary_key.text().expose(),
        "primaryConnectionString": r.connection_string(KeySlot::Primary).expose(),
        "secondaryConnectionString": r.connection_string(KeySlot::Secondary).expose(),
    })
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON serializes")
    );
}

//! `commid secrets …`: the key-encryption keys that seal the stored secrets.

use super::{Failure, open_store, open_store_as_is};
use crate::config::{Layer, StoreFlags};
use crate::storage::sealing::{self, Reseal};
use crate::vault::EncryptionKey;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new encryption key (32 random bytes, base64) on standard
    /// output, and its id on standard error.
    GenerateKey,
    /// Seal every stored secret under the first configured key: after a new
    /// key was put first and every server restarted, so that the older keys
    /// can then be removed. Safe while servers run.
    Rotate {
        #[command(flatten)]
        data: StoreFlags,
    },
    /// Show the configured keys and how many stored secrets each one sealed.
    Status {
        #[command(flatten)]
        data: StoreFlags,
    },
}

pub async fn run(base: Layer, command: SecretsCommand) -> Result<(), Failure> {
    match command {
        SecretsCommand::GenerateKey => {
            let (key, text) = EncryptionKey::generate();
            println!("{}", text.expose());
            eprintln!("key id {}", key.id());
        }
        SecretsCommand::Rotate { data } => {
            let layer = base.merge(data.layer());
            let vault = layer.vault()?;
            let Some(key) = vault.sealing_key() else {
                return Err(sealing::SealingError::NoKey.into());
            };
            let store = open_store(&layer).await?;
            let resealed = sealing::reseal(&*store, &vault, Reseal::NotUnderFirstKey).await?;
            let census = sealing::census(&*store, &vault).await?;
            println!(
                "{}",
                json!({
                    "sealingKey": key.to_string(),
                    "resealed": resealed,
                    "secrets": census.values,
                    "notUnderSealingKey": census.under_older_keys(&vault) + census.plaintext,
                })
            );
        }
        SecretsCommand::Status { data } => {
            let (store, vault) = open_store_as_is(&base.merge(data.layer())).await?;
            let census = sealing::census(&*store, &vault).await?;
            let keys: Vec<_> = vault
                .key_ids()
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    json!({
                        "id": id.to_string(),
                        "seals": i == 0,
                        "secrets": census.by_key.get(id).copied().unwrap_or(0),
                    })
                })
                .collect();
            let missing: Vec<_> = census
                .missing
                .iter()
                .map(|id| json!({"id": id.to_string(), "secrets": census.by_key[id]}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "secrets": census.values,
                    "plaintext": census.plaintext,
                    "keys": keys,
                    "missingKeys": missing,
                    "unreadable": census.unreadable,
                }))
                .expect("JSON serializes")
            );
        }
    }
    Ok(())
}

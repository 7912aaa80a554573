use super::{Failure, open_store};
use crate::config::Layer;
use crate::config::StoreFlags;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Make a new key active. Older keys stay published until every token
    /// they signed has expired; running servers pick the new key up within
    /// seconds.
    Rotate {
        #[command(flatten)]
        data: StoreFlags,
    },
    /// List the signing keys.
    List {
        #[command(flatten)]
        data: StoreFlags,
    },
}

pub async fn run(base: Layer, command: SigningKeyCommand) -> Result<(), Failure> {
    match command {
        SigningKeyCommand::Rotate { data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let kid = crate::tokens::rotate(&*store).await?;
            println!("{}", json!({"activeKid": kid}));
        }
        SigningKeyCommand::List { data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let keys: Vec<_> = store
                .signing_keys()
                .await?
                .iter()
                .map(|k| {
                    json!({
                        "kid": k.kid,
                        "createdAt": k.created_at.to_acs_string(),
                        "retiredAt": k.retired_at.map(|t| t.to_acs_string()),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&keys).expect("JSON serializes")
            );
        }
    }
    Ok(())
}

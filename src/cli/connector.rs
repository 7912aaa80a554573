//! `commid connector export`: the Power Automate custom connector's files.

use super::Failure;
use crate::connector::{self, Options};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Write apiDefinition.swagger.json (Swagger 2.0) and apiProperties.json
    /// for Power Automate and Logic Apps; add icon.png from the repository.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The public host[:port] of your commid server, as Power Automate
    /// reaches it over HTTPS (a URL such as https://identity.example.com/ works too).
    #[arg(long, value_name = "HOST", default_value = connector::DEFAULT_HOST)]
    host: String,
    /// The directory to write the two files into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Leave stackOwner out of apiProperties.json: `paconn create` and
    /// `paconn update` refuse it (certification wants it).
    #[arg(long)]
    no_stack_owner: bool,
    /// Sign makers in with Microsoft Entra ID instead of a connection
    /// string: the application (client) id of commid's app registration
    /// (docs/connector.md, "Sign in with Microsoft Entra ID").
    #[arg(long, value_name = "ID", requires = "entra_resource")]
    entra_client_id: Option<String>,
    /// With --entra-client-id: the registration's application ID URI
    /// (api://…), the audience of the makers' tokens.
    #[arg(long, value_name = "URI", requires = "entra_client_id")]
    entra_resource: Option<String>,
    /// With --entra-client-id: the tenant id makers sign in to.
    #[arg(
        long,
        value_name = "TENANT",
        default_value = "common",
        requires = "entra_client_id"
    )]
    entra_tenant: String,
}

pub async fn run(command: ConnectorCommand) -> Result<(), Failure> {
    match command {
        ConnectorCommand::Export(args) => {
            let entra = match (args.entra_client_id, args.entra_resource) {
                (Some(client_id), Some(resource)) => Some(connector::entra::EntraSignIn {
                    client_id: nonempty("--entra-client-id", client_id)?,
                    resource: nonempty("--entra-resource", resource)?,
                    tenant: nonempty("--entra-tenant", args.entra_tenant)?,
                }),
                _ => None,
            };
            let options = Options {
                host: connector::normalize_host(&args.host)?,
                stack_owner: !args.no_stack_owner,
                entra,
            };
            let openapi = crate::router::openapi_json();
            for path in connector::export(&openapi, &args.out, &options)? {
                println!("Wrote {}", path.display());
            }
            Ok(())
        }
    }
}

fn nonempty(flag: &str, value: String) -> Result<String, Failure> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(Failure(format!("{flag} must not be empty.")));
    }
    Ok(value)
}

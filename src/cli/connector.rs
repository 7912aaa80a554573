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
}

pub async fn run(command: ConnectorCommand) -> Result<(), Failure> {
    match command {
        ConnectorCommand::Export(args) => {
            let options = Options {
                host: connector::normalize_host(&args.host)?,
                stack_owner: !args.no_stack_owner,
            };
            let openapi = crate::router::openapi_json();
            for path in connector::export(&openapi, &args.out, &options)? {
                println!("Wrote {}", path.display());
            }
            Ok(())
        }
    }
}

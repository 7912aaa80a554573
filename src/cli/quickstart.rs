//! The seeds' access-token quickstart, step by step, printing what they print.

use super::Failure;
use crate::acs::ConnectionString;
use crate::client::IdentityClient;
use crate::domain::Scope;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct QuickstartArgs {
    /// endpoint=…;accesskey=… [default: COMMUNICATION_SERVICES_CONNECTION_STRING].
    #[arg(
        long,
        env = "COMMUNICATION_SERVICES_CONNECTION_STRING",
        hide_env_values = true
    )]
    connection_string: String,
    /// A PEM certificate to trust, such as the one `commid serve` prints.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

pub async fn run(args: QuickstartArgs) -> Result<(), Failure> {
    let connection = ConnectionString::parse(&args.connection_string)?;
    let client = IdentityClient::new(connection, args.ca_cert.as_deref())?;
    let voip = [Scope::Voip];

    println!("Azure Communication Services - Access Tokens Quickstart");

    let identity = client.create_user(None).await?;
    println!("\nCreated an identity with ID: {identity}");

    let token = client.get_token(&identity, &voip, None).await?;
    println!(
        "\nIssued an access token with 'voip' scope that expires at {}:",
        token.expires_on
    );
    println!("{}", token.token);

    let token = client.get_token(&identity, &voip, Some(60)).await?;
    println!(
        "\nIssued an access token with 'voip' scope and a 60-minute lifetime that expires at {}:",
        token.expires_on
    );
    println!("{}", token.token);

    let (other, token) = client.create_user_and_token(&voip, None).await?;
    println!("\nCreated an identity with ID: {other}");
    println!(
        "\nIssued an access token with 'voip' scope that expires at {}:",
        token.expires_on
    );
    println!("{}", token.token);

    let token = client.get_token(&identity, &voip, None).await?;
    println!(
        "\nRefreshed the access token with 'voip' scope for identity with ID: {identity}; it expires at {}:",
        token.expires_on
    );
    println!("{}", token.token);

    client.revoke_tokens(&identity).await?;
    println!("\nSuccessfully revoked all access tokens for identity with ID: {identity}");

    client.delete_user(&identity).await?;
    println!("\nDeleted the identity with ID: {identity}");
    Ok(())
}

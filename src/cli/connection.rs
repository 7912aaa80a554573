//! How `commid identity …` reaches a service: a connection string (flag,
//! then az's variable, then the SDKs'), or an endpoint with a Bearer
//! token; the client made from it, and how its failures are told.

use super::Failure;
use super::output::Format;
use crate::acs::ConnectionString;
use crate::client::{BearerCredentials, ClientError, ClientOptions, IdentityClient, Transport};
use crate::domain::{Endpoint, Secret};
use clap::Args;
use std::path::PathBuf;

/// az's variable, then the SDK quickstarts'.
pub const CONNECTION_STRING_VARIABLES: [&str; 2] = [
    "AZURE_COMMUNICATION_CONNECTION_STRING",
    "COMMUNICATION_SERVICES_CONNECTION_STRING",
];

#[derive(Debug, Args)]
pub(super) struct Connection {
    /// endpoint=…;accesskey=… [default: $AZURE_COMMUNICATION_CONNECTION_STRING, else $COMMUNICATION_SERVICES_CONNECTION_STRING].
    #[arg(long, value_name = "CS", conflicts_with = "endpoint")]
    connection_string: Option<String>,
    /// Instead of a connection string: the endpoint (https://…/) to call
    /// with a Bearer token, from --access-token or --access-token-file.
    #[arg(long, value_name = "URL", env = "COMMID_ENDPOINT")]
    endpoint: Option<String>,
    /// The Bearer token (a managed identity's, any OIDC client's) whose
    /// principal holds a role on the resource. Prefer the variable or
    /// --access-token-file: other users can read a command line.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "COMMID_ACCESS_TOKEN",
        hide_env_values = true,
        conflicts_with = "access_token_file"
    )]
    access_token: Option<String>,
    /// A file holding the Bearer token, such as a workload identity's
    /// projected token, read when the command runs.
    #[arg(long, value_name = "FILE")]
    access_token_file: Option<PathBuf>,
    /// A PEM certificate to trust besides the system's, such as the one `commid serve` prints.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// json: az's field names; table: for people.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Json)]
    pub(super) output: Format,
}

pub(super) fn client(c: &Connection) -> Result<IdentityClient, Failure> {
    let options = ClientOptions {
        ca_cert: c.ca_cert.clone(),
        ..ClientOptions::default()
    };
    if let Some(endpoint) = &c.endpoint {
        let credentials = BearerCredentials {
            endpoint: Endpoint::parse(endpoint)
                .unwrap_or_else(|e| usage(format!("--endpoint: {e}"))),
            token: access_token(c)?,
        };
        return match Transport::new(&options) {
            Ok(transport) => Ok(IdentityClient::with_credentials(
                std::sync::Arc::new(credentials),
                transport,
            )),
            Err(ClientError::Setup(message)) => usage(message),
            Err(e) => Err(failure(e)),
        };
    }
    if c.access_token.is_some() || c.access_token_file.is_some() {
        usage("a Bearer token needs --endpoint (or COMMID_ENDPOINT): the URL to call");
    }
    let text = connection_string(c.connection_string.as_deref(), |name| {
        std::env::var(name).ok()
    })
    .unwrap_or_else(|| {
        usage(format!(
            "no connection string: pass --connection-string, or set {} or {}",
            CONNECTION_STRING_VARIABLES[0], CONNECTION_STRING_VARIABLES[1]
        ))
    });
    let connection = ConnectionString::parse(&text).unwrap_or_else(|e| usage(e));
    match Transport::new(&options) {
        Ok(transport) => Ok(IdentityClient::with_transport(connection, transport)),
        Err(ClientError::Setup(message)) => usage(message),
        Err(e) => Err(failure(e)),
    }
}

/// The Bearer token of --access-token (or its variable) or of the file
/// --access-token-file names, trimmed; never printed.
fn access_token(c: &Connection) -> Result<Secret, Failure> {
    let token = match (&c.access_token, &c.access_token_file) {
        (Some(token), _) => token.clone(),
        (None, Some(file)) => std::fs::read_to_string(file).map_err(|e| {
            Failure(format!(
                "cannot read the access token file {}: {e}",
                file.display()
            ))
        })?,
        (None, None) => usage(
            "--endpoint needs a Bearer token: pass --access-token-file FILE, or set COMMID_ACCESS_TOKEN",
        ),
    };
    let token = token.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        usage("the access token is empty or has spaces in it: give the token alone");
    }
    Ok(Secret::new(token))
}

/// The flag, else the first variable set (and not empty).
fn connection_string(
    flag: Option<&str>,
    variable: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    flag.map(str::to_owned)
        .into_iter()
        .chain(
            CONNECTION_STRING_VARIABLES
                .iter()
                .filter_map(|v| variable(v)),
        )
        .find(|cs| !cs.trim().is_empty())
}

pub(super) fn failure(e: ClientError) -> Failure {
    match e {
        ClientError::Tls(_) => Failure(format!(
            "{e}\n(for a self-signed certificate, such as commid's, pass --ca-cert FILE)"
        )),
        e => Failure(e.to_string()),
    }
}

/// A usage error: exit status 2, like clap's own.
pub(super) fn usage(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_azs_variable_then_the_sdks_and_empty_ones_do_not_count() {
        let env = |az: Option<&str>, sdk: Option<&str>| {
            let (az, sdk) = (az.map(str::to_owned), sdk.map(str::to_owned));
            move |name: &str| match name {
                "AZURE_COMMUNICATION_CONNECTION_STRING" => az.clone(),
                "COMMUNICATION_SERVICES_CONNECTION_STRING" => sdk.clone(),
                _ => None,
            }
        };
        let pick = |flag, az, sdk| connection_string(flag, env(az, sdk));
        assert_eq!(pick(Some("f"), Some("a"), Some("s")).as_deref(), Some("f"));
        assert_eq!(pick(None, Some("a"), Some("s")).as_deref(), Some("a"));
        assert_eq!(pick(None, None, Some("s")).as_deref(), Some("s"));
        assert_eq!(pick(None, Some(""), Some("s")).as_deref(), Some("s"));
        assert_eq!(pick(None, None, None), None);
    }
}

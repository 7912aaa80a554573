//! `commid identity …`: the az CLI's `communication identity` commands, for
//! commid or any ACS-compatible endpoint, through [`crate::client`].
//!
//! Exit status: 0 done; 1 the service refused or could not be reached (its
//! error code and message on stderr); 2 a usage error, including input the
//! service would refuse, caught before anything is sent.

use super::Failure;
use super::connection::{Connection, client, failure};
use super::output::Output;
use crate::domain::{IdentityId, Scope, Scopes, TokenLifetime};
use clap::builder::NonEmptyStringValueParser;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Create, show and delete identities.
    #[command(subcommand)]
    User(UserCommand),
    /// Issue, revoke, exchange and verify access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Teams Phone extensibility: assignments (not in az).
    #[command(subcommand)]
    TeamsExtension(teams_extension::TeamsExtensionCommand),
    /// Webhook subscriptions: events posted to your URL as they happen (commid only).
    #[command(subcommand)]
    Subscription(super::subscription::SubscriptionCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an identity.
    ///
    /// Prints {"properties": {"id"}, "rawId"}, as az does.
    Create(super::directory::CreateUser),
    /// Delete an identity, which revokes its tokens.
    ///
    /// Prints nothing, as az does.
    Delete(UserChange),
    /// Show an identity (not in az).
    ///
    /// Prints {"id", "customId"?, "lastTokenIssuedAt"?}; uses api-version
    /// 2025-03-02-preview.
    Show(User),
    /// List identities, following pages (commid only).
    ///
    /// Prints [{"id", "customId"?, "displayName", "createdAt", "lastTokenIssuedAt"?}].
    List(super::directory::ListUsers),
    /// Count identities (commid only).
    ///
    /// Prints {"count"}.
    Count(super::directory::CountUsers),
    /// Print what happens to identities: created, deleted, tokens revoked (commid only).
    ///
    /// One JSON object per event and line, then {"cursor"} to pass as
    /// --since next time; with --follow, events as they come.
    Changes(super::directory::UserChanges),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token; without --user, for a new identity.
    ///
    /// Without --user, the identity and its token are made in one request.
    /// Prints {"expires_on", "token", "user_id"}, as az does.
    Issue(Issue),
    /// Revoke every token of an identity.
    ///
    /// Prints nothing, as az does.
    Revoke(UserChange),
    /// Exchange a Teams user's Entra ID token for an ACS token.
    ///
    /// Prints {"expires_on", "token"}, as az does.
    #[command(name = "get-for-teams-user")]
    GetForTeamsUser(TeamsUser),
    /// Ask the service whether a token is valid now (not in az).
    ///
    /// commid's POST /accessTokens/:verify. Prints {"valid", "identity":
    /// {"id"}, "scopes", "expiresOn"} or {"valid": false, "reason"}; the exit
    /// status is 0 either way.
    Verify(Verify),
}

#[derive(Debug, Args)]
pub struct User {
    /// The identity: 8:acs:<resource id>_<identity guid>.
    #[arg(long, value_name = "ID", value_parser = identity_id)]
    user: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct UserChange {
    #[command(flatten)]
    user: User,
    /// Accepted for scripts written for az, which asks first; commid never asks.
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(Debug, Args)]
pub struct Issue {
    /// One or more of chat, voip, chat.join, chat.join.limited, voip.join.
    #[arg(long = "scope", value_name = "SCOPE", required = true, num_args = 1.., value_parser = scope)]
    scopes: Vec<Scope>,
    /// The identity [default: a new one].
    #[arg(long, value_name = "ID", value_parser = identity_id)]
    user: Option<String>,
    /// The token's lifetime, 60 to 1440 [service default: 1440].
    #[arg(long, value_name = "N", value_parser = minutes)]
    expires_in_minutes: Option<u32>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct TeamsUser {
    /// The Teams user's Microsoft Entra ID access token.
    #[arg(long, value_name = "TOKEN", value_parser = NonEmptyStringValueParser::new())]
    aad_token: String,
    /// The Entra ID application (client) id, checked against the token's appid claim.
    #[arg(long, value_name = "APP", value_parser = NonEmptyStringValueParser::new())]
    client: String,
    /// The Teams user's Entra ID object id, checked against the token's oid claim.
    #[arg(long, value_name = "OID", value_parser = NonEmptyStringValueParser::new())]
    aad_user: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct Verify {
    /// The access token to check.
    #[arg(long, value_name = "TOKEN", value_parser = NonEmptyStringValueParser::new())]
    token: String,
    #[command(flatten)]
    connection: Connection,
}

pub async fn run(command: IdentityCommand) -> Result<(), Failure> {
    let (connection, output) = match command {
        IdentityCommand::TeamsExtension(c) => teams_extension::run(c).await?,
        IdentityCommand::Subscription(c) => super::subscription::run(c).await?,
        IdentityCommand::User(UserCommand::Create(c)) => {
            let output = super::directory::create(&c).await?;
            (c.connection, output)
        }
        IdentityCommand::User(UserCommand::List(l)) => {
            let output = super::directory::list(&l).await?;
            (l.connection, output)
        }
        IdentityCommand::User(UserCommand::Count(c)) => {
            let output = super::directory::count(&c).await?;
            (c.connection, output)
        }
        IdentityCommand::User(UserCommand::Changes(c)) => {
            return super::directory::changes(&c).await;
        }
        IdentityCommand::User(UserCommand::Delete(UserChange { user, .. })) => {
            client(&user.connection)?
                .delete_user(&user.user)
                .await
                .map_err(failure)?;
            let note = format!("Deleted the identity {}.", user.user);
            (user.connection, Output::Nothing(note))
        }
        IdentityCommand::User(UserCommand::Show(u)) => {
            let details = client(&u.connection)?
                .get_user(&u.user)
                .await
                .map_err(failure)?;
            let columns = vec![
                ("Id", details.id.clone()),
                ("CustomId", details.custom_id.clone().unwrap_or_default()),
                (
                    "LastTokenIssuedAt",
                    details.last_token_issued_at.clone().unwrap_or_default(),
                ),
            ];
            (u.connection, Output::record(&details, columns))
        }
        IdentityCommand::Token(TokenCommand::Issue(i)) => {
            let output = issue(&i).await?;
            (i.connection, output)
        }
        IdentityCommand::Token(TokenCommand::Revoke(UserChange { user, .. })) => {
            client(&user.connection)?
                .revoke_tokens(&user.user)
                .await
                .map_err(failure)?;
            let note = format!("Revoked every access token of {}.", user.user);
            (user.connection, Output::Nothing(note))
        }
        IdentityCommand::Token(TokenCommand::GetForTeamsUser(t)) => {
            let token = client(&t.connection)?
                .get_token_for_teams_user(&t.aad_token, &t.client, &t.aad_user)
                .await
                .map_err(failure)?;
            let json = json!({ "expires_on": token.expires_on, "token": token.token });
            let columns = vec![("ExpiresOn", token.expires_on), ("Token", token.token)];
            (t.connection, Output::Record(json, columns))
        }
        IdentityCommand::Token(TokenCommand::Verify(v)) => {
            let verdict = client(&v.connection)?
                .verify_token(&v.token)
                .await
                .map_err(failure)?;
            let columns = vec![
                ("Valid", verdict.valid.to_string()),
                (
                    "Id",
                    verdict
                        .identity
                        .as_ref()
                        .map(|i| i.id.clone())
                        .unwrap_or_default(),
                ),
                (
                    "Scopes",
                    verdict
                        .scopes
                        .iter()
                        .flatten()
                        .map(Scope::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                ("ExpiresOn", verdict.expires_on.clone().unwrap_or_default()),
                (
                    "Reason",
                    // The reason as JSON names it: `badSignature`, …
                    verdict
                        .reason
                        .and_then(|r| json!(r).as_str().map(str::to_owned))
                        .unwrap_or_default(),
                ),
            ];
            (v.connection, Output::record(&verdict, columns))
        }
    };
    output.print(connection.output);
    Ok(())
}

async fn issue(i: &Issue) -> Result<Output, Failure> {
    let client = client(&i.connection)?;
    // The service drops repeated scopes too; this keeps the request minimal.
    let mut scopes: Vec<Scope> = Vec::with_capacity(i.scopes.len());
    for s in &i.scopes {
        if !scopes.contains(s) {
            scopes.push(*s);
        }
    }
    let (user, token) = match &i.user {
        Some(user) => {
            let token = client.get_token(user, &scopes, i.expires_in_minutes).await;
            (user.clone(), token.map_err(failure)?)
        }
        None => client
            .create_user_and_token(&scopes, i.expires_in_minutes)
            .await
            .map_err(failure)?,
    };
    let json = json!({ "expires_on": token.expires_on, "token": token.token, "user_id": user });
    let columns = vec![
        ("UserId", user),
        ("ExpiresOn", token.expires_on),
        ("Token", token.token),
    ];
    Ok(Output::Record(json, columns))
}

fn scope(text: &str) -> Result<Scope, String> {
    Scopes::parse(Some(&[text.to_owned()]))
        .map(|scopes| scopes.iter().next().expect("one scope"))
        .map_err(|e| e.message)
}

fn minutes(text: &str) -> Result<u32, String> {
    let allowed = || {
        format!(
            "a whole number of minutes from {} to {}",
            TokenLifetime::MIN_MINUTES,
            TokenLifetime::MAX_MINUTES
        )
    };
    let minutes: i64 = text.trim().parse().map_err(|_| allowed())?;
    TokenLifetime::from_minutes(Some(minutes)).map_err(|e| e.message)?;
    u32::try_from(minutes).map_err(|_| allowed())
}

fn identity_id(text: &str) -> Result<String, String> {
    IdentityId::parse(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.message)
}

#[path = "teams_extension.rs"]
mod teams_extension;

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;

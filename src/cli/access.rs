//! `commid access grant|list|revoke`: the roles principals of trusted
//! issuers hold on a resource, kept in the store, so every server on it
//! sees a change within seconds (a refused principal makes a server look
//! at once).

use super::{Failure, open_store};
use crate::config::{Layer, StoreFlags};
use crate::domain::{Principal, Role, RoleGrant};
use crate::storage::Store;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Give a principal a role on a resource.
    Grant(GrantArgs),
    /// The roles principals hold on a resource.
    List {
        /// The resource.
        #[arg(long, default_value = "default")]
        resource: String,
        #[command(flatten)]
        data: StoreFlags,
    },
    /// Take a role away from a principal.
    Revoke(GrantArgs),
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// owner (every operation), issuer (create, issue a token, get, find by
    /// custom id) or reader (get, list, count, the change feed, triggers,
    /// verify).
    #[arg(long, value_parser = ["owner", "issuer", "reader"])]
    role: String,
    /// Who: oid:<object id> (an Entra user, service principal or managed
    /// identity), app:<application id>, group:<group id>, role:<app role>
    /// or sub:<subject> (any issuer).
    #[arg(long)]
    principal: String,
    /// The exact iss of the principal's tokens; may be left out when the
    /// configuration trusts one issuer for the resource's management.
    #[arg(long)]
    issuer: Option<String>,
    /// The resource.
    #[arg(long, default_value = "default")]
    resource: String,
    #[command(flatten)]
    data: StoreFlags,
}

pub async fn run(base: Layer, command: AccessCommand) -> Result<(), Failure> {
    match command {
        AccessCommand::Grant(args) => {
            let (store, resource, grant) = grant_of(base, args).await?;
            let created = store.grant_role(resource.id, grant.clone()).await?;
            print_json(
                &json!({"resource": resource.name.as_str(), "granted": describe(&grant), "new": created}),
            );
        }
        AccessCommand::Revoke(args) => {
            let (store, resource, grant) = grant_of(base, args).await?;
            let removed = store.revoke_role(resource.id, grant.clone()).await?;
            if !removed {
                return Err(Failure(format!(
                    "{} holds no {} role from issuer '{}' on resource '{}': see `commid access list`",
                    grant.principal,
                    grant.role.as_str(),
                    grant.issuer,
                    resource.name.as_str()
                )));
            }
            print_json(&json!({"resource": resource.name.as_str(), "revoked": describe(&grant)}));
        }
        AccessCommand::List { resource, data } => {
            let store = open_store(&base.merge(data.layer())).await?;
            let resource = super::resource::find(&*store, &resource).await?;
            let grants: Vec<_> = store
                .role_grants()
                .await?
                .into_iter()
                .filter(|(r, _)| *r == resource.id)
                .map(|(_, g)| describe(&g))
                .collect();
            print_json(&json!(grants));
        }
    }
    Ok(())
}

async fn grant_of(
    base: Layer,
    args: GrantArgs,
) -> Result<
    (
        std::sync::Arc<dyn Store>,
        crate::domain::Resource,
        RoleGrant,
    ),
    Failure,
> {
    let role = Role::parse(&args.role)?;
    let principal = Principal::parse(&args.principal)?;
    let layer = base.merge(args.data.layer());
    let issuer = match args.issuer {
        Some(issuer) if !issuer.trim().is_empty() => issuer,
        _ => only_issuer(&layer, &args.resource)?,
    };
    let store = open_store(&layer).await?;
    let resource = super::resource::find(&*store, &args.resource).await?;
    Ok((
        store,
        resource,
        RoleGrant {
            issuer,
            principal,
            role,
        },
    ))
}

/// The one issuer the configuration trusts for the resource's management.
fn only_issuer(layer: &Layer, resource: &str) -> Result<String, Failure> {
    let mut issuers = layer.management_issuers(resource)?;
    match issuers.len() {
        1 => Ok(issuers.remove(0)),
        0 => Err(Failure(format!(
            "give --issuer: the configuration trusts no issuer for management of resource \
             '{resource}' (a [[trusted_issuers]] table with \"management\" in its exchanges)"
        ))),
        _ => Err(Failure(format!(
            "give --issuer: resource '{resource}' trusts several issuers for management: {}",
            issuers.join(", ")
        ))),
    }
}

fn describe(grant: &RoleGrant) -> serde_json::Value {
    json!({
        "issuer": grant.issuer,
        "principal": grant.principal.to_string(),
        "role": grant.role.as_str(),
    })
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON serializes")
    );
}

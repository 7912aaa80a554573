//! `commid identity teams-extension assignment set|show|delete`: Teams
//! Phone extensibility assignments, which give a Teams user or resource
//! account of a tenant access to the resource's token exchange (not in az;
//! api-version 2025-06-30). A child of `identity.rs`, whose connection
//! flags and error handling it shares.

use super::{Connection, client, failure};
use crate::cli::output::Output;
use crate::client::Upserted;
use crate::domain::{AssignmentKind, EntraId, PrincipalType};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum TeamsExtensionCommand {
    /// Who may exchange Microsoft Entra tokens for access tokens.
    #[command(subcommand)]
    Assignment(AssignmentCommand),
}

#[derive(Debug, Subcommand)]
pub enum AssignmentCommand {
    /// Create or replace the assignment of a Teams user or resource account.
    ///
    /// Prints the assignment: {"objectId", "tenantId", "principalType",
    /// "clientIds"?}; with -o table, also whether it was created or replaced.
    Set(Set),
    /// Show an assignment.
    ///
    /// Prints {"objectId", "tenantId", "principalType", "clientIds"?}.
    Show(Assigned),
    /// Delete an assignment; the tokens exchanged under it stop being valid.
    ///
    /// Prints nothing; succeeds when there was none too.
    Delete(Deletion),
}

#[derive(Debug, Args)]
pub struct Assigned {
    /// The Microsoft Entra tenant id (a GUID).
    #[arg(long, value_name = "GUID", value_parser = guid)]
    tenant_id: String,
    /// The Microsoft Entra object id (a GUID) of the Teams user or resource account.
    #[arg(long, value_name = "GUID", value_parser = guid)]
    object_id: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct Set {
    #[command(flatten)]
    assigned: Assigned,
    /// user, resourceAccount or teamsResourceAccount (the same as resourceAccount).
    #[arg(long, value_name = "TYPE", value_parser = principal_type)]
    principal_type: String,
    /// The application (client) ids through which a user may exchange its
    /// tokens; a user's assignment without them admits no application.
    #[arg(long = "client-id", value_name = "GUID", num_args = 1.., value_parser = guid)]
    client_ids: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub struct Deletion {
    #[command(flatten)]
    assigned: Assigned,
    /// Accepted for scripts written for az, which asks first; commid never asks.
    #[arg(long, short = 'y')]
    yes: bool,
}

pub(super) async fn run(
    command: TeamsExtensionCommand,
) -> Result<(Connection, Output), crate::cli::Failure> {
    let TeamsExtensionCommand::Assignment(command) = command;
    Ok(match command {
        AssignmentCommand::Set(s) => {
            let a = &s.assigned;
            let (assignment, upserted) = client(&a.connection)?
                .set_teams_extension_assignment(
                    &a.tenant_id,
                    &a.object_id,
                    &s.principal_type,
                    s.client_ids.as_deref(),
                )
                .await
                .map_err(failure)?;
            let result = match upserted {
                Upserted::Created => "created",
                Upserted::Replaced => "replaced",
            };
            let mut columns = columns(&assignment);
            columns.push(("Result", result.to_owned()));
            (s.assigned.connection, Output::record(&assignment, columns))
        }
        AssignmentCommand::Show(a) => {
            let assignment = client(&a.connection)?
                .get_teams_extension_assignment(&a.tenant_id, &a.object_id)
                .await
                .map_err(failure)?;
            let columns = columns(&assignment);
            (a.connection, Output::record(&assignment, columns))
        }
        AssignmentCommand::Delete(Deletion { assigned: a, .. }) => {
            client(&a.connection)?
                .delete_teams_extension_assignment(&a.tenant_id, &a.object_id)
                .await
                .map_err(failure)?;
            let note = format!(
                "Deleted the assignment of {} in tenant {}.",
                a.object_id, a.tenant_id
            );
            (a.connection, Output::Nothing(note))
        }
    })
}

fn columns(a: &crate::acs::assignments::TeamsExtensionAssignment) -> Vec<(&'static str, String)> {
    vec![
        ("ObjectId", a.object_id.clone()),
        ("TenantId", a.tenant_id.clone()),
        ("PrincipalType", a.principal_type.clone()),
        (
            "ClientIds",
            a.client_ids.clone().unwrap_or_default().join(","),
        ),
    ]
}

fn guid(text: &str) -> Result<String, String> {
    EntraId::from_guid(text)
        .map(|id| id.to_string())
        .ok_or_else(|| {
            format!("'{text}' is not a GUID such as 87d349ed-44d7-43e1-9a83-5f2406dee5bd")
        })
}

fn principal_type(text: &str) -> Result<String, String> {
    PrincipalType::parse(AssignmentKind::TeamsExtension, Some(text))
        .map(|p| p.as_str().to_owned())
        .map_err(|e| e.message)
}

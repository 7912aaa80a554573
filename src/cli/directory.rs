//! `commid identity user create --custom-id`, `user list`, `user count` and
//! `user changes`: the directory from the command line (not in az).

use super::Failure;
use super::connection::{Connection, client, failure};
use super::output::{Format, Output};
use crate::acs::models::{IdentityEvent, IdentityList, ListedIdentity};
use crate::client::{Filters, IdentityClient};
use crate::domain::{CustomId, CustomIdPrefix, Member, PageSize, Timestamp};
use clap::Args;
use serde_json::json;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct CreateUser {
    /// Your own id for the identity: with one already mapped, that identity
    /// is printed (get-or-create; commid and ACS 2025-03-02-preview).
    #[arg(long, value_name = "ID", value_parser = custom_id)]
    custom_id: Option<String>,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only the identity with this custom id.
    #[arg(long, value_name = "ID", value_parser = custom_id)]
    custom_id: Option<String>,
    /// Only identities whose custom id starts with this (case counts); a list
    /// then runs in custom id order.
    #[arg(long, value_name = "TEXT", value_parser = custom_id_prefix)]
    custom_id_prefix: Option<String>,
    /// Only identities created after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = time("--created-after"))]
    created_after: Option<String>,
    /// Only identities created before this time.
    #[arg(long, value_name = "TIME", value_parser = time("--created-before"))]
    created_before: Option<String>,
    /// Only identities with no token since this time (never one counts too).
    #[arg(long, value_name = "TIME", value_parser = time("--idle-since"))]
    idle_since: Option<String>,
}

impl FilterArgs {
    fn filters(&self) -> Filters {
        Filters {
            custom_id: self.custom_id.clone(),
            custom_id_prefix: self.custom_id_prefix.clone(),
            created_after: self.created_after.clone(),
            created_before: self.created_before.clone(),
            last_token_issued_before: self.idle_since.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ListUsers {
    #[command(flatten)]
    filters: FilterArgs,
    /// Print at most N identities (following pages until then) [default: all].
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct CountUsers {
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Debug, Args)]
pub struct UserChanges {
    /// Go on from this cursor (what the last run printed) [default: from now].
    #[arg(long, value_name = "CURSOR")]
    since: Option<String>,
    /// Keep reading, printing events as they come, until interrupted.
    #[arg(long)]
    follow: bool,
    #[command(flatten)]
    pub connection: Connection,
}

/// az prints what the SDK returns: a `CommunicationUserIdentifier`, whose
/// attributes az writes in camelCase.
pub async fn create(args: &CreateUser) -> Result<Output, Failure> {
    let id = client(&args.connection)?
        .create_user(args.custom_id.as_deref())
        .await
        .map_err(failure)?;
    let json = json!({ "properties": { "id": id }, "rawId": id });
    Ok(Output::Record(json, vec![("RawId", id)]))
}

pub async fn list(args: &ListUsers) -> Result<Output, Failure> {
    let client = client(&args.connection)?;
    let top = args.top.unwrap_or(usize::MAX);
    let size = PageSize::MAX
        .min(u16::try_from(top).unwrap_or(u16::MAX))
        .max(1);
    let mut page: IdentityList = client
        .list_users(&args.filters.filters(), size)
        .await
        .map_err(failure)?;
    let mut items: Vec<ListedIdentity> = Vec::new();
    loop {
        items.append(&mut page.value);
        let Some(next) = page.next_link.take().filter(|_| items.len() < top) else {
            break;
        };
        page = client.next_page(&next).await.map_err(failure)?;
    }
    items.truncate(top);
    let rows = items
        .iter()
        .map(|i| {
            vec![
                ("Id", i.id.clone()),
                ("CustomId", i.custom_id.clone().unwrap_or_default()),
                ("CreatedAt", i.created_at.clone()),
                (
                    "LastTokenIssuedAt",
                    i.last_token_issued_at.clone().unwrap_or_default(),
                ),
            ]
        })
        .collect();
    Ok(Output::Rows(json!(items), rows))
}

pub async fn count(args: &CountUsers) -> Result<Output, Failure> {
    let count = client(&args.connection)?
        .count_users(&args.filters.filters())
        .await
        .map_err(failure)?;
    Ok(Output::Record(
        json!({ "count": count }),
        vec![("Count", count.to_string())],
    ))
}

/// How long `--follow` waits when nothing new came.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Prints each event as it comes (one JSON object per line, or a table
/// row), then `{"cursor"}` (or `cursor: …`) to go on from next time.
pub async fn changes(args: &UserChanges) -> Result<(), Failure> {
    let client = client(&args.connection)?;
    let format = args.connection.output;
    if format == Format::Table {
        println!(
            "{:<10} {:<14} {:<84} {:<20} At",
            "Sequence", "Kind", "Id", "CustomId"
        );
    }
    let mut cursor = args.since.clone();
    loop {
        let page = read(&client, cursor.as_deref()).await?;
        for event in &page.value {
            print_event(event, format);
        }
        cursor = Some(page.cursor);
        if page.next_link.is_some() {
            continue;
        }
        if !args.follow {
            break;
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
    let cursor = cursor.unwrap_or_default();
    match format {
        Format::Json => println!("{}", json!({ "cursor": cursor })),
        Format::Table => println!("cursor: {cursor}"),
    }
    Ok(())
}

async fn read(
    client: &IdentityClient,
    since: Option<&str>,
) -> Result<crate::acs::models::IdentityEvents, Failure> {
    client
        .user_events(since, PageSize::MAX)
        .await
        .map_err(failure)
}

fn print_event(event: &IdentityEvent, format: Format) {
    match format {
        Format::Json => println!("{}", serde_json::to_string(event).expect("JSON serializes")),
        Format::Table => println!(
            "{:<10} {:<14} {:<84} {:<20} {}",
            event.sequence,
            json!(event.kind).as_str().unwrap_or_default(),
            event.id,
            event.custom_id.as_deref().unwrap_or_default(),
            event.at
        ),
    }
}

fn custom_id(text: &str) -> Result<String, String> {
    CustomId::parse(text.to_owned(), Member::CustomId)
        .map(|c| c.as_str().to_owned())
        .map_err(|e| e.message)
}

fn custom_id_prefix(text: &str) -> Result<String, String> {
    CustomIdPrefix::parse(text)
        .map(|p| p.as_str().to_owned())
        .map_err(|e| e.message)
}

/// A reader of RFC 3339 times naming the flag in its message.
fn time(flag: &'static str) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |text| {
        Timestamp::parse(text, "time")
            .map(|t| t.to_acs_string())
            .map_err(|_| {
                format!("{flag} '{text}' is not an RFC 3339 time, for example 2026-12-01T00:00:00Z")
            })
    }
}

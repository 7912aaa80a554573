//! `commid identity subscription create|list|show|delete|suspend|resume`:
//! webhook subscriptions to the resource's change feed (commid only). A
//! child of `identity.rs`, whose connection flags and error handling it
//! shares.

use super::connection::{Connection, client, failure, usage};
use super::output::Output;
use crate::acs::subscriptions::{CreateSubscriptionRequest, Subscription};
use crate::domain::{CallbackUrl, EventKind, EventKinds, SubscriptionId};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Subscribe an https URL to events: each is posted to it, signed.
    ///
    /// Prints the subscription, with its secret ("secret": "whsec_…"), which
    /// signs every delivery and is never shown again.
    Create(Create),
    /// List the resource's subscriptions, oldest first.
    ///
    /// Prints [{"id", "callbackUrl", "eventKinds", "state", "delivered",
    /// "failures", "lastError"?, …}].
    List(ConnectionOnly),
    /// Show a subscription: its state, deliveries and last error.
    Show(Identified),
    /// Delete a subscription: nothing more is delivered to it.
    ///
    /// Prints nothing; succeeds when there was none too.
    Delete(Identified),
    /// Stop deliveries until it is resumed.
    Suspend(Identified),
    /// Deliver again, at once, from the first event not yet delivered.
    Resume(Identified),
}

#[derive(Debug, Args)]
pub struct Create {
    /// The https URL events are posted to.
    #[arg(long, value_name = "URL", value_parser = callback_url)]
    url: String,
    /// A kind of event to deliver: created, deleted or tokensRevoked (repeat it, or list several).
    #[arg(long = "event", value_name = "KIND", num_args = 1.., required = true, value_parser = event_kind)]
    events: Vec<String>,
    /// Only the events of the identity with this custom id.
    #[arg(long, value_name = "ID")]
    custom_id: Option<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct ConnectionOnly {
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct Identified {
    /// The subscription's id, as create printed it.
    #[arg(long, value_name = "ID", value_parser = subscription_id)]
    id: String,
    #[command(flatten)]
    connection: Connection,
}

pub(super) async fn run(
    command: SubscriptionCommand,
) -> Result<(Connection, Output), super::Failure> {
    Ok(match command {
        SubscriptionCommand::Create(c) => {
            if let Err(e) = EventKinds::parse(&c.events) {
                usage(e);
            }
            let request = CreateSubscriptionRequest {
                callback_url: c.url.clone(),
                event_kinds: c.events.clone(),
                custom_id: c.custom_id.clone(),
            };
            let created = client(&c.connection)?
                .create_subscription(&request)
                .await
                .map_err(failure)?;
            let mut columns = columns(&created);
            columns.push(("Secret", created.secret.clone().unwrap_or_default()));
            (c.connection, Output::record(&created, columns))
        }
        SubscriptionCommand::List(l) => {
            let all = client(&l.connection)?
                .list_subscriptions()
                .await
                .map_err(failure)?;
            let rows = all.iter().map(columns).collect();
            let json = serde_json::to_value(&all).expect("JSON serializes");
            (l.connection, Output::Rows(json, rows))
        }
        SubscriptionCommand::Show(s) => {
            let found = client(&s.connection)?
                .get_subscription(&s.id)
                .await
                .map_err(failure)?;
            let columns = columns(&found);
            (s.connection, Output::record(&found, columns))
        }
        SubscriptionCommand::Delete(d) => {
            client(&d.connection)?
                .delete_subscription(&d.id)
                .await
                .map_err(failure)?;
            let note = format!("Deleted the subscription {}.", d.id);
            (d.connection, Output::Nothing(note))
        }
        SubscriptionCommand::Suspend(s) => state(s, false).await?,
        SubscriptionCommand::Resume(s) => state(s, true).await?,
    })
}

async fn state(s: Identified, resume: bool) -> Result<(Connection, Output), super::Failure> {
    let changed = client(&s.connection)?
        .set_subscription_state(&s.id, resume)
        .await
        .map_err(failure)?;
    let columns = columns(&changed);
    Ok((s.connection, Output::record(&changed, columns)))
}

fn columns(s: &Subscription) -> Vec<(&'static str, String)> {
    let kinds: Vec<&str> = s.event_kinds.iter().map(|k| k.name()).collect();
    vec![
        ("Id", s.id.clone()),
        (
            "CallbackUrl",
            CallbackUrl::parse(&s.callback_url)
                .map(|u| u.origin())
                .unwrap_or_default(),
        ),
        ("EventKinds", kinds.join(",")),
        (
            "State",
            serde_json::to_value(s.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
        ("Delivered", s.delivered.to_string()),
        ("Failures", s.failures.to_string()),
        ("LastError", s.last_error.clone().unwrap_or_default()),
    ]
}

fn callback_url(text: &str) -> Result<String, String> {
    CallbackUrl::parse(text)
        .map(|u| u.as_str().to_owned())
        .map_err(|e| e.message)
}

fn event_kind(text: &str) -> Result<String, String> {
    EventKind::from_name(text)
        .map(|k| k.name().to_owned())
        .ok_or_else(|| {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
            format!("'{text}' is not a kind of event: use {}", known.join(", "))
        })
}

fn subscription_id(text: &str) -> Result<String, String> {
    SubscriptionId::parse(text)
        .map(|id| id.to_string())
        .map_err(|e| e.message)
}

//! Polling triggers for Power Automate and Logic Apps (commid's own), on
//! the change feed: one operation per kind of event, each answering the
//! polling contract those engines document for custom APIs. Nothing new:
//! 202 with `Location` (the next poll, carrying the feed cursor) and
//! `Retry-After`. An event: 200 with that one event (one flow run per event,
//! `x-ms-trigger: single`) and the `Location` just past it. The cursor
//! travels in the URL, so the server keeps no state per flow and any
//! instance can answer any poll. A first poll (no `since`) starts at the
//! feed's current end.
//!
//! The operations are not written one by one: `declared.rs` makes one per
//! kind of [`EventKind::ALL`], route and OpenAPI entry, from its spec, and
//! `webhook.rs` the webhook trigger of each kind beside it.

mod declared;
mod webhook;

/// Every kind's polling trigger (the route; [`document_polling`] its entry).
pub fn polling_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use actix_web::web::{self, Data};
    for &kind in EventKind::ALL {
        let spec = kind.spec();
        cfg.route(
            spec.polling_path,
            web::get().to(move |req: ApiRequest, state: Data<AppState>| async move {
                poll(&req, &state, spec).await
            }),
        );
    }
}

/// Every kind's webhook trigger (the route; [`document_webhooks`] its entry).
pub fn webhook_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use actix_web::web::{self, Data};
    for &kind in EventKind::ALL {
        let spec = kind.spec();
        cfg.route(
            spec.webhook_path,
            web::post().to(move |req: ApiRequest, state: Data<AppState>| async move {
                webhook::register(&req, &state, spec).await
            }),
        );
    }
}

/// Every kind's polling trigger, in the document.
pub fn document_polling(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::HttpMethod;
    for &kind in EventKind::ALL {
        let spec = kind.spec();
        api.paths.add_path_operation(
            spec.polling_path,
            vec![HttpMethod::Get],
            declared::entry(spec),
        );
    }
}

/// Every kind's webhook trigger, in the document.
pub fn document_webhooks(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::HttpMethod;
    for &kind in EventKind::ALL {
        let spec = kind.spec();
        api.paths.add_path_operation(
            spec.webhook_path,
            vec![HttpMethod::Post],
            webhook::entry(spec),
        );
    }
}

use crate::domain::{ApiVersion, EventKind, EventKindSpec, FeedPosition, ResourceId};
use crate::error::ApiError;
use crate::http::extract::ApiRequest;
use crate::http::links::Origin;
use crate::http::paging::{cursor_schema, query_string};
use crate::http::state::AppState;
use crate::storage::{EventsRead, IdentityEvent};
use actix_web::HttpResponse;
use actix_web::http::header::{LOCATION, RETRY_AFTER};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema};

/// Seconds to wait when nothing is waiting. Power Automate polls no more
/// often than once a minute anyway.
pub const IDLE_SECONDS: u32 = 60;

/// Events read per poll, at most, whatever their kind: one poll stays cheap
/// however many events of other kinds it has to skip.
pub const SCAN: usize = 1000;

/// A trigger's query: the version, and the cursor its last answer's
/// `Location` carried.
pub struct TriggerParams;

impl IntoParams for TriggerParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let query = |name: &str, required: Required, description: &str, schema: RefOr<Schema>| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(required)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        };
        vec![
            query(
                "api-version",
                Required::True,
                "Version of API to invoke.",
                ApiVersion::schema(),
            ),
            query(
                "since",
                Required::False,
                "The feed cursor, as the last answer's Location carried it; without it the trigger starts at the feed's current end.",
                cursor_schema(),
            ),
        ]
    }
}

/// What a poll answers, decided from the events read after the cursor.
#[derive(Debug, PartialEq, Eq)]
enum Answer<'a> {
    /// 200: this event; the next poll reads after it.
    Fire {
        event: &'a IdentityEvent,
        more: bool,
    },
    /// 202: the next poll reads after `next`.
    Wait { next: FeedPosition, more: bool },
}

/// `read` holds at most `SCAN + 1` events after `after`: the first `SCAN`
/// are examined, the one beyond says more are waiting. `more` says whether
/// the next poll should come at once: another event of the kind was read,
/// or the read was cut at its bound.
fn answer(kind: EventKind, after: FeedPosition, read: &[IdentityEvent]) -> Answer<'_> {
    let cut = read.len() > SCAN;
    let scanned = &read[..read.len().min(SCAN)];
    match scanned.iter().position(|e| e.kind == kind) {
        Some(i) => Answer::Fire {
            event: &scanned[i],
            more: cut || scanned[i + 1..].iter().any(|e| e.kind == kind),
        },
        // Past the events of other kinds too, so they are not read again.
        None => Answer::Wait {
            next: scanned.last().map_or(after, |e| e.position),
            more: cut,
        },
    }
}

/// What a trigger of `spec` does, for the pass-through's refusal: `start a
/// flow when a user is created`.
pub fn purpose(spec: &EventKindSpec) -> String {
    let summary = spec.summary;
    let lowered: String = summary
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .collect();
    format!("start a flow {lowered}{}", &summary[1..])
}

/// Answers one poll of the trigger of `spec`.
pub async fn poll(
    req: &ApiRequest,
    state: &AppState,
    trigger: &EventKindSpec,
) -> Result<HttpResponse, ApiError> {
    let resource = req.refuse_upstream(&purpose(trigger))?;
    let origin = Origin::of(req.http(), resource);
    let location = |position: FeedPosition| {
        let pairs = [
            ("api-version", req.api_version.as_str().to_owned()),
            ("since", state.paging.cursor(resource.id, position)),
        ];
        origin.link(&format!(
            "{}?{}",
            trigger.polling_path,
            query_string(&pairs)
        ))
    };
    let Some(since) = req.param("since") else {
        let end = state.store.feed_end().await?;
        return Ok(waiting(location(end), IDLE_SECONDS));
    };
    let after = state
        .paging
        .read_cursor(since, resource.id)
        .map_err(ApiError::validation)?;
    let read = state
        .store
        .identity_events(resource.id, after, SCAN + 1)
        .await?;
    let EventsRead::Events(events) = read else {
        return restart(state, resource.id, trigger, location).await;
    };
    Ok(match answer(trigger.kind, after, &events) {
        Answer::Fire { event, more } => {
            req.log_identity(&event.id.to_string());
            HttpResponse::Ok()
                .insert_header((LOCATION, location(event.position)))
                .insert_header((RETRY_AFTER, retry_after(more)))
                .json(event.answered())
        }
        Answer::Wait { next, more } => waiting(location(next), retry_after(more)),
    })
}

/// A cursor past the retention: answering 410 would fail every poll until
/// the flow is turned off, so the trigger starts again at the current end,
/// skipping what was pruned, and says so in the log.
async fn restart(
    state: &AppState,
    resource: ResourceId,
    trigger: &EventKindSpec,
    location: impl Fn(FeedPosition) -> String,
) -> Result<HttpResponse, ApiError> {
    log::warn!(
        "trigger {} of resource {resource}: events after its cursor are past the retention and were pruned; \
         it starts again at the feed's current end, and the pruned events will not fire it",
        trigger.polling_path
    );
    let end = state.store.feed_end().await?;
    Ok(waiting(location(end), IDLE_SECONDS))
}

fn retry_after(more: bool) -> u32 {
    if more { 0 } else { IDLE_SECONDS }
}

fn waiting(location: String, retry_after: u32) -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header((LOCATION, location))
        .insert_header((RETRY_AFTER, retry_after))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IdentityId, Timestamp};

    fn events(kinds: &[EventKind]) -> Vec<IdentityEvent> {
        let resource = ResourceId::generate();
        kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| IdentityEvent {
                position: FeedPosition(10 + i as u64),
                kind: *kind,
                id: IdentityId::generate(resource),
                custom_id: None,
                at: Timestamp::now(),
                actor: None,
            })
            .collect()
    }

    use EventKind::{Created, Deleted, TokensRevoked};

    #[test]
    fn the_first_event_of_the_kind_fires_and_more_says_whether_another_was_read() {
        let read = events(&[Deleted, Created, TokensRevoked, Created]);
        assert_eq!(
            answer(Created, FeedPosition(9), &read),
            Answer::Fire {
                event: &read[1],
                more: true
            }
        );
        assert_eq!(
            answer(TokensRevoked, FeedPosition(9), &read),
            Answer::Fire {
                event: &read[2],
                more: false
            }
        );
    }

    #[test]
    fn without_an_event_of_the_kind_the_cursor_moves_past_the_others() {
        let read = events(&[Created, TokensRevoked]);
        assert_eq!(
            answer(Deleted, FeedPosition(9), &read),
            Answer::Wait {
                next: FeedPosition(11),
                more: false
            }
        );
        assert_eq!(
            answer(Deleted, FeedPosition(9), &[]),
            Answer::Wait {
                next: FeedPosition(9),
                more: false
            },
            "nothing new: the cursor stays"
        );
    }

    #[test]
    fn a_poll_examines_at_most_scan_events_and_then_asks_to_be_called_again() {
        let mut kinds = vec![Created; SCAN];
        kinds.push(Deleted);
        let read = events(&kinds);
        assert_eq!(
            answer(Deleted, FeedPosition(9), &read),
            Answer::Wait {
                next: read[SCAN - 1].position,
                more: true
            },
            "the deleted event beyond the bound waits for the next poll"
        );
        assert_eq!(
            answer(Created, FeedPosition(9), &read[SCAN - 1..]),
            Answer::Fire {
                event: &read[SCAN - 1],
                more: false
            }
        );
    }
}

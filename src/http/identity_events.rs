use crate::acs::models::IdentityEvents;
use crate::domain::PageSize;
use crate::error::{ApiError, ErrorResponse};
use crate::http::directory_params::FeedParams;
use crate::http::extract::ApiRequest;
use crate::http::paging::query_string;
use crate::http::state::AppState;
use crate::storage::EventsRead;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// Read the change feed of the resource's identities (commid's own).
///
/// Events come in order, each once to a reader that passes back the cursor
/// it got. Without `since`, the feed starts at its current end: a new reader
/// does not replay history. Events are kept for the configured retention.
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_ListIdentityEvents",
    params(FeedParams),
    responses(
        (status = 200, description = "The events after the cursor, and the cursor to pass next.", body = IdentityEvents),
        (status = 400, description = "The cursor is not one this service gave for this resource, the page size is not valid, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 410, description = "Events after the cursor are no longer kept: start again without since.", body = ErrorResponse),
    )
)]
#[get("/identityEvents")]
pub async fn identity_events(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let size = PageSize::parse(req.param("maxPageSize")).map_err(ApiError::validation)?;
    let resource = req.refuse_upstream("read a change feed of identities")?;
    let after = match req.param("since") {
        Some(cursor) => state
            .paging
            .read_cursor(cursor, resource.id)
            .map_err(ApiError::validation)?,
        None => state.store.feed_end().await?,
    };
    let read = if req.param("since").is_some() {
        state
            .store
            .identity_events(resource.id, after, size.get() + 1)
            .await?
    } else {
        EventsRead::Events(Vec::new())
    };
    let EventsRead::Events(mut events) = read else {
        return Err(ApiError::cursor_expired());
    };
    let more = events.len() > size.get();
    events.truncate(size.get());
    let last = events.last().map(|e| e.position).unwrap_or(after);
    let cursor = state.paging.cursor(resource.id, last);
    let next_link = more.then(|| {
        let pairs = [
            ("api-version", req.api_version.as_str().to_owned()),
            ("since", cursor.clone()),
            ("maxPageSize", size.get().to_string()),
        ];
        format!("/identityEvents?{}", query_string(&pairs))
    });
    let value = events
        .iter()
        .map(crate::storage::IdentityEvent::answered)
        .collect();
    Ok(HttpResponse::Ok().json(IdentityEvents {
        value,
        cursor,
        next_link,
    }))
}

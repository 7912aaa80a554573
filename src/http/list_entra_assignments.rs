use super::assignment_request::require_entra;
use crate::acs::assignments::{EntraAssignment, EntraAssignments};
use crate::domain::EntraApiVersion;
use crate::domain::{AssignmentKey, AssignmentKind, EntraId, Invalid};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// Assignments per page when the request does not say.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// List the Entra ID users assignments, in pages.
///
/// Ordered by object id. While more follow, `nextLink` is the URL of the
/// next page (commid's query parameters `maxpagesize` and
/// `continuationToken`; follow it as it is).
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdAssignments_List",
    params(
        ("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke."),
        ("maxpagesize" = Option<i32>, Query, description = "Assignments per page, 1 to 1000 (default 100).", minimum = 1, maximum = 1000),
        ("continuationToken" = Option<EntraId>, Query, description = "Where the page starts, as nextLink gives it."),
    ),
    responses(
        (status = 200, description = "A page of assignments.", body = EntraAssignments),
        (status = 400, description = "A query parameter is not valid, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[get("/access/entra/assignments")]
pub async fn list_entra_assignments(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_entra(&req)?;
    let (size, after) = page(req.http().query_string()).map_err(ApiError::validation)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let after = after.map(AssignmentKey::entra_user);
    let mut found = state
        .store
        .assignments(resource.id, AssignmentKind::EntraUser, after, size + 1)
        .await?;
    let next_link = (found.len() > size).then(|| {
        found.truncate(size);
        let last = found.last().expect("a full page").assignment.object_id;
        format!(
            "{}access/entra/assignments?api-version={}&maxpagesize={size}&continuationToken={last}",
            resource.endpoint.as_str(),
            req.api_version.as_str()
        )
    });
    Ok(HttpResponse::Ok().json(EntraAssignments {
        value: found
            .iter()
            .map(|s| EntraAssignment::from(&s.assignment))
            .collect(),
        next_link,
    }))
}

/// `maxpagesize` and `continuationToken`.
fn page(query: &str) -> Result<(usize, Option<EntraId>), Invalid> {
    let mut size = DEFAULT_PAGE;
    let mut after = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "maxpagesize" => {
                size = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        Invalid::new(
                            format!(
                                "maxpagesize '{}' is not valid: use 1 to {MAX_PAGE}.",
                                crate::domain::quote(&value)
                            ),
                            "maxpagesize",
                        )
                    })?;
            }
            "continuationToken" => {
                after = Some(EntraId::parse(&value, "continuationToken")?);
            }
            _ => {}
        }
    }
    Ok((size, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_size_defaults_to_100_and_stays_within_1_to_1000() {
        assert_eq!(page("api-version=x").unwrap(), (100, None));
        assert_eq!(page("maxpagesize=1000").unwrap().0, 1000);
        for bad in [
            "maxpagesize=0",
            "maxpagesize=1001",
            "maxpagesize=-1",
            "maxpagesize=x",
        ] {
            assert_eq!(page(bad).unwrap_err().target, Some("maxpagesize"), "{bad}");
        }
        assert_eq!(
            page("continuationToken=nope").unwrap_err().target,
            Some("continuationToken")
        );
    }
}

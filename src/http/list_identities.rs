use crate::acs::models::{IdentityList, ListedIdentity};
use crate::domain::{ListFilter, Order, PageSize};
use crate::error::{ApiError, ErrorResponse};
use crate::http::directory_params::{DirectoryQuery, ListQueryParams};
use crate::http::extract::ApiRequest;
use crate::http::links::Origin;
use crate::http::paging::query_string;
use crate::http::state::AppState;
use crate::storage::ListQuery;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// List the identities of the resource (commid's own).
///
/// Pages in creation order (or newest first), following `nextLink` until it
/// is absent; paging while others create and delete never repeats or skips
/// an identity that exists throughout. Deleted identities are not listed.
/// With `customIdPrefix`, pages run in custom id order instead (by
/// character code: `asc` from the lowest, `desc` from the highest).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_ListIdentities",
    params(ListQueryParams),
    responses(
        (status = 200, description = "A page of identities.", body = IdentityList),
        (status = 400, description = "A filter, the page size or the continuation token is not valid, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[get("/identities")]
pub async fn list_identities(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let DirectoryQuery { filter } = DirectoryQuery::read(&req)?;
    let order = Order::parse(req.param("order")).map_err(ApiError::validation)?;
    let size = PageSize::parse(req.param("maxPageSize")).map_err(ApiError::validation)?;
    let resource = req.refuse_upstream("list identities")?;
    let after = req
        .param("continuationToken")
        .map(|t| {
            state
                .paging
                .read_continuation(t, resource.id, &filter, order)
        })
        .transpose()
        .map_err(ApiError::validation)?;
    let query = ListQuery {
        resource: resource.id,
        filter,
        order,
        after,
        limit: size.get(),
    };
    let page = state.store.list_identities(&query).await?;
    let next_link = page.resume_after.map(|after| {
        let token = state
            .paging
            .continuation(resource.id, &query.filter, order, &after);
        let link = next_link(&req, &query.filter, order, size, token);
        // Through Power Platform's gateway, the next page must go through it
        // too; API clients get the link relative to the endpoint.
        match Origin::of(req.http(), resource) {
            origin @ Origin::Gateway(_) => origin.link(&link),
            Origin::Direct(_) => link,
        }
    });
    let value = page
        .items
        .iter()
        .map(|r| {
            ListedIdentity::new(
                r.id,
                r.custom_id.as_ref(),
                r.created_at,
                r.last_token_issued_at,
            )
        })
        .collect();
    Ok(HttpResponse::Ok().json(IdentityList { value, next_link }))
}

/// `/identities?…`: the same version, filters, order and size, and the token.
fn next_link(
    req: &ApiRequest,
    filter: &ListFilter,
    order: Order,
    size: PageSize,
    token: String,
) -> String {
    let mut pairs = vec![("api-version", req.api_version.as_str().to_owned())];
    pairs.extend(filter.query_pairs());
    pairs.push(("order", order.as_str().to_owned()));
    pairs.push(("maxPageSize", size.get().to_string()));
    pairs.push(("continuationToken", token));
    format!("/identities?{}", query_string(&pairs))
}

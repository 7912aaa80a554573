use crate::acs::models::IdentityCount;
use crate::error::{ApiError, ErrorResponse};
use crate::http::directory_params::{DirectoryQuery, FilterParams};
use crate::http::extract::ApiRequest;
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// Count the identities of the resource (commid's own).
///
/// Without filters this reads a maintained counter: cheap at any size.
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_CountIdentities",
    params(FilterParams),
    responses(
        (status = 200, description = "How many live identities pass the filters.", body = IdentityCount),
        (status = 400, description = "A filter is not valid, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[get("/identities/:count")]
pub async fn count_identities(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let DirectoryQuery { filter } = DirectoryQuery::read(&req)?;
    let resource = req.refuse_upstream("count identities")?;
    let count = state.store.count_identities(resource.id, &filter).await?;
    Ok(HttpResponse::Ok().json(IdentityCount { count }))
}

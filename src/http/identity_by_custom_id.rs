use crate::acs::models::Identity;
use crate::domain::ApiVersion;
use crate::domain::{CustomId, Invalid, ListFilter, Member, Order};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::get_identity::as_got;
use crate::http::state::AppState;
use crate::storage::ListQuery;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// Get the identity that has a custom id (commid's own).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_GetIdentityByCustomId",
    params(
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
        ("customId" = inline(CustomId), Query, description = "The custom id of the identity."),
    ),
    responses(
        (status = 200, description = "The identity.", body = Identity),
        (status = 400, description = "No valid customId, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No live identity has that custom id.", body = ErrorResponse),
    )
)]
#[get("/identities/:byCustomId")]
pub async fn identity_by_custom_id(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let text = req.param("customId").ok_or_else(|| {
        ApiError::validation(Invalid::new(
            "customId: the custom id to look for is required.",
            "customId",
        ))
    })?;
    let custom_id =
        CustomId::parse(text.to_owned(), Member::CustomId).map_err(ApiError::validation)?;
    let resource = req.refuse_upstream("get an identity by its custom id")?;
    let query = ListQuery {
        resource: resource.id,
        filter: ListFilter {
            custom_id: Some(custom_id),
            ..ListFilter::default()
        },
        order: Order::OldestFirst,
        after: None,
        limit: 1,
    };
    let page = state.store.list_identities(&query).await?;
    match page.items.first() {
        Some(record) => {
            req.log_identity(&record.id.to_string());
            Ok(HttpResponse::Ok().json(as_got(&req, record)))
        }
        None => Err(ApiError::custom_id_not_found(text)),
    }
}

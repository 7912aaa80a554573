use super::bearer::BearerRequest;
use crate::acs::assignments::{CommunicationIdentityAccessTokenResult, ExchangeTokenRequest};
use crate::domain::Exchange;
use crate::domain::TeamsExtensionApiVersion;
use crate::error::{ApiError, ErrorResponse};
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, post};

/// Exchange a Teams Phone extensibility user's Microsoft Entra access token for an access token.
///
/// The Entra token (`Authorization: Bearer`, with the
/// TeamsExtension.ManageCalls permission) must come from an issuer the
/// resource trusts for this exchange, and a Teams-extension assignment must
/// admit its tenant, object id and application. The new token is for
/// `8:acs:<resource id>_<tenant id>_<object id>`, has the voip scope, and
/// expires when the Entra token does (at most 24 hours).
#[utoipa::path(
    tag = "Teams Phone extensibility",
    operation_id = "TeamsExtensionOperations_ExchangeToken",
    params(("api-version" = inline(TeamsExtensionApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = ExchangeTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The identity and its token.", body = CommunicationIdentityAccessTokenResult),
        (status = 400, description = "The body is not a JSON object, or the api-version has no Teams Phone extensibility.", body = ErrorResponse),
        (status = 401, description = "No Bearer token, or the Entra token is not valid for this exchange or not assigned.", body = ErrorResponse),
    )
)]
#[post("/access/teamsExtension/:exchangeAccessToken")]
pub async fn exchange_teams_extension_token(
    req: BearerRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    exchange(req, state).await
}

/// The handler, also routed at `//access/…`: the JavaScript and Java SDKs
/// join an endpoint that ends with `/` and the path with another.
pub async fn exchange(req: BearerRequest, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    super::exchange_assigned::exchange(&req, &state, Exchange::TeamsExtension).await
}

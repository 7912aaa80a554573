use super::bearer::BearerRequest;
use crate::acs::assignments::{CommunicationIdentityAccessTokenResult, ExchangeTokenRequest};
use crate::domain::EntraApiVersion;
use crate::domain::Exchange;
use crate::error::{ApiError, ErrorResponse};
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, post};

/// Exchange a Microsoft Entra ID user's access token for an access token.
///
/// The Entra token (`Authorization: Bearer`, with permissions of Azure
/// Communication Services Clients: Chat, Chat.Join, Chat.Join.Limited,
/// VoIP, VoIP.Join) must come from an issuer the resource trusts for this
/// exchange, and an Entra assignment of the user, one of its groups or its
/// tenant must admit it and its application. The new token is for
/// `8:acs:<resource id>_wf_<tenant id>_<object id>`, has the scopes of the
/// granted permissions, and expires when the Entra token does (at most 24
/// hours).
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdToken_Exchange",
    params(("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = ExchangeTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The identity and its token.", body = CommunicationIdentityAccessTokenResult),
        (status = 400, description = "The body is not a JSON object, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "No Bearer token, or the Entra token is not valid for this exchange or not assigned.", body = ErrorResponse),
    )
)]
#[post("/access/entra/:exchangeAccessToken")]
pub async fn exchange_entra_token(
    req: BearerRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    exchange(req, state).await
}

/// The handler, also routed at `//access/…` (see the Teams-extension one).
pub async fn exchange(req: BearerRequest, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    super::exchange_assigned::exchange(&req, &state, Exchange::EntraUser).await
}

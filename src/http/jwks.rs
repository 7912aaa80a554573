use crate::http::state::AppState;
use crate::tokens::Jwk;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

/// The public keys that verify this service's tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The JSON Web Key Set of the token signing keys.
#[utoipa::path(
    tag = "Token",
    operation_id = "GetJwks",
    responses((status = 200, description = "Every key whose tokens may still be alive.", body = JwkSet))
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .json(JwkSet {
            keys: state.keys.published(),
        })
}

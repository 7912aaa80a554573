use crate::error::{ApiError, ErrorResponse};
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

/// Health of the process or of its store.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "Service", operation_id = "Healthz", responses((status = 200, description = "Alive.", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the store answers.
#[utoipa::path(
    tag = "Service",
    operation_id = "Readyz",
    responses(
        (status = 200, description = "Ready.", body = Health),
        (status = 503, description = "The store is unreachable.", body = ErrorResponse),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await.map_err(|e| {
        log::warn!("not ready: {e}");
        ApiError::unavailable(5)
    })?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

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

/// Liveness: the process answers, and is not draining before a stop.
#[utoipa::path(
    tag = "Service",
    operation_id = "Healthz",
    responses(
        (status = 200, description = "Alive.", body = Health),
        (status = 503, description = "Draining before a stop (SIGTERM).", body = ErrorResponse),
    )
)]
#[get("/healthz")]
pub async fn healthz(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    not_draining(&state)?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// Readiness: the store answers, and the server is not draining.
#[utoipa::path(
    tag = "Service",
    operation_id = "Readyz",
    responses(
        (status = 200, description = "Ready.", body = Health),
        (status = 503, description = "The store is unreachable, or the server is draining before a stop.", body = ErrorResponse),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    not_draining(&state)?;
    state.store.ping().await.map_err(|e| {
        log::warn!("not ready: {e}");
        ApiError::unavailable(5)
    })?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

/// 503 while the server drains: a proxy's health check takes this instance
/// out while it still serves what reaches it.
fn not_draining(state: &AppState) -> Result<(), ApiError> {
    if state.draining.is_on() {
        return Err(ApiError::unavailable(5));
    }
    Ok(())
}

//! `GET /apiDefinition.swagger.json`: the Power Automate connector's
//! definition, calling the host the request came to, so that a maker can
//! import it from a URL. It needs no credentials: it is the same document
//! as the repository's, and `/openapi.json` is public too. The text is what
//! `commid connector export --host HOST` writes.

use crate::connector;
use crate::domain::Invalid;
use crate::error::ApiError;
use crate::http::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde_json::Value;

/// The definition is the same for every request but for its host, so
/// `Application::build` derives it once, from the OpenAPI document
/// ([`AppState::connector_definition`]).
pub fn derive(openapi: &Value) -> Result<Value, connector::ExportError> {
    connector::api_definition(openapi, connector::DEFAULT_HOST)
}

#[get("/apiDefinition.swagger.json")]
pub async fn api_definition(
    req: HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let info = req.connection_info();
    let host = connector::normalize_host(info.host()).map_err(|e| {
        ApiError::validation(Invalid::new(
            format!("The Host header cannot be the connector's host: {e}."),
            "Host",
        ))
    })?;
    let mut definition = state.connector_definition.clone();
    definition["host"] = Value::String(host);
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(connector::render(&definition)))
}

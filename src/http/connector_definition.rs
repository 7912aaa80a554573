//! `GET /apiDefinition.swagger.json`: the Power Automate connector's
//! definition, calling the host the request came to, so that a maker can
//! import it from a URL. It needs no credentials: it is the same document
//! as the repository's, and `/openapi.json` is public too. The text is what
//! `commid connector export --host HOST` writes.

use crate::connector;
use crate::domain::Invalid;
use crate::error::ApiError;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get};
use serde_json::Value;
use std::sync::OnceLock;

/// The definition is the same for every request but for its host: derive it
/// once.
fn definition() -> Result<&'static Value, ApiError> {
    static DEFINITION: OnceLock<Result<Value, String>> = OnceLock::new();
    DEFINITION
        .get_or_init(|| connector::api_definition(connector::DEFAULT_HOST).map_err(|e| e.0))
        .as_ref()
        .map_err(ApiError::internal)
}

#[get("/apiDefinition.swagger.json")]
pub async fn api_definition(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let info = req.connection_info();
    let host = connector::normalize_host(info.host()).map_err(|e| {
        ApiError::validation(Invalid::new(
            format!("The Host header cannot be the connector's host: {e}."),
            "Host",
        ))
    })?;
    let mut definition = definition()?.clone();
    definition["host"] = Value::String(host);
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(connector::render(&definition)))
}

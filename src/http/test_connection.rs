//! `GET /connection/:test` (commid's own): whether a connection string works,
//! for the connector's `testConnection` capability, so that a wrong key
//! fails when a maker creates the connection rather than in a flow's first
//! run. It answers for both kinds of connection: one of commid's resources,
//! and an ACS resource served by pass-through, whose key only ACS can check.

use crate::domain::{ApiVersion, Feature};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::probe;
use crate::http::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a connection's requests are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionKind {
    /// By a resource of this commid server.
    Commid,
    /// By an Azure Communication Services resource, through pass-through.
    Acs,
}

/// A connection that works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionTest {
    pub kind: ConnectionKind,
    /// The commid resource's name, or the ACS resource's host.
    pub resource: String,
}

/// An identity no resource has: ACS answers a read of it 404 (or 400, 403)
/// once the key is accepted, and 401 before.
const NO_SUCH_IDENTITY: &str =
    "8%3Aacs%3A00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000";

/// Test the connection string (commid's own).
///
/// For a resource of this server, authenticating the request is the test.
/// For an ACS resource (pass-through), commid reads an identity that does
/// not exist there, signed with the connection string's key: any answer
/// but 401 means ACS accepted the key. Nothing is written anywhere.
#[utoipa::path(
    tag = "Service",
    operation_id = "Connection_Test",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    responses(
        (status = 200, description = "The connection string works.", body = ConnectionTest),
        (status = 400, description = "The api-version is missing or not one this service knows.", body = ErrorResponse),
        (status = 401, description = "The key is wrong: commid's resource, or the ACS resource, refused it.", body = ErrorResponse),
        (status = 502, description = "Pass-through: the ACS resource could not be reached or gave an answer that proves nothing.", body = ErrorResponse),
        (status = 504, description = "Pass-through: the ACS resource did not answer in time.", body = ErrorResponse),
    )
)]
#[get("/connection/:test")]
pub async fn test_connection(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(resource) = req.local() {
        return Ok(HttpResponse::Ok().json(ConnectionTest {
            kind: ConnectionKind::Commid,
            resource: resource.name.as_str().to_owned(),
        }));
    }
    let host = req
        .upstream()
        .map(|c| c.endpoint.authority())
        .unwrap_or_default();
    // The first version in which ACS has GET /identities/{id}.
    let version = ApiVersion::with(Feature::CustomId)[0];
    let path = format!("/identities/{NO_SUCH_IDENTITY}?api-version={version}");
    let status = probe(&req, &state, path).await?;
    match status.as_u16() {
        401 => Err(ApiError::denied(format!(
            "The Azure Communication Services resource {host} refused the connection string's key: \
             copy the connection string again from the resource's Keys page."
        ))),
        200..=299 | 400 | 403 | 404 => Ok(HttpResponse::Ok().json(ConnectionTest {
            kind: ConnectionKind::Acs,
            resource: host,
        })),
        other => Err(ApiError::bad_gateway(format!(
            "The upstream endpoint {host} answered {other} to a read that proves the key, \
             so the connection could not be tested: try again later."
        ))),
    }
}

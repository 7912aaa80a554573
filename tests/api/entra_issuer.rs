//! The Bearer exchanges (Teams Phone extensibility, Entra ID users) and
//! their assignments as the tests call them, against an app whose resource
//! trusts the tests' issuer (`tests/common/issuer.rs`) for every exchange.

pub use crate::common::issuer::*;

use crate::common::app::{TestApp, spawn_with};
use commid::config::{Layer, TrustedIssuerEntry};
use reqwest::{Method, Response};
use serde_json::{Value, json};

/// The tenant of the issuer's tokens (`tid`).
pub const TENANT: &str = "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1";
pub const STABLE: &str = "api-version=2025-06-30";
pub const PREVIEW: &str = "api-version=2025-03-02-preview";
pub const ENTRA_AUDIENCE: &str = "https://communication.azure.com/clients";
pub const OTHER: &str = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";

/// A table trusting the issuer for all three exchanges.
pub fn for_every_exchange(jwks: &JwksServer) -> TrustedIssuerEntry {
    TrustedIssuerEntry {
        exchanges: Some(vec![
            "teams_user".into(),
            "teams_extension".into(),
            "entra_user".into(),
        ]),
        ..jwks.entry()
    }
}

pub async fn app_trusting_all(entry: TrustedIssuerEntry) -> TestApp {
    spawn_with(|layer| Layer {
        trusted_issuers: Some(vec![entry]),
        ..layer
    })
    .await
}

/// An Entra token's claims for the Teams extension: `claims()` with
/// `TeamsExtension.ManageCalls`.
pub fn teams_extension_claims() -> Value {
    let mut c = claims();
    c["scp"] = json!("TeamsExtension.ManageCalls");
    c
}

/// An Entra token's claims for Communication Services Clients, with the
/// VoIP and Chat permissions.
pub fn entra_claims() -> Value {
    let mut c = claims();
    c["aud"] = json!(ENTRA_AUDIENCE);
    c["scp"] = json!("VoIP Chat");
    c
}

/// `POST {base}{path}` with `Authorization: Bearer token` and `{}`, as the
/// SDKs' Entra credential sends it.
pub async fn bearer(app: &TestApp, path_and_query: &str, token: &str) -> Response {
    app.http
        .post(format!("{}{path_and_query}", app.base))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("the server answers")
}

pub async fn exchange_teams_extension(app: &TestApp, token: &str) -> Response {
    let path = format!("/access/teamsExtension/:exchangeAccessToken?{STABLE}");
    bearer(app, &path, token).await
}

pub async fn exchange_entra(app: &TestApp, token: &str) -> Response {
    let path = format!("/access/entra/:exchangeAccessToken?{PREVIEW}");
    bearer(app, &path, token).await
}

pub fn teams_extension_path(tenant: &str, object: &str, version: &str) -> String {
    format!("/access/teamsExtension/tenants/{tenant}/assignments/{object}?{version}")
}

pub async fn put_teams_extension(app: &TestApp, object: &str, body: Value) -> Response {
    let path = teams_extension_path(TENANT, object, STABLE);
    app.signed(Method::PUT, &path, Some(body)).await
}

pub async fn put_entra(app: &TestApp, object: &str, body: Value) -> Response {
    let path = format!("/access/entra/assignments/{object}?{PREVIEW}");
    app.signed(Method::PUT, &path, Some(body)).await
}

/// An Entra assignment of `principal_type` in the issuer's tenant for `APP_ID`.
pub fn entra_body(principal_type: &str) -> Value {
    json!({"tenantId": TENANT, "principalType": principal_type, "clientIds": [APP_ID]})
}

/// The access token of a 200 exchange, and the identity id it is for.
pub async fn exchanged(r: Response) -> (String, String) {
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    (
        body["accessToken"]["token"].as_str().unwrap().to_owned(),
        body["identity"]["id"].as_str().unwrap().to_owned(),
    )
}

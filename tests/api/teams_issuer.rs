//! The Teams exchange as the tests call it, against an app that trusts the
//! tests' issuer (`tests/common/issuer.rs`).

pub use crate::common::issuer::*;

use crate::common::app::{API, TestApp, spawn_with};
use commid::config::{Layer, TrustedIssuerEntry};
use reqwest::{Method, Response};
use serde_json::{Value, json};

/// An app whose resource `default` trusts `entry`.
pub async fn app_trusting(entry: TrustedIssuerEntry) -> TestApp {
    spawn_with(|layer| Layer {
        trusted_issuers: Some(vec![entry]),
        ..layer
    })
    .await
}

/// The exchange request the SDKs send for `token`, `APP_ID` and `OID`.
pub fn request(token: &str) -> Value {
    json!({ "token": token, "appId": APP_ID, "userId": OID })
}

pub async fn exchange(app: &TestApp, body: Value) -> Response {
    app.signed(
        Method::POST,
        &format!("/teamsUser/:exchangeAccessToken?{API}"),
        Some(body),
    )
    .await
}

/// Waits until the issuer's keys were fetched `n` times (the start's fetch
/// runs beside the first requests).
pub async fn fetched(jwks: &JwksServer, n: usize) {
    for _ in 0..100 {
        if jwks.fetches() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the keys were fetched {} times, not {n}", jwks.fetches());
}

//! The connection test a connector runs when a maker creates a connection:
//! 200 for a good connection string, 401 for a wrong key, for one of
//! commid's resources and for an ACS resource served by pass-through.

use crate::api::passthrough::{front_and_upstream, with_key};
use crate::common::app::*;
use crate::common::double::{Double, Reply};
use commid::domain::AccessKey;
use reqwest::Method;
use serde_json::{Value, json};

const TEST: &str = "/connection/:test?api-version=2023-10-01";

#[tokio::test]
async fn a_commid_resources_connection_string_passes_and_a_wrong_key_is_401() {
    let app = spawn_app().await;
    let r = app
        .with_connection_string(&app.connection_string, Method::GET, TEST, None)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"kind": "commid", "resource": "default"})
    );
    let wrong = with_key(&app.connection_string, &AccessKey::generate());
    let r = app
        .with_connection_string(&wrong, Method::GET, TEST, None)
        .await;
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    let r = app.signed(Method::GET, TEST, None).await;
    assert_eq!(r.status(), 200, "SDK signatures work too");
}

#[tokio::test]
async fn an_acs_connection_is_tested_by_a_read_the_upstream_answers_with_its_key() {
    let (front, upstream) = front_and_upstream().await;
    let r = front
        .with_connection_string(&upstream.connection_string, Method::GET, TEST, None)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"kind": "acs", "resource": upstream.authority})
    );
    let wrong = with_key(&upstream.connection_string, &AccessKey::generate());
    let r = front
        .with_connection_string(&wrong, Method::GET, TEST, None)
        .await;
    let e = error_of(r, 401).await;
    assert!(e["message"].as_str().unwrap().contains("refused"), "{e}");
}

async fn front_of(double: &Double) -> TestApp {
    let allowed = double.authority();
    spawn_with(|layer| commid::config::Layer {
        upstream_allowed_hosts: Some(vec![allowed]),
        ..layer
    })
    .await
}

#[tokio::test]
async fn the_read_is_a_signed_get_of_an_identity_no_resource_has() {
    let double = Double::start(vec![Reply::error(404, "IdentityNotFound")]);
    let front = front_of(&double).await;
    let r = front
        .with_connection_string(&double.connection_string(), Method::GET, TEST, None)
        .await;
    assert_eq!(r.status(), 200);
    let seen = double.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert!(
        seen[0].target.starts_with(
            "/identities/8%3Aacs%3A00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000?api-version=2025-03-02-preview"
        ),
        "{}",
        seen[0].target
    );
    assert!(seen[0].signature_is_valid());
}

#[tokio::test]
async fn an_upstream_answer_that_proves_nothing_is_502_not_a_pass() {
    let double = Double::start(vec![Reply::error(500, "InternalError")]);
    let front = front_of(&double).await;
    let r = front
        .with_connection_string(&double.connection_string(), Method::GET, TEST, None)
        .await;
    assert_eq!(error_of(r, 502).await["code"], "BadGateway");
}

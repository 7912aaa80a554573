//! customId as ACS 2025-03-02-preview defines it, in the exact shape the
//! .NET SDK 1.4.0-beta.1 sends (WIRE-2025.md §11), and externalId, the name
//! commid used first, still taken.

use crate::api::passthrough::front_and_upstream;
use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

const PREVIEW: &str = "api-version=2025-03-02-preview";

async fn create(app: &TestApp, version: &str, body: Value) -> (u16, Value) {
    let r = app
        .signed(Method::POST, &format!("/identities?{version}"), Some(body))
        .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_dotnet_sdks_create_user_with_a_custom_id_gets_201_and_the_same_identity_again() {
    let app = spawn_app().await;
    // CreateUser(customId): {"customId":"…"}; Create accepts only 201.
    let (status, first) = create(&app, PREVIEW, json!({"customId": "sally@contoso.com"})).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["identity"]["customId"], "sally@contoso.com");
    // CreateUserAndToken(customId, scopes, expiresIn).
    let (status, again) = create(
        &app,
        PREVIEW,
        json!({"customId": "sally@contoso.com", "createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60}),
    )
    .await;
    assert_eq!(status, 201, "an existing mapping answers 201 too");
    assert_eq!(again["identity"]["id"], first["identity"]["id"]);
    assert_eq!(again["identity"]["customId"], "sally@contoso.com");
    let issued_at = again["identity"]["lastTokenIssuedAt"].as_str().unwrap();
    assert_eq!(issued_at.len(), "2025-02-10T21:39:39.3244584+00:00".len());
    assert!(again["accessToken"]["token"].is_string());
    // GetUserDetail: GET /identities/{escaped id}, 200 only.
    let id = first["identity"]["id"].as_str().unwrap();
    let r = app.get(id).await;
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["customId"], "sally@contoso.com");
    assert_eq!(got["lastTokenIssuedAt"], issued_at);
    assert!(
        got.get("externalId").is_none(),
        "the preview's shape: {got}"
    );
}

#[tokio::test]
async fn create_user_without_a_custom_id_sends_an_empty_object_and_gets_a_new_identity() {
    let app = spawn_app().await;
    let (status, a) = create(&app, PREVIEW, json!({})).await;
    let (_, b) = create(&app, PREVIEW, json!({})).await;
    assert_eq!(status, 201);
    assert_ne!(a["identity"]["id"], b["identity"]["id"]);
    assert_eq!(a["identity"].as_object().unwrap().len(), 1, "{a}");
}

#[tokio::test]
async fn a_custom_id_works_on_every_version_and_retries_never_make_a_second_identity() {
    let app = spawn_app().await;
    for version in commid::domain::ApiVersion::SUPPORTED {
        let version = format!("api-version={version}");
        let (s1, a) = create(&app, &version, json!({"customId": "flow-42"})).await;
        let (s2, b) = create(&app, &version, json!({"customId": "flow-42"})).await;
        assert_eq!((s1, s2), (201, 201), "{version}");
        assert_eq!(a["identity"]["id"], b["identity"]["id"], "{version}");
    }
}

#[tokio::test]
async fn external_id_stays_an_alias_with_its_old_answers() {
    let app = spawn_app().await;
    let (status, first) = create(&app, API, json!({"externalId": "legacy"})).await;
    assert_eq!(status, 201);
    assert_eq!(
        first["identity"],
        json!({"id": first["identity"]["id"], "externalId": "legacy"})
    );
    let (status, again) = create(&app, API, json!({"externalId": "legacy"})).await;
    assert_eq!(status, 200, "existing flows keep their 200");
    assert_eq!(again["identity"]["id"], first["identity"]["id"]);
    // One mapping under both names.
    let (status, by_custom) = create(&app, PREVIEW, json!({"customId": "legacy"})).await;
    assert_eq!(status, 201);
    assert_eq!(by_custom["identity"]["id"], first["identity"]["id"]);
}

#[tokio::test]
async fn both_names_are_taken_together_only_with_one_value() {
    let app = spawn_app().await;
    let (status, same) = create(&app, PREVIEW, json!({"customId": "x", "externalId": "x"})).await;
    assert_eq!(status, 201, "{same}");
    let (status, e) = create(&app, PREVIEW, json!({"customId": "x", "externalId": "y"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "ValidationError");
    assert_eq!(e["error"]["target"], "customId");
}

#[tokio::test]
async fn an_invalid_custom_id_is_refused_naming_the_member_sent() {
    let app = spawn_app().await;
    for (body, target) in [
        (json!({"customId": ""}), "customId"),
        (json!({"customId": "x".repeat(257)}), "customId"),
        (json!({"customId": "a\u{7}b"}), "customId"),
        (json!({"externalId": ""}), "externalId"),
    ] {
        let (status, e) = create(&app, PREVIEW, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(e["error"]["target"], target, "{body}");
    }
    let (status, _) = create(&app, PREVIEW, json!({"customId": "é".repeat(256)})).await;
    assert_eq!(status, 201, "256 characters, not bytes");
}

#[tokio::test]
async fn pass_through_forwards_a_custom_id_only_where_acs_defines_it() {
    let (front, upstream) = front_and_upstream().await;
    let cs = upstream.connection_string.clone();
    let post = |version: &'static str, body: Value| {
        let (front, cs) = (&front, cs.clone());
        async move {
            let r = front
                .with_connection_string(
                    &cs,
                    Method::POST,
                    &format!("/identities?{version}"),
                    Some(body),
                )
                .await;
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, e) = post(API, json!({"customId": "c"})).await;
    assert_eq!(
        status, 400,
        "ACS 2023-10-01 would drop it and make a new identity each time"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2025-03-02-preview"),
        "{e}"
    );
    let (status, e) = post(PREVIEW, json!({"externalId": "c"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["target"], "externalId");
    let (status, first) = post(PREVIEW, json!({"customId": "c"})).await;
    assert_eq!(status, 201, "{first}");
    let (_, again) = post(PREVIEW, json!({"customId": "c"})).await;
    assert_eq!(
        again["identity"]["id"], first["identity"]["id"],
        "the upstream kept the mapping"
    );
}

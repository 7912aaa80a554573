//! `GET|PUT|DELETE /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`
//! as WIRE-2025 §6 has them: what is stored and echoed, the status codes,
//! the request errors, and pass-through to a real resource.

use crate::api::entra_issuer::*;
use crate::api::passthrough::front_and_upstream;
use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

const DOC_TENANT: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const DOC_OBJECT: &str = "e5b7f628-ea94-4fdc-b3d9-1af1fe231111";
const DOC_APP: &str = "1bfa671a-dc6b-47f3-8940-45c0f1af0fa6";

fn path(version: &str) -> String {
    teams_extension_path(DOC_TENANT, DOC_OBJECT, version)
}

#[tokio::test]
async fn the_documentations_put_get_delete_round_trip_answers_as_acs_does() {
    let app = spawn_app().await;
    let body = json!({"principalType": "user", "clientIds": [DOC_APP]});
    let expected = json!({"objectId": DOC_OBJECT, "tenantId": DOC_TENANT, "principalType": "user", "clientIds": [DOC_APP]});
    let r = app
        .signed(Method::PUT, &path(STABLE), Some(body.clone()))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap(), expected);
    let r = app.signed(Method::PUT, &path(STABLE), Some(body)).await;
    assert_eq!(r.status(), 200, "a replacement");
    assert_eq!(r.json::<Value>().await.unwrap(), expected);
    let r = app.signed(Method::GET, &path(STABLE), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), expected);
    let r = app.signed(Method::DELETE, &path(STABLE), None).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.text().await.unwrap(), "");
    let e = error_of(app.signed(Method::GET, &path(STABLE), None).await, 404).await;
    assert_eq!(e["code"], "AssignmentNotFound");
    // A retried delete gets the same answer.
    assert_eq!(
        app.signed(Method::DELETE, &path(STABLE), None)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn both_spellings_of_a_resource_account_are_kept_as_sent_and_ids_are_lowercased() {
    let app = spawn_app().await;
    for spelling in ["resourceAccount", "teamsResourceAccount"] {
        let upper = teams_extension_path(&DOC_TENANT.to_uppercase(), DOC_OBJECT, STABLE);
        let r = app
            .signed(
                Method::PUT,
                &upper,
                Some(json!({"principalType": spelling})),
            )
            .await;
        assert!(r.status().is_success());
        let stored: Value = app
            .signed(Method::GET, &path(STABLE), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            stored,
            json!({"objectId": DOC_OBJECT, "tenantId": DOC_TENANT, "principalType": spelling})
        );
    }
}

#[tokio::test]
async fn every_version_with_teams_phone_extensibility_serves_the_assignments() {
    let app = spawn_app().await;
    let body = json!({"principalType": "resourceAccount"});
    for version in [
        "2025-06-30",
        "2026-07-22",
        "2026-09-23",
        "2025-03-02-preview",
    ] {
        let r = app
            .signed(
                Method::PUT,
                &path(&format!("api-version={version}")),
                Some(body.clone()),
            )
            .await;
        assert!(r.status().is_success(), "{version}");
    }
    let e = error_of(app.signed(Method::GET, &path(API), None).await, 400).await;
    assert_eq!(e["code"], "UnsupportedApiVersion");
    assert_eq!(e["target"], "api-version");
}

#[tokio::test]
async fn request_errors_name_the_member_they_concern() {
    let app = spawn_app().await;
    for (path, body, target) in [
        (path(STABLE), None, "principalType"),
        (path(STABLE), Some(json!({})), "principalType"),
        (
            path(STABLE),
            Some(json!({"principalType": "group"})),
            "principalType",
        ),
        (
            path(STABLE),
            Some(json!({"principalType": "user", "clientIds": ["my-app"]})),
            "clientIds",
        ),
        (
            path(STABLE),
            Some(json!({"principalType": "user", "objectId": OTHER})),
            "objectId",
        ),
        (
            path(STABLE),
            Some(json!({"principalType": "user", "tenantId": OTHER})),
            "tenantId",
        ),
        (
            teams_extension_path("tenant", DOC_OBJECT, STABLE),
            Some(json!({"principalType": "user"})),
            "tenantId",
        ),
        (
            teams_extension_path(DOC_TENANT, "00000000-0000-0000-0000-000000000000", STABLE),
            Some(json!({"principalType": "user"})),
            "objectId",
        ),
    ] {
        let e = error_of(app.signed(Method::PUT, &path, body.clone()).await, 400).await;
        assert_eq!(e["code"], "ValidationError", "{body:?}");
        assert_eq!(e["target"], target, "{body:?}: {e}");
    }
    let e = error_of(
        app.signed(
            Method::PUT,
            &path(STABLE),
            Some(json!({"principalType": 1})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(e["code"], "ValidationError");
    let unsigned = app.unsigned(Method::GET, &path(STABLE)).await;
    assert_eq!(error_of(unsigned, 401).await["code"], "Denied");
}

#[tokio::test]
async fn a_connection_string_of_another_resource_is_forwarded_to_it() {
    let (front, upstream) = front_and_upstream().await;
    let cs = upstream.connection_string.clone();
    let body = json!({"principalType": "user", "clientIds": [DOC_APP]});
    let r = front
        .with_connection_string(&cs, Method::PUT, &path(STABLE), Some(body))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        upstream
            .signed(Method::GET, &path(STABLE), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        front
            .signed(Method::GET, &path(STABLE), None)
            .await
            .status(),
        404
    );
    let r = front
        .with_connection_string(&cs, Method::GET, &path(STABLE), None)
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["principalType"], "user");
    let r = front
        .with_connection_string(&cs, Method::DELETE, &path(STABLE), None)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        upstream
            .signed(Method::GET, &path(STABLE), None)
            .await
            .status(),
        404
    );
    // Validated before anything is sent, as for a local resource.
    let r = front
        .with_connection_string(&cs, Method::PUT, &path(STABLE), Some(json!({})))
        .await;
    assert_eq!(error_of(r, 400).await["target"], "principalType");
}

//! `POST /access/teamsExtension/:exchangeAccessToken`: a Teams user's or
//! resource account's Entra token exchanged under an assignment, for whom,
//! until when, and what becomes of the token when the assignment changes.

use crate::api::entra_issuer::*;
use crate::common::app::*;
use reqwest::Method;
use serde_json::json;

async fn setup() -> (Key, JwksServer, TestApp) {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting_all(for_every_exchange(&jwks)).await;
    (key, jwks, app)
}

#[tokio::test]
async fn an_assigned_users_token_is_exchanged_for_a_teams_extension_user_that_verify_accepts() {
    let (key, _jwks, app) = setup().await;
    let r = put_teams_extension(
        &app,
        OID,
        json!({"principalType": "user", "clientIds": [APP_ID]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let entra = teams_extension_claims();
    let r = exchange_teams_extension(&app, &key.mint(&entra)).await;
    let (token, id) = exchanged(r).await;
    let resource = payload(&token)["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(id, format!("8:acs:{resource}_{TENANT}_{OID}"));
    let ours = payload(&token);
    assert_eq!(ours["sub"], id);
    assert_eq!(ours["skypeid"], id[2..]);
    assert_eq!(ours["acsScope"], "voip");
    assert_eq!(ours["exp"], entra["exp"]);
    assert!(ours.get("asg").is_none(), "{ours}");
    let verdict = app.verify(&token).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["identity"]["id"], id);
    assert_eq!(verdict["scopes"], json!(["voip"]));
}

#[tokio::test]
async fn the_exchange_answers_on_an_endpoint_with_a_trailing_slash_too() {
    let (key, _jwks, app) = setup().await;
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    let token = key.mint(&teams_extension_claims());
    let path = "//access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30";
    let (_, id) = exchanged(bearer(&app, path, &token).await).await;
    assert!(id.ends_with(&format!("_{TENANT}_{OID}")), "{id}");
}

#[tokio::test]
async fn the_exchanged_token_expires_with_the_entra_token_but_within_24_hours() {
    let (key, _jwks, app) = setup().await;
    put_teams_extension(&app, OID, json!({"principalType": "teamsResourceAccount"})).await;
    let mut long = teams_extension_claims();
    long["exp"] = json!(long["iat"].as_i64().unwrap() + 3 * 86_400);
    let (token, _) = exchanged(exchange_teams_extension(&app, &key.mint(&long)).await).await;
    let ours = payload(&token);
    assert_eq!(
        ours["exp"].as_i64().unwrap() - ours["iat"].as_i64().unwrap(),
        86_400
    );
}

#[tokio::test]
async fn without_an_assignment_that_admits_it_the_token_is_not_valid() {
    let (key, _jwks, app) = setup().await;
    let token = key.mint(&teams_extension_claims());
    let refused =
        json!({"code": "InvalidAccessToken", "message": "Provided access token is not valid."});
    assert_eq!(
        error_of(exchange_teams_extension(&app, &token).await, 401).await,
        refused
    );
    for assignment in [
        // Another application than the token's.
        json!({"principalType": "user", "clientIds": [OTHER]}),
        // A user's assignment without client ids admits no application.
        json!({"principalType": "user"}),
        json!({"principalType": "user", "clientIds": []}),
    ] {
        assert!(
            put_teams_extension(&app, OID, assignment.clone())
                .await
                .status()
                .is_success()
        );
        let e = error_of(exchange_teams_extension(&app, &token).await, 401).await;
        assert_eq!(e, refused, "{assignment}");
    }
    // An assignment in another tenant, or of another object, is not this one.
    let other_tenant = teams_extension_path(OTHER, OID, STABLE);
    let body = json!({"principalType": "resourceAccount"});
    app.signed(Method::PUT, &other_tenant, Some(body.clone()))
        .await;
    put_teams_extension(&app, OTHER, body).await;
    assert_eq!(exchange_teams_extension(&app, &token).await.status(), 401);
}

#[tokio::test]
async fn deleting_the_assignment_revokes_its_tokens_and_stops_exchanges() {
    let (key, _jwks, app) = setup().await;
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    let entra = key.mint(&teams_extension_claims());
    let (token, _) = exchanged(exchange_teams_extension(&app, &entra).await).await;
    let path = teams_extension_path(TENANT, OID, STABLE);
    assert_eq!(app.signed(Method::DELETE, &path, None).await.status(), 204);
    let verdict = app.verify(&token).await;
    assert_eq!(verdict, json!({"valid": false, "reason": "revoked"}));
    assert_eq!(exchange_teams_extension(&app, &entra).await.status(), 401);
    // Assigned again: a new assignment, under which the old token stays revoked.
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    assert_eq!(app.verify(&token).await["reason"], "revoked");
    let (again, _) = exchanged(exchange_teams_extension(&app, &entra).await).await;
    assert_eq!(app.verify(&again).await["valid"], true);
}

#[tokio::test]
async fn replacing_the_assignment_revokes_its_tokens_only_when_it_changes() {
    let (key, _jwks, app) = setup().await;
    let assignment = json!({"principalType": "user", "clientIds": [APP_ID]});
    put_teams_extension(&app, OID, assignment.clone()).await;
    let entra = key.mint(&teams_extension_claims());
    let (token, _) = exchanged(exchange_teams_extension(&app, &entra).await).await;
    assert_eq!(
        put_teams_extension(&app, OID, assignment).await.status(),
        200
    );
    assert_eq!(
        app.verify(&token).await["valid"],
        true,
        "an identical put changes nothing"
    );
    let wider = json!({"principalType": "user", "clientIds": [APP_ID, OTHER]});
    assert_eq!(put_teams_extension(&app, OID, wider).await.status(), 200);
    assert_eq!(app.verify(&token).await["reason"], "revoked");
    exchanged(exchange_teams_extension(&app, &entra).await).await;
}

#[tokio::test]
async fn versions_without_teams_phone_extensibility_are_refused_before_the_token_is_read() {
    let (key, _jwks, app) = setup().await;
    let token = key.mint(&teams_extension_claims());
    let path = "/access/teamsExtension/:exchangeAccessToken?api-version=2023-10-01";
    let e = error_of(bearer(&app, path, &token).await, 400).await;
    assert_eq!(e["code"], "UnsupportedApiVersion");
    assert_eq!(e["target"], "api-version");
    assert!(e["message"].as_str().unwrap().contains("2025-06-30"), "{e}");
    let missing = "/access/teamsExtension/:exchangeAccessToken";
    let e = error_of(bearer(&app, missing, &token).await, 400).await;
    assert_eq!(e["code"], "MissingApiVersionParameter");
    for version in ["2026-07-22", "2026-09-23", "2025-03-02-preview"] {
        put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
        let path = format!("/access/teamsExtension/:exchangeAccessToken?api-version={version}");
        exchanged(bearer(&app, &path, &token).await).await;
    }
}

#[tokio::test]
async fn a_request_without_a_bearer_token_or_without_a_json_object_is_refused() {
    let (key, _jwks, app) = setup().await;
    let url = format!(
        "{}/access/teamsExtension/:exchangeAccessToken?{STABLE}",
        app.base
    );
    let r = app.http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    let r = app
        .http
        .post(&url)
        .basic_auth("u", Some("p"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    let token = key.mint(&teams_extension_claims());
    for body in ["", "[]", "{", "null"] {
        let r = app
            .http
            .post(&url)
            .bearer_auth(&token)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(r, 400).await["code"],
            "ValidationError",
            "{body:?}"
        );
    }
    // Members of the object are ignored (2026-09-23 allows them).
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .body(r#"{"extra":1}"#)
        .send()
        .await
        .unwrap();
    exchanged(r).await;
}

#[tokio::test]
async fn an_issuer_trusted_only_for_teams_users_is_not_trusted_here() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting_all(jwks.entry()).await;
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    let r = exchange_teams_extension(&app, &key.mint(&teams_extension_claims())).await;
    assert_eq!(error_of(r, 401).await["code"], "InvalidAccessToken");
}

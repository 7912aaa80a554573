use crate::common::app::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn health_and_readiness_answer_without_credentials() {
    let app = spawn_app().await;
    let r = app.unsigned(Method::GET, "/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let r = app.unsigned(Method::GET, "/readyz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn issued_tokens_verify_against_the_published_jwks() {
    let app = spawn_app().await;
    let token = app.token(&app.create_identity().await).await;
    let jwks: Value = app
        .unsigned(Method::GET, "/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header.kid.clone().unwrap())
        .unwrap();
    let key =
        DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation)
        .expect("the JWKS key verifies the token");
    assert!(data.claims["exp"].is_i64());
}

#[tokio::test]
async fn a_rotated_signing_key_signs_new_tokens_while_old_tokens_still_verify() {
    let app = spawn_app().await;
    let id = app.create_identity().await;
    let old = app.token(&id).await;
    let old_kid = jsonwebtoken::decode_header(&old).unwrap().kid.unwrap();
    let new_kid = commid::tokens::rotate(&app.admin_store()).await.unwrap();
    let mut kid = old_kid.clone();
    for _ in 0..80 {
        kid = jsonwebtoken::decode_header(&app.token(&id).await)
            .unwrap()
            .kid
            .unwrap();
        if kid != old_kid {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kid, new_kid, "the running server picks up the new key");
    assert_eq!(app.verify(&old).await["valid"], true);
    let jwks: Value = app
        .unsigned(Method::GET, "/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let kids: Vec<_> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kids.contains(&old_kid) && kids.contains(&new_kid),
        "{kids:?}"
    );
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = spawn_app().await;
    let doc: Value = app
        .unsigned(Method::GET, "/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/identities",
        "/identities/{id}",
        "/identities/{id}/:issueAccessToken",
        "/identities/{id}/:revokeAccessTokens",
        "/accessTokens/:verify",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let r = app.unsigned(Method::GET, "/docs/").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn the_openapi_document_is_pinned() {
    let doc = serde_json::to_value(commid::router::openapi()).unwrap();
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("openapi", doc);
    });
}

#[tokio::test]
async fn the_client_request_id_is_echoed_and_a_request_id_added() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-ms-client-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-ms-client-request-id"], "abc-123");
    assert!(uuid::Uuid::try_parse(r.headers()["x-ms-request-id"].to_str().unwrap()).is_ok());
}

#[tokio::test]
async fn a_token_from_a_key_another_process_just_made_verifies_at_once() {
    use commid::storage::Store;
    let app = spawn_app().await;
    let id = app.create_identity().await;
    // Another process rotates the key and signs with it before this server's
    // periodic refresh: the unknown kid makes the server reread the keys.
    let store = app.admin_store();
    commid::tokens::rotate(&store).await.unwrap();
    let ring = commid::tokens::KeyRing::load(&store).await.unwrap();
    let resource = store.resources().await.unwrap().remove(0);
    let scopes = commid::domain::Scopes::parse(Some(&["chat".to_owned()])).unwrap();
    let grant = commid::tokens::Grant::identity(
        &resource,
        commid::domain::IdentityId::parse(&id).unwrap(),
        &scopes,
        commid::domain::TokenLifetime::from_minutes(Some(60)).unwrap(),
        commid::domain::RevocationEpoch::INITIAL,
        commid::domain::Timestamp::now(),
    );
    let issued = commid::tokens::issue(&ring, &grant).unwrap();
    assert_eq!(app.verify(&issued.token).await["valid"], true);
}

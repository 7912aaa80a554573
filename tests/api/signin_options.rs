//! What the portal needs for "Sign in with …" (`GET /portal/signin.json`
//! and the page's Content-Security-Policy), and the delegated user token
//! the Power Platform gateway sends for a connection made with Microsoft
//! Entra ID: `aud` the application ID URI of commid's own registration,
//! `scp`, the user's `oid`.

use crate::api::management::{
    ISSUER, JwksServer, Key, app_trusting, for_management, grant, until_held, with_bearer,
};
use crate::common::app::*;
use commid::config::TrustedIssuerEntry;
use commid::domain::Role;
use commid::http::portal::CONTENT_SECURITY_POLICY;
use reqwest::Method;
use serde_json::{Value, json};

fn with_portal(entry: TrustedIssuerEntry) -> TrustedIssuerEntry {
    TrustedIssuerEntry {
        portal_client_id: Some("c0a1b2c3-portal".into()),
        portal_scope: Some("openid api://commid/user_impersonation".into()),
        portal_authority: Some("https://login.example.com/tenant/v2.0".into()),
        portal_name: Some("Contoso".into()),
        ..entry
    }
}

#[tokio::test]
async fn the_portal_is_told_which_issuers_it_may_sign_in_with_and_may_reach_them() {
    let jwks = JwksServer::start(&[&Key::rsa("rsa-1")]).await;
    let app = app_trusting(with_portal(for_management(&jwks))).await;
    let r = app.unsigned(Method::GET, "/portal/signin.json").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"issuers": [{
            "name": "Contoso",
            "authority": "https://login.example.com/tenant/v2.0",
            "clientId": "c0a1b2c3-portal",
            "scope": "openid api://commid/user_impersonation",
        }]})
    );
    assert!(!body.to_string().contains("secret"));
    assert_eq!(
        csp, CONTENT_SECURITY_POLICY,
        "the list itself needs no more"
    );
    let page = app.unsigned(Method::GET, "/portal/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' https://login.example.com;"),
        "{csp}"
    );
    assert_eq!(
        csp.replace(" https://login.example.com", ""),
        CONTENT_SECURITY_POLICY
    );
}

#[tokio::test]
async fn without_a_portal_client_the_portal_offers_no_issuer_and_reaches_nothing_else() {
    let jwks = JwksServer::start(&[&Key::rsa("rsa-1")]).await;
    let app = app_trusting(for_management(&jwks)).await;
    let r = app.unsigned(Method::GET, "/portal/signin.json").await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"issuers": []}));
    let page = app.unsigned(Method::GET, "/portal/").await;
    assert_eq!(
        page.headers()["content-security-policy"],
        CONTENT_SECURITY_POLICY
    );
}

/// A maker's delegated token from the connector's Entra ID connection:
/// v1.0, for commid's own application ID URI, with `scp`.
fn delegated_claims(oid: &str, aud: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "aud": aud, "iss": ISSUER, "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
        "oid": oid, "sub": "pairwise-subject-of-the-gateway", "scp": "user_impersonation",
        "appid": "6c5c8c0b-41a5-4e6f-9b9c-1c2d3e4f5a6b", "tid": "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1",
        "ver": "1.0", "upn": "maker@contoso.example",
    })
}

#[tokio::test]
async fn the_gateways_delegated_token_for_commids_own_app_id_uri_is_taken_for_the_makers_oid() {
    const MAKER: &str = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(TrustedIssuerEntry {
        management_audiences: Some(vec![
            "api://commid.contoso.example".into(),
            "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a".into(),
        ]),
        ..for_management(&jwks)
    })
    .await;
    grant(&app, &format!("oid:{MAKER}"), Role::Issuer).await;
    let token = key.mint(&delegated_claims(MAKER, "api://commid.contoso.example"));
    until_held(&app, &token).await;
    let r = with_bearer(
        &app,
        Method::POST,
        &format!("/identities?{API}"),
        &token,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status(), 201);
    // A v2.0 token carries the client id as aud: listed too, so taken.
    let v2 = key.mint(&delegated_claims(
        MAKER,
        "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a",
    ));
    let r = with_bearer(
        &app,
        Method::GET,
        &format!("/connection/:test?{API}"),
        &v2,
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    // Communication Services' own audience is no longer listed: refused.
    let other = key.mint(&delegated_claims(MAKER, "https://communication.azure.com"));
    let r = with_bearer(
        &app,
        Method::GET,
        &format!("/connection/:test?{API}"),
        &other,
        None,
    )
    .await;
    assert_eq!(r.status(), 401);
    // What the role does not allow stays refused: the role decides, not the token.
    let r = with_bearer(
        &app,
        Method::GET,
        &format!("/webhookSubscriptions?{API}"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status(), 403);
}

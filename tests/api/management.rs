//! Bearer tokens on the signed operations: a token of an issuer the
//! resource trusts for management, whose principal holds a role. Each role
//! is allowed exactly where the table of operations says, for every
//! operation; every token that must not be taken gets 401, never a 5xx;
//! grants and revokes hold within seconds.

use crate::api::access::plausible_target;
use crate::common::app::*;
pub use crate::common::issuer::{ISSUER, JwksServer, Key, part};
use commid::config::{Layer, TrustedIssuerEntry};
use commid::domain::{Principal, Role, RoleGrant};
use commid::http::access::Callers;
use commid::router;
use commid::storage::{RoleStore, Store};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::time::Duration;

pub const OWNER_OID: &str = "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A managed identity's v1.0 token for Communication Services, as
/// `DefaultAzureCredential` gets it (`https://communication.azure.com//.default`).
pub fn management_claims(oid: &str) -> Value {
    json!({
        "aud": "https://communication.azure.com/", "iss": ISSUER, "iat": now() - 60,
        "nbf": now() - 60, "exp": now() + 3600, "oid": oid, "sub": oid,
        "appid": "9a1c2b3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "tid": "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1",
        "ver": "1.0",
    })
}

pub fn for_management(jwks: &JwksServer) -> TrustedIssuerEntry {
    TrustedIssuerEntry {
        exchanges: Some(vec!["management".into()]),
        client_ids: None,
        jwks_cooldown_seconds: Some(0),
        ..jwks.entry()
    }
}

pub async fn app_trusting(entry: TrustedIssuerEntry) -> TestApp {
    spawn_with(|layer| Layer {
        trusted_issuers: Some(vec![entry]),
        ..layer
    })
    .await
}

/// The admin store beside the server, its resource's id, and the grant of
/// `role` to `principal` of the tests' issuer.
async fn grant_of(
    app: &TestApp,
    principal: &str,
    role: Role,
) -> (impl RoleStore, commid::domain::ResourceId, RoleGrant) {
    let store = app.admin_store();
    let resource = store.resources().await.unwrap().remove(0);
    let grant = RoleGrant {
        issuer: ISSUER.into(),
        principal: Principal::parse(principal).unwrap(),
        role,
    };
    (store, resource.id, grant)
}

pub async fn grant(app: &TestApp, principal: &str, role: Role) {
    let (store, resource, grant) = grant_of(app, principal, role).await;
    store.grant_role(resource, grant).await.unwrap();
}

/// Waits until the server lets `token` call the connection test, which
/// every role may: a grant holds within seconds.
pub async fn until_held(app: &TestApp, token: &str) {
    let path = format!("/connection/:test?{API}");
    for _ in 0..40 {
        if with_bearer(app, Method::GET, &path, token, None)
            .await
            .status()
            == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the grant did not hold within 10 s");
}

async fn revoke(app: &TestApp, principal: &str, role: Role) {
    let (store, resource, grant) = grant_of(app, principal, role).await;
    assert!(store.revoke_role(resource, grant).await.unwrap());
}

/// `method path` with `Authorization: Bearer token` and `body`.
pub async fn with_bearer(
    app: &TestApp,
    method: Method,
    path_and_query: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app
        .http
        .request(method, format!("{}{path_and_query}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("the server answers")
}

#[tokio::test]
async fn an_owners_bearer_token_runs_the_quickstart() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    grant(&app, &format!("oid:{OWNER_OID}"), Role::Owner).await;
    let token = key.mint(&management_claims(OWNER_OID));
    until_held(&app, &token).await;

    let r = with_bearer(
        &app,
        Method::POST,
        &format!("/identities?{API}"),
        &token,
        Some(json!({"createTokenWithScopes": ["voip"]})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    let path = |op: &str| format!("/identities/{}{op}?{API}", encode(&id));
    let r = with_bearer(
        &app,
        Method::POST,
        &path("/:issueAccessToken"),
        &token,
        Some(json!({"scopes": ["chat"]})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let issued: Value = r.json().await.unwrap();
    assert_eq!(
        app.verify(issued["token"].as_str().unwrap()).await["valid"],
        true
    );
    let r = with_bearer(
        &app,
        Method::POST,
        &path("/:revokeAccessTokens"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.verify(issued["token"].as_str().unwrap()).await["valid"],
        false
    );
    let r = with_bearer(&app, Method::DELETE, &path(""), &token, None).await;
    assert_eq!(r.status(), 204);
}

/// What `role` (or no role) gets for each operation of the table.
async fn each_operation_as(app: &TestApp, token: &str, role: Option<Role>, identity: &str) {
    let doc = router::openapi_json();
    for operation in router::operations() {
        let Callers::Signed(_) = operation.callers else {
            continue;
        };
        for (template, method) in operation.documented() {
            let target = plausible_target(&doc, &template, method, identity);
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let r = with_bearer(app, method.clone(), &target, token, Some(json!({}))).await;
            let status = r.status().as_u16();
            let allowed = role.is_some_and(|role| operation.callers.allows(role));
            if allowed {
                assert!(
                    ![401, 403].contains(&status) && status < 500,
                    "{role:?} refused {method} {target}: {status} {:?}",
                    r.text().await
                );
            } else {
                let e = error_of(r, 403).await;
                assert_eq!(
                    e["code"], "AuthorizationFailed",
                    "{role:?} {method} {target}"
                );
                let message = e["message"].as_str().unwrap();
                assert!(message.contains("does not have authorization"), "{message}");
            }
        }
    }
}

#[tokio::test]
async fn each_role_is_allowed_where_the_table_says_and_refused_with_403_everywhere_else() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    let nobody = key.mint(&management_claims("6d1f1e0a-0000-4000-8000-00000000000a"));
    let identity = app.create_identity().await;
    each_operation_as(&app, &nobody, None, &identity).await;
    // The owner last: it deletes the identity the others use.
    for (i, role) in [Role::Reader, Role::Issuer, Role::Owner]
        .into_iter()
        .enumerate()
    {
        let oid = format!("6d1f1e0a-0000-4000-8000-00000000000{i}");
        grant(&app, &format!("oid:{oid}"), role).await;
        let token = key.mint(&management_claims(&oid));
        until_held(&app, &token).await;
        each_operation_as(&app, &token, Some(role), &identity).await;
    }
}

#[tokio::test]
async fn a_role_held_through_an_application_group_app_role_or_subject_counts() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    let path = format!("/identities?{API}");
    let mut claims = management_claims("6d1f1e0a-0000-4000-8000-0000000000ff");
    claims["groups"] = json!(["1e2d3c4b-5a69-4788-96a5-b4c3d2e1f0a9"]);
    claims["roles"] = json!(["Commid.Issuer"]);
    for principal in [
        "app:9a1c2b3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
        "group:1E2D3C4B-5A69-4788-96A5-B4C3D2E1F0A9",
        "role:Commid.Issuer",
        "sub:6d1f1e0a-0000-4000-8000-0000000000ff",
    ] {
        let token = key.mint(&claims);
        let r = with_bearer(&app, Method::POST, &path, &token, None).await;
        assert_eq!(r.status(), 403, "before {principal} holds a role");
        grant(&app, principal, Role::Issuer).await;
        until_held(&app, &token).await;
        let r = with_bearer(&app, Method::POST, &path, &token, None).await;
        assert_eq!(r.status(), 201, "{principal}");
        revoke(&app, principal, Role::Issuer).await;
        // A revoke holds within the reload interval (5 s).
        let mut refused = false;
        for _ in 0..40 {
            let r = with_bearer(&app, Method::POST, &path, &token, None).await;
            if r.status() == 403 {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(refused, "{principal} still allowed after the revoke");
    }
}

#[tokio::test]
async fn every_token_that_must_not_be_taken_gets_401_never_a_5xx() {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    grant(&app, &format!("oid:{OWNER_OID}"), Role::Owner).await;
    let good = management_claims(OWNER_OID);
    until_held(&app, &key.mint(&good)).await;
    let with = |changes: &[(&str, Value)]| {
        let mut c = good.clone();
        for (name, value) in changes {
            c[*name] = value.clone();
        }
        c
    };
    let message = format!(
        "{}.{}",
        part(&json!({"alg": "HS256", "kid": "rsa-1"})),
        part(&good)
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.public_pem.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    let hs256 = format!(
        "{message}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let cases = [
        ("expired", key.mint(&with(&[("exp", json!(now() - 1))]))),
        (
            "not yet valid",
            key.mint(&with(&[("nbf", json!(now() + 3600))])),
        ),
        (
            "another audience",
            key.mint(&with(&[("aud", json!("https://storage.azure.com"))])),
        ),
        (
            "another issuer",
            key.mint(&with(&[(
                "iss",
                json!("https://login.microsoftonline.com/x/v2.0"),
            )])),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                part(&json!({"alg": "none", "kid": "rsa-1"})),
                part(&good)
            ),
        ),
        ("HS256 signed with the public key", hs256),
        ("an unknown kid", Key::rsa("stranger").mint(&good)),
        ("not a JWT", "x".into()),
    ];
    let path = format!("/identities?{API}");
    assert_eq!(
        with_bearer(&app, Method::POST, &path, &key.mint(&good), None)
            .await
            .status(),
        201
    );
    for (case, token) in cases {
        let e = error_of(
            with_bearer(&app, Method::POST, &path, &token, None).await,
            401,
        )
        .await;
        assert_eq!(e["code"], "Denied", "{case}");
    }
}

#[tokio::test]
async fn an_issuer_whose_keys_are_down_keeps_working_with_the_keys_it_has() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    grant(&app, &format!("oid:{OWNER_OID}"), Role::Owner).await;
    until_held(&app, &key.mint(&management_claims(OWNER_OID))).await;
    jwks.set_down(true);
    let path = format!("/identities?{API}");
    let fresh = key.mint(&management_claims(OWNER_OID));
    assert_eq!(
        with_bearer(&app, Method::POST, &path, &fresh, None)
            .await
            .status(),
        201
    );
    let rotated = Key::rsa("rsa-2").mint(&management_claims(OWNER_OID));
    let r = with_bearer(&app, Method::POST, &path, &rotated, None).await;
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    jwks.set_down(false);
}

#[tokio::test]
async fn a_token_is_verified_once_and_kept_until_it_expires() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    grant(&app, &format!("oid:{OWNER_OID}"), Role::Owner).await;
    let path = format!("/identities?{API}");
    let seen = key.mint(&management_claims(OWNER_OID));
    until_held(&app, &seen).await;
    assert_eq!(
        with_bearer(&app, Method::POST, &path, &seen, None)
            .await
            .status(),
        201
    );
    // The issuer withdraws the key; a token naming an unknown kid makes the
    // server fetch the set again (no cooldown here).
    let other = Key::rsa("rsa-2");
    jwks.publish(&[&other]);
    let r = with_bearer(
        &app,
        Method::POST,
        &path,
        &other.mint(&management_claims(OWNER_OID)),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    // A token of the withdrawn key never seen is refused; the one already
    // verified is not checked again until it expires.
    let mut unseen_claims = management_claims(OWNER_OID);
    unseen_claims["jti"] = json!("never seen");
    let r = with_bearer(&app, Method::POST, &path, &key.mint(&unseen_claims), None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        with_bearer(&app, Method::POST, &path, &seen, None)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn the_change_feed_names_who_made_each_change_never_a_token() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting(for_management(&jwks)).await;
    grant(&app, &format!("oid:{OWNER_OID}"), Role::Owner).await;
    let token = key.mint(&management_claims(OWNER_OID));
    until_held(&app, &token).await;
    let start: Value = app
        .signed(Method::GET, &format!("/identityEvents?{API}"), None)
        .await
        .json()
        .await
        .unwrap();
    let cursor = start["cursor"].as_str().unwrap().to_owned();
    let id = app.create_identity().await;
    let path = |op: &str| format!("/identities/{}{op}?{API}", encode(&id));
    let r = with_bearer(
        &app,
        Method::POST,
        &path("/:revokeAccessTokens"),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let r = with_bearer(&app, Method::DELETE, &path(""), &token, None).await;
    assert_eq!(r.status(), 204);
    let feed: Value = app
        .signed(
            Method::GET,
            &format!("/identityEvents?{API}&since={cursor}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let actors: Vec<(&str, &str)> = feed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    let principal = format!("oid:{OWNER_OID}@{ISSUER}");
    assert_eq!(
        actors,
        [
            ("created", "key:primary"),
            ("tokensRevoked", principal.as_str()),
            ("deleted", principal.as_str())
        ]
    );
    assert!(!feed.to_string().contains(&token));
}

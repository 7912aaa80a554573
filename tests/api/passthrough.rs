//! Pass-through against a second commid acting as the upstream ACS
//! resource: the first app forwards `Connection-String` requests for the
//! upstream's exact `127.0.0.1:PORT`, signed with the connection string's
//! key, and the upstream checks the signature as ACS does.

use crate::common::app::*;
use crate::common::double::{Double, Reply};
use commid::domain::AccessKey;
use reqwest::Method;
use serde_json::{Value, json};

/// An upstream commid, and a front commid that forwards to it.
pub async fn front_and_upstream() -> (TestApp, TestApp) {
    let upstream = spawn_app().await;
    let allowed = upstream.authority.clone();
    let front = spawn_with(|layer| commid::config::Layer {
        upstream_allowed_hosts: Some(vec![allowed]),
        ..layer
    })
    .await;
    (front, upstream)
}

/// The connection string with another key.
pub fn with_key(connection_string: &str, key: &AccessKey) -> String {
    let endpoint = connection_string.split(";accesskey=").next().unwrap();
    format!("{endpoint};accesskey={}", key.text().expose())
}

#[tokio::test]
async fn every_operation_is_forwarded_to_the_upstream_and_its_answers_relayed() {
    let (front, upstream) = front_and_upstream().await;
    let cs = upstream.connection_string.clone();
    let call = |method: Method, path: String, body: Option<Value>| {
        let (front, cs) = (&front, cs.clone());
        async move { front.with_connection_string(&cs, method, &path, body).await }
    };

    let r = call(Method::POST, format!("/identities?{API}"), None).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["content-type"], "application/json");
    let plain: Value = r.json().await.unwrap();
    let plain_id = plain["identity"]["id"].as_str().unwrap().to_owned();
    assert!(plain.get("accessToken").is_none(), "{plain}");

    let r = call(
        Method::POST,
        format!("/identities?{API}"),
        Some(json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 60})),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let created: Value = r.json().await.unwrap();
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    let first_token = created["accessToken"]["token"].as_str().unwrap().to_owned();

    // The identities are the upstream's: it knows them, the front does not.
    assert_eq!(upstream.get(&id).await.status(), 200);
    assert_eq!(
        error_of(front.get(&id).await, 404).await["code"],
        "IdentityNotFound"
    );

    let path = |op: &str| format!("/identities/{}{op}?{API}", encode(&id));
    let r = call(
        Method::POST,
        path("/:issueAccessToken"),
        Some(json!({"scopes": ["voip"]})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let issued: Value = r.json().await.unwrap();
    assert_eq!(
        payload(issued["token"].as_str().unwrap())["acsScope"],
        "voip"
    );

    let r = call(
        Method::GET,
        format!("/identities/{id}?api-version=2025-03-02-preview"),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["id"], id.as_str());
    assert!(got["lastTokenIssuedAt"].is_string(), "{got}");

    let verify = |token: String| {
        call(
            Method::POST,
            format!("/accessTokens/:verify?{API}"),
            Some(json!({ "token": token })),
        )
    };
    let verdict: Value = verify(first_token.clone()).await.json().await.unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["identity"]["id"], id.as_str());

    assert_eq!(
        call(Method::POST, path("/:revokeAccessTokens"), None)
            .await
            .status(),
        204
    );
    let verdict: Value = verify(first_token).await.json().await.unwrap();
    assert_eq!(verdict["reason"], "revoked", "{verdict}");

    for id in [&id, &plain_id] {
        let r = call(
            Method::DELETE,
            format!("/identities/{}?{API}", encode(id)),
            None,
        )
        .await;
        assert_eq!(r.status(), 204);
    }
    let r = call(
        Method::GET,
        format!("/identities/{id}?api-version=2025-03-02-preview"),
        None,
    )
    .await;
    assert_eq!(error_of(r, 404).await["code"], "IdentityNotFound");

    // The upstream trusts no Entra issuer: its refusal comes back as it is.
    let r = call(
        Method::POST,
        format!("/teamsUser/:exchangeAccessToken?{API}"),
        Some(json!({"token": "a.b.c", "appId": "x", "userId": "y"})),
    )
    .await;
    assert_eq!(error_of(r, 401).await["code"], "InvalidAccessToken");
}

#[tokio::test]
async fn a_tampered_key_gets_the_upstreams_401() {
    let (front, upstream) = front_and_upstream().await;
    let tampered = with_key(&upstream.connection_string, &AccessKey::generate());
    let r = front
        .with_connection_string(&tampered, Method::POST, &format!("/identities?{API}"), None)
        .await;
    let e = error_of(r, 401).await;
    assert_eq!(e["code"], "Denied");
    assert_eq!(e["message"], "Denied by the resource provider.");
}

#[tokio::test]
async fn forwarded_requests_share_one_pooled_connection_to_the_upstream() {
    let double = Double::start(vec![Reply::new(200, r#"{"token":"t","expiresOn":"x"}"#)]);
    let allowed = double.authority();
    let app = spawn_with(|layer| commid::config::Layer {
        upstream_allowed_hosts: Some(vec![allowed]),
        ..layer
    })
    .await;
    let someone = "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000";
    for _ in 0..3 {
        let r = app
            .with_connection_string(
                &double.connection_string(),
                Method::POST,
                &format!("/identities/{}/:issueAccessToken?{API}", encode(someone)),
                Some(json!({"scopes": ["chat"]})),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(double.requests().len(), 3);
    assert_eq!(double.connections(), 1);
}

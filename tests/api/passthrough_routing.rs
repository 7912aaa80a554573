//! Which requests pass-through forwards: an allow-listed host wins over the
//! single-resource rule, a local resource's exact host stays local, and
//! requests that fail validation are answered locally, never sent.

use crate::api::passthrough::{front_and_upstream, with_key};
use crate::common::app::*;
use crate::common::double::{Double, Reply};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn an_allow_listed_host_is_forwarded_even_with_the_front_apps_own_key() {
    let (front, upstream) = front_and_upstream().await;
    // The front's single resource would accept its own key on any host, but
    // the allow-listed upstream wins: the upstream refuses the front's key.
    let front_key = commid::acs::ConnectionString::parse(&front.connection_string)
        .unwrap()
        .key;
    let cs = with_key(&upstream.connection_string, &front_key);
    let r = front
        .with_connection_string(&cs, Method::POST, &format!("/identities?{API}"), None)
        .await;
    assert_eq!(error_of(r, 401).await["code"], "Denied");
    // On a host off the list, the single resource still answers.
    let elsewhere = with_key("endpoint=https://elsewhere.example/", &front_key);
    let r = front
        .with_connection_string(
            &elsewhere,
            Method::POST,
            &format!("/identities?{API}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn a_local_resources_exact_host_is_served_locally_though_it_is_on_the_allow_list() {
    // The default allow-list admits *.communication.azure.com, and this
    // server's resource has such an endpoint: the exact match wins, so no
    // request leaves (the host does not even resolve here).
    let app = spawn_with(|layer| commid::config::Layer {
        public_url: Some("https://mine.communication.azure.com/".into()),
        ..layer
    })
    .await;
    assert!(
        app.connection_string
            .starts_with("endpoint=https://mine.communication.azure.com/;")
    );
    let r = app
        .with_connection_string(
            &app.connection_string,
            Method::POST,
            &format!("/identities?{API}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn validation_errors_are_answered_locally_with_the_same_bodies() {
    let double = Double::start(vec![Reply::new(200, "{}")]);
    let allowed = double.authority();
    let app = spawn_with(|layer| commid::config::Layer {
        upstream_allowed_hosts: Some(vec![allowed]),
        ..layer
    })
    .await;
    // An identity of the app's own resource, so that local mode too gets
    // past the id to the body.
    let own = app.create_identity().await;
    let issue = format!("/identities/{}/:issueAccessToken?{API}", encode(&own));
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/identities?{API}"),
            Some(json!({"createTokenWithScopes": ["nope"]})),
        ),
        (
            Method::POST,
            format!("/identities?{API}"),
            Some(json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 59})),
        ),
        (
            Method::POST,
            format!("/identities?{API}"),
            Some(json!({"externalId": ""})),
        ),
        (
            Method::POST,
            format!("/identities?{API}"),
            Some(json!([1, 2])),
        ),
        (Method::POST, "/identities".into(), None),
        (
            Method::POST,
            "/identities?api-version=2019-01-01".into(),
            None,
        ),
        (Method::POST, issue.clone(), Some(json!({}))),
        (
            Method::POST,
            issue.clone(),
            Some(json!({"scopes": ["chat"], "expiresInMinutes": 1441})),
        ),
        (
            Method::POST,
            format!("/identities/8%3Aacs%3Anope/:issueAccessToken?{API}"),
            Some(json!({"scopes": ["chat"]})),
        ),
        (Method::GET, format!("/identities/nope?{API}"), None),
        (Method::DELETE, format!("/identities/8:acs:x_y?{API}"), None),
        (
            Method::POST,
            format!("/identities/nope/:revokeAccessTokens?{API}"),
            None,
        ),
        (
            Method::POST,
            format!("/accessTokens/:verify?{API}"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/teamsUser/:exchangeAccessToken?{API}"),
            Some(json!({"token": "t"})),
        ),
    ];
    for (method, path, body) in cases {
        let forwarded = app
            .with_connection_string(
                &double.connection_string(),
                method.clone(),
                &path,
                body.clone(),
            )
            .await;
        let status = forwarded.status().as_u16();
        let forwarded = error_of(forwarded, 400).await;
        let local = error_of(app.signed(method.clone(), &path, body).await, status).await;
        assert_eq!(forwarded, local, "{method} {path}");
    }
    assert_eq!(double.connections(), 0);
}

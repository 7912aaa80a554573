//! The requests `commid identity …` sends, checked on a scripted test
//! double: each command's ACS request signed with the key, retries of
//! throttling and server errors, redirects reported and not followed.

use super::identity::{UNKNOWN_ID, identity};
use crate::common::double::{Double, Reply};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Runs `args` against a double answering `reply`, and checks the one
/// request it sent: `request` is "METHOD target", `body` its JSON.
fn sends(args: &[&str], reply: Reply, request: &str, body: Option<Value>) {
    let double = Double::start(vec![reply]);
    let run = identity(args).on(&double.connection_string()).run();
    assert_eq!(run.code, 0, "{args:?}: {run:?}");
    let seen = double.requests();
    assert_eq!(seen.len(), 1, "{args:?}");
    let seen = &seen[0];
    assert_eq!(format!("{} {}", seen.method, seen.target), request);
    assert!(seen.signature_is_valid(), "{args:?}: {seen:?}");
    match body {
        Some(body) => {
            assert_eq!(seen.json(), body, "{args:?}");
            assert_eq!(seen.header("content-type"), Some("application/json"));
        }
        None => {
            assert!(seen.body.is_empty(), "{args:?}");
            assert_eq!(seen.header("content-type"), None, "{args:?}");
        }
    }
}

/// The exact requests each command sends, per the ACS wire contract.
#[test]
fn each_command_sends_the_acs_request_signed_with_the_key() {
    let token = r#"{"token":"ey.x.y","expiresOn":"2026-11-21T06:00:00.0000000+00:00"}"#;
    let id = UNKNOWN_ID;
    let encoded = id.replace(':', "%3A");
    sends(
        &["user", "create"],
        Reply::new(201, &format!(r#"{{"identity":{{"id":"{id}"}}}}"#)),
        "POST /identities?api-version=2023-10-01",
        Some(json!({})),
    );
    sends(
        &[
            "token",
            "issue",
            "--scope",
            "chat",
            "voip",
            "--expires-in-minutes",
            "60",
        ],
        Reply::new(
            201,
            &format!(r#"{{"identity":{{"id":"{id}"}},"accessToken":{token}}}"#),
        ),
        "POST /identities?api-version=2023-10-01",
        Some(json!({ "createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60 })),
    );
    sends(
        &["token", "issue", "--scope", "voip", "--user", id],
        Reply::new(200, token),
        &format!("POST /identities/{encoded}/:issueAccessToken?api-version=2023-10-01"),
        Some(json!({ "scopes": ["voip"] })),
    );
    sends(
        &["token", "revoke", "--user", id],
        Reply::new(204, ""),
        &format!("POST /identities/{encoded}/:revokeAccessTokens?api-version=2023-10-01"),
        None,
    );
    sends(
        &["user", "delete", "--user", id],
        Reply::new(204, ""),
        &format!("DELETE /identities/{encoded}?api-version=2023-10-01"),
        None,
    );
    sends(
        &["user", "show", "--user", id],
        Reply::new(200, &format!(r#"{{"id":"{id}","externalId":"alice"}}"#)),
        &format!("GET /identities/{encoded}?api-version=2025-03-02-preview"),
        None,
    );
    sends(
        &[
            "token",
            "get-for-teams-user",
            "--aad-token",
            "aad",
            "--client",
            "app",
            "--aad-user",
            "oid",
        ],
        Reply::new(200, token),
        "POST /teamsUser/:exchangeAccessToken?api-version=2023-10-01",
        Some(json!({ "token": "aad", "appId": "app", "userId": "oid" })),
    );
    sends(
        &["token", "verify", "--token", "ey.x.y"],
        Reply::new(200, r#"{"valid":false,"reason":"expired"}"#),
        "POST /accessTokens/:verify?api-version=2023-10-01",
        Some(json!({ "token": "ey.x.y" })),
    );
}

#[test]
fn a_503_with_retry_after_is_retried_and_every_attempt_is_signed_afresh() {
    let double = Double::start(vec![
        Reply::error(503, "ServiceUnavailable").header("retry-after", "0"),
        Reply::new(201, &format!(r#"{{"identity":{{"id":"{UNKNOWN_ID}"}}}}"#)),
    ]);
    let user = identity(&["user", "create"])
        .on(&double.connection_string())
        .json();
    assert_eq!(user["rawId"], UNKNOWN_ID);
    let seen = double.requests();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.signature_is_valid()), "{seen:?}");
}

#[test]
fn the_client_waits_as_long_as_retry_after_asks() {
    let double = Double::start(vec![
        Reply::error(429, "TooManyRequests").header("retry-after", "1"),
        Reply::new(204, ""),
    ]);
    let started = Instant::now();
    let run = identity(&["token", "revoke", "--user", UNKNOWN_ID])
        .on(&double.connection_string())
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(double.requests().len(), 2);
}

#[test]
fn throttling_on_every_attempt_gives_up_after_four_attempts_with_the_services_error() {
    let double = Double::start(vec![
        Reply::error(429, "TooManyRequests").header("retry-after", "0"),
    ]);
    identity(&["user", "create"])
        .on(&double.connection_string())
        .run()
        .fails(1, "error: TooManyRequests (429): Said the double.");
    assert_eq!(double.requests().len(), 4);
}

#[test]
fn a_retry_after_beyond_the_time_budget_is_not_waited_for() {
    let double = Double::start(vec![
        Reply::error(503, "ServiceUnavailable").header("retry-after", "3600"),
    ]);
    let started = Instant::now();
    identity(&["token", "revoke", "--user", UNKNOWN_ID])
        .on(&double.connection_string())
        .run()
        .fails(1, "ServiceUnavailable (503)");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(double.requests().len(), 1);
}

#[test]
fn a_500_on_create_is_not_retried_as_it_may_have_made_an_identity_but_one_on_revoke_is() {
    let double = Double::start(vec![
        Reply::error(500, "InternalError"),
        Reply::new(201, &format!(r#"{{"identity":{{"id":"{UNKNOWN_ID}"}}}}"#)),
    ]);
    identity(&["user", "create"])
        .on(&double.connection_string())
        .run()
        .fails(1, "InternalError (500)");
    assert_eq!(double.requests().len(), 1);

    let double = Double::start(vec![
        Reply::error(500, "InternalError"),
        Reply::new(204, ""),
    ]);
    identity(&["token", "revoke", "--user", UNKNOWN_ID])
        .on(&double.connection_string())
        .json_or_empty();
    assert_eq!(double.requests().len(), 2);
}

#[test]
fn redirects_are_reported_not_followed() {
    let double = Double::start(vec![
        Reply::new(302, "").header("location", "http://127.0.0.1:9/identities"),
    ]);
    identity(&["user", "create"])
        .on(&double.connection_string())
        .run()
        .fails(1, "redirects are not followed");
    assert_eq!(double.requests().len(), 1);
}

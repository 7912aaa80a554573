//! Every Entra token the Bearer exchanges must not take gets 401
//! `InvalidAccessToken`, never a 5xx: the Teams-user exchange's RFC 8725
//! checks, with each exchange's own audience and permissions.

use crate::api::entra_issuer::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn with(base: &Value, changes: &[(&str, Value)]) -> Value {
    let mut c = base.clone();
    for (name, value) in changes {
        if value.is_null() {
            c.as_object_mut().unwrap().remove(*name);
        } else {
            c[*name] = value.clone();
        }
    }
    c
}

/// The tokens that must be refused, given a good token's claims and the
/// audience of the other exchange.
fn bad_tokens(key: &Key, good: &Value, other_audience: &str) -> Vec<(&'static str, String)> {
    let message = |c: &Value| {
        format!(
            "{}.{}",
            part(&json!({"alg": "HS256", "kid": "rsa-1"})),
            part(c)
        )
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.public_pem.as_bytes()).unwrap();
    mac.update(message(good).as_bytes());
    let hs256 = format!(
        "{}.{}",
        message(good),
        B64.encode(mac.finalize().into_bytes())
    );
    let signed = key.mint(good);
    let signature = signed.split('.').nth(2).unwrap();
    let header = signed.split('.').next().unwrap();
    vec![
        (
            "expired",
            key.mint(&with(good, &[("exp", json!(now() - 1))])),
        ),
        (
            "another exchange's audience",
            key.mint(&with(good, &[("aud", json!(other_audience))])),
        ),
        (
            "a Teams user's permissions",
            key.mint(&with(
                good,
                &[("scp", json!("Teams.ManageCalls Teams.ManageChats"))],
            )),
        ),
        (
            "an application token without scp",
            key.mint(&with(
                good,
                &[
                    ("scp", Value::Null),
                    ("roles", json!(["TeamsExtension.ManageCalls", "VoIP"])),
                ],
            )),
        ),
        (
            "an application not in client_ids",
            key.mint(&with(good, &[("azp", json!(OTHER))])),
        ),
        ("no tid", key.mint(&with(good, &[("tid", Value::Null)]))),
        (
            "an oid that is not a GUID",
            key.mint(&with(good, &[("oid", json!("me"))])),
        ),
        (
            "another issuer",
            key.mint(&with(
                good,
                &[("iss", json!("https://login.microsoftonline.com/x/v2.0"))],
            )),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                part(&json!({"alg": "none", "kid": "rsa-1"})),
                part(good)
            ),
        ),
        ("HS256 with the public key", hs256),
        ("an unknown kid", Key::rsa("stranger").mint(good)),
        (
            "a tampered object id",
            format!(
                "{header}.{}.{signature}",
                part(&with(good, &[("oid", json!(OTHER))]))
            ),
        ),
        ("not a JWT", "invalid".into()),
    ]
}

#[tokio::test]
async fn every_token_the_bearer_exchanges_must_not_take_is_refused_with_401() {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_trusting_all(for_every_exchange(&jwks)).await;
    put_teams_extension(&app, OID, json!({"principalType": "resourceAccount"})).await;
    put_entra(&app, TENANT, entra_body("tenant")).await;
    let refused =
        json!({"code": "InvalidAccessToken", "message": "Provided access token is not valid."});

    let good = teams_extension_claims();
    exchanged(exchange_teams_extension(&app, &key.mint(&good)).await).await;
    for (case, token) in bad_tokens(&key, &good, ENTRA_AUDIENCE) {
        let r = exchange_teams_extension(&app, &token).await;
        assert_eq!(r.status(), 401, "Teams extension, {case}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], refused, "Teams extension, {case}");
    }

    let good = entra_claims();
    exchanged(exchange_entra(&app, &key.mint(&good)).await).await;
    for (case, token) in bad_tokens(&key, &good, AUDIENCE) {
        let r = exchange_entra(&app, &token).await;
        assert_eq!(r.status(), 401, "Entra users, {case}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], refused, "Entra users, {case}");
    }
}

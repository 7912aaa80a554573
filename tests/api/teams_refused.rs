//! Every Entra token that must not be exchanged gets ACS's one answer: 401
//! `InvalidAccessToken`, whatever is wrong with it (RFC 8725's attacks
//! included).

use crate::api::teams_issuer::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use commid::config::Layer;
use commid::domain::{ResourceName, Timestamp};
use commid::issuers::{Refusal, TrustedIssuers, validate};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn with(changes: &[(&str, Value)]) -> Value {
    let mut c = claims();
    for (name, value) in changes {
        if value.is_null() {
            c.as_object_mut().unwrap().remove(*name);
        } else {
            c[*name] = value.clone();
        }
    }
    c
}

/// The text with its tenth character changed.
fn flip(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let message = format!("{}.{}", part(header), part(claims));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(message.as_bytes());
    format!("{message}.{}", B64.encode(mac.finalize().into_bytes()))
}

/// The issuer's keys, an attacker's key, and the attacker's own JWKS.
struct Fixture {
    rsa: Key,
    ec: Key,
    attacker: Key,
    jwks: JwksServer,
    attackers_jwks: JwksServer,
}

async fn fixture() -> Fixture {
    let (rsa, ec, attacker) = (Key::rsa("rsa-1"), Key::ec("ec-1"), Key::ec("attacker"));
    let jwks = JwksServer::start(&[&rsa, &ec]).await;
    let attackers_jwks = JwksServer::start(&[&attacker]).await;
    Fixture {
        rsa,
        ec,
        attacker,
        jwks,
        attackers_jwks,
    }
}

const OTHER_APP: &str = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";

/// Each case: its name, the token, and why the issuer's check refuses it.
fn cases(f: &Fixture) -> Vec<(&'static str, String, Refusal)> {
    let (rsa, ec, attacker, attackers_jwks) = (&f.rsa, &f.ec, &f.attacker, &f.attackers_jwks);
    let other_app = OTHER_APP;
    let good = rsa.mint(&claims());
    let (header, signature) = (
        good.split('.').next().unwrap(),
        good.split('.').nth(2).unwrap(),
    );
    let none = json!({"alg": "none", "kid": "rsa-1", "typ": "JWT"});
    let hs = json!({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"});
    vec![
        ("expired", rsa.mint(&with(&[("exp", json!(now() - 600)), ("nbf", json!(now() - 4000))])), Refusal::Expired),
        ("expired a second ago", rsa.mint(&with(&[("exp", json!(now() - 1))])), Refusal::Expired),
        ("not yet valid", rsa.mint(&with(&[("nbf", json!(now() + 600))])), Refusal::NotYetValid),
        ("without exp", rsa.mint(&with(&[("exp", Value::Null)])), Refusal::Malformed("")),
        ("wrong issuer", rsa.mint(&with(&[("iss", json!("https://login.microsoftonline.com/other/v2.0"))])), Refusal::UnknownIssuer),
        ("no issuer", rsa.mint(&with(&[("iss", Value::Null)])), Refusal::UnknownIssuer),
        ("wrong audience", rsa.mint(&with(&[("aud", json!("https://graph.microsoft.com"))])), Refusal::WrongAudience),
        ("an application not in client_ids", rsa.mint(&with(&[("azp", json!(other_app))])), Refusal::UntrustedApplication),
        ("no application", rsa.mint(&with(&[("azp", Value::Null)])), Refusal::Malformed("")),
        ("no Teams scopes", rsa.mint(&with(&[("scp", json!("User.Read"))])), Refusal::MissingTeamsScopes),
        ("only Teams.ManageCalls", rsa.mint(&with(&[("scp", json!("Teams.ManageCalls"))])), Refusal::MissingTeamsScopes),
        ("no oid", rsa.mint(&with(&[("oid", Value::Null)])), Refusal::Malformed("")),
        ("alg none", format!("{}.{}.", part(&none), part(&claims())), Refusal::UnsupportedAlgorithm("none".into())),
        ("alg none with the real signature", format!("{}.{}.{signature}", part(&none), part(&claims())), Refusal::UnsupportedAlgorithm("none".into())),
        ("HS256 with the public key as secret", hs256(rsa.public_pem.as_bytes(), &hs, &claims()), Refusal::UnsupportedAlgorithm("HS256".into())),
        ("HS256 with the JWK as secret", hs256(rsa.jwk.to_string().as_bytes(), &hs, &claims()), Refusal::UnsupportedAlgorithm("HS256".into())),
        ("an RSA key claimed as ES256", rsa.mint_with_header(&json!({"alg": "ES256", "kid": "rsa-1"}), &claims()), Refusal::AlgorithmNotTheKeys),
        ("a P-256 key claimed as RS256", ec.mint_with_header(&json!({"alg": "RS256", "kid": "ec-1"}), &claims()), Refusal::AlgorithmNotTheKeys),
        ("RS512", format!("{}.{}.{signature}", part(&json!({"alg": "RS512", "kid": "rsa-1"})), part(&claims())), Refusal::UnsupportedAlgorithm("RS512".into())),
        ("an unknown kid", Key::rsa("stranger").mint(&claims()), Refusal::UnknownKey),
        ("no kid", rsa.mint_with_header(&json!({"alg": "RS256"}), &claims()), Refusal::UnknownKey),
        ("a trusted kid signed by another key", attacker.mint_with_header(&json!({"alg": "ES256", "kid": "ec-1"}), &claims()), Refusal::BadSignature),
        ("an embedded jwk", attacker.mint_with_header(
            &json!({"alg": "ES256", "kid": "attacker", "jwk": attacker.jwk}), &claims()), Refusal::UnknownKey),
        ("a jku and x5u to the attacker's keys", attacker.mint_with_header(
            &json!({"alg": "ES256", "kid": "attacker", "jku": attackers_jwks.url, "x5u": attackers_jwks.url}), &claims()), Refusal::UnknownKey),
        ("a tampered payload", format!("{header}.{}.{signature}", part(&with(&[("oid", json!("6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21"))]))), Refusal::BadSignature),
        ("a tampered expiry", format!("{header}.{}.{signature}", part(&with(&[("exp", json!(now() + 86_400))]))), Refusal::BadSignature),
        ("a tampered signature", format!("{header}.{}.{}", good.split('.').nth(1).unwrap(), flip(signature)), Refusal::BadSignature),
        ("a critical extension", rsa.mint_with_header(&json!({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1}), &claims()), Refusal::Malformed("")),
        ("an encrypted (five-part) token", format!("{good}.x.y"), Refusal::Malformed("")),
        ("not a JWT", "invalid".into(), Refusal::Malformed("")),
        ("empty", String::new(), Refusal::Malformed("")),
    ]
}

#[tokio::test]
async fn every_token_that_must_not_be_exchanged_is_refused_as_not_valid() {
    let f = fixture().await;
    let app = app_trusting(f.jwks.entry()).await;
    let good = f.rsa.mint(&claims());
    assert_eq!(exchange(&app, request(&good)).await.status(), 200);
    for (case, token, _) in cases(&f) {
        let body = if case == "an application not in client_ids" {
            json!({"token": token, "appId": OTHER_APP, "userId": OID})
        } else {
            request(&token)
        };
        let r = exchange(&app, body).await;
        assert_eq!(r.status(), 401, "{case}: {:?}", r.text().await);
        let e: Value = r.json().await.unwrap();
        assert_eq!(
            e,
            json!({"error": {"code": "InvalidAccessToken", "message": "Provided access token is not valid."}}),
            "{case}"
        );
    }
    assert_eq!(f.attackers_jwks.fetches(), 0, "jku/x5u were followed");
}

#[tokio::test]
async fn each_refused_token_is_refused_for_its_own_reason() {
    let f = fixture().await;
    let layer = Layer {
        trusted_issuers: Some(vec![f.jwks.entry()]),
        ..Layer::default()
    };
    let default = ResourceName::parse("default").unwrap();
    let issuers = TrustedIssuers::load(
        layer.resolve().unwrap().trusted_issuers,
        std::slice::from_ref(&default),
    )
    .await
    .unwrap();
    let issuers = issuers.for_resource(&default);
    let good = validate(issuers, &f.rsa.mint(&claims()), Timestamp::now()).await;
    assert_eq!(good.unwrap().app_id, APP_ID);
    for (case, token, expected) in cases(&f) {
        let refusal = validate(issuers, &token, Timestamp::now())
            .await
            .unwrap_err();
        let same = match (&refusal, &expected) {
            (Refusal::Malformed(_), Refusal::Malformed(_)) => true,
            _ => refusal == expected,
        };
        assert!(same, "{case}: refused because {refusal}, not {expected}");
    }
}

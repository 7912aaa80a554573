//! `commid identity …` signing in without a key: the Teams exchange
//! against a server that trusts the test's issuer, and `--endpoint` with a
//! Bearer token whose principal holds a role.

use super::identity::{identity, verify};
use crate::common::double::{Double, Reply};
use crate::common::issuer;
use crate::common::server::Server;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[test]
fn get_for_teams_user_exchanges_a_token_of_a_trusted_issuer_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let key = issuer::Key::rsa("rsa-1");
    let config = issuer::trusting_config(
        dir.path(),
        &[&key],
        &format!("client_ids = [\"{APP_ID}\"]", APP_ID = issuer::APP_ID),
    );
    let server = Server::http_with_config(&config);
    let cs = server.target.connection_string.as_str();
    let entra = key.mint(&issuer::claims());
    let exchanged = identity(&["token", "get-for-teams-user", "--aad-token", &entra])
        .args(&["--client", issuer::APP_ID, "--aad-user", issuer::OID])
        .on(cs)
        .json();
    assert_eq!(
        exchanged.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["expires_on", "token"]
    );
    let verdict = verify(cs, &exchanged["token"]);
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(
        verdict["identity"]["id"],
        format!("8:orgid:{}", issuer::OID)
    );
    let other_user = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21";
    identity(&["token", "get-for-teams-user", "--aad-token", &entra])
        .args(&["--client", issuer::APP_ID, "--aad-user", other_user])
        .on(cs)
        .run()
        .fails(
            1,
            "error: ValidationError (400): Provided AAD token issued for unexpected user.",
        );
}

#[test]
fn the_teams_exchange_prints_azs_fields() {
    let double = Double::start(vec![Reply::new(
        200,
        r#"{"token":"ey.teams.token","expiresOn":"2026-11-21T06:00:00.0000000+00:00"}"#,
    )]);
    let printed = identity(&["token", "get-for-teams-user", "--aad-token", "aad"])
        .args(&["--client", "app", "--aad-user", "oid"])
        .on(&double.connection_string())
        .json();
    assert_eq!(
        printed,
        json!({ "expires_on": "2026-11-21T06:00:00.0000000+00:00", "token": "ey.teams.token" })
    );
    let refused = Double::start(vec![Reply::error(401, "InvalidAccessToken")]);
    let run = identity(&["token", "get-for-teams-user", "--aad-token", "aad"])
        .args(&["--client", "app", "--aad-user", "oid"])
        .on(&refused.connection_string())
        .run();
    run.fails(1, "error: InvalidAccessToken (401): Said the double.");
}

#[test]
fn an_endpoint_and_a_bearer_token_drive_the_identity_commands_as_the_principals_role_allows() {
    let dir = tempfile::tempdir().unwrap();
    let key = issuer::Key::rsa("rsa-1");
    let config = issuer::trusting_config(dir.path(), &[&key], r#"exchanges = ["management"]"#);
    let data = dir.path().join("data");
    let config_arg = config.to_str().unwrap();
    let server = crate::common::server::start(&data, &["--http", "--config", config_arg]);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let token_of = |oid: &str| {
        key.mint(&json!({
            "aud": "https://communication.azure.com", "iss": issuer::ISSUER, "iat": now,
            "nbf": now, "exp": now + 3600, "oid": oid, "sub": oid,
        }))
    };
    let (issuer_oid, reader_oid) = (
        "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01",
        "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d02",
    );
    for (oid, role) in [(issuer_oid, "issuer"), (reader_oid, "reader")] {
        let out = Command::new(env!("CARGO_BIN_EXE_commid"))
            .args(["--config", config_arg, "access", "grant", "--role", role])
            .args([
                "--principal",
                &format!("oid:{oid}"),
                "--data-dir",
                data.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let endpoint = format!("{}/", server.target.base);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", token_of(issuer_oid))).unwrap();
    // Grants hold within seconds.
    let started = Instant::now();
    let created = loop {
        let run = identity(&["user", "create", "--endpoint", &endpoint])
            .args(&["--access-token-file", token_file.to_str().unwrap()])
            .run();
        if run.code == 0 {
            break serde_json::from_str::<Value>(&run.stdout).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let user = created["rawId"]
        .as_str()
        .or(created["id"].as_str())
        .unwrap()
        .to_owned();
    let issued = identity(&["token", "issue", "--scope", "chat", "--user", &user])
        .args(&["--endpoint", &endpoint])
        .env("COMMID_ACCESS_TOKEN", &token_of(issuer_oid))
        .run();
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    // The reader may not delete; the refusal names the role, never the token.
    let reader = token_of(reader_oid);
    let refused = identity(&["user", "delete", "--user", &user, "--endpoint", &endpoint])
        .env("COMMID_ACCESS_TOKEN", &reader)
        .run();
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("AuthorizationFailed"),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains(&reader),
        "the token leaked: {}",
        refused.stderr
    );
    let missing = identity(&["user", "list", "--endpoint", &endpoint]).run();
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("COMMID_ACCESS_TOKEN"),
        "{}",
        missing.stderr
    );
}

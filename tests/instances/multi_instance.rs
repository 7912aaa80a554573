//! Several servers on one PostgreSQL database: two real processes, A and B,
//! behind no load balancer, each reached directly.

use crate::common::server::{Server, Target, call, start, verify};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const FLAGS: [&str; 2] = ["--http", "--database-url"];

fn two_servers(url: &str) -> (Server, Server, [tempfile::TempDir; 2]) {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = start(dirs[0].path(), &[FLAGS[0], FLAGS[1], url]);
    let b = start(dirs[1].path(), &[FLAGS[0], FLAGS[1], url]);
    (a, b, dirs)
}

fn path_of(id: &str) -> String {
    format!("/identities/{}", id.replace(':', "%3A"))
}

async fn create(http: &reqwest::Client, t: &Target) -> String {
    let (status, body) = call(http, t, Method::POST, "/identities", None)
        .await
        .unwrap();
    assert_eq!(status, 201);
    body["identity"]["id"].as_str().unwrap().to_owned()
}

async fn issue(http: &reqwest::Client, t: &Target, id: &str) -> (u16, Value) {
    call(
        http,
        t,
        Method::POST,
        &format!("{}/:issueAccessToken", path_of(id)),
        Some(json!({"scopes": ["voip"]})),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_database_share_identities_revocations_and_deletes() {
    let Some(schema) = crate::common::postgres::schema("the two-instance test").await else {
        return;
    };
    let (a, b, _dirs) = two_servers(&schema.url);
    assert_eq!(a.target.key, b.target.key, "both serve the same resource");
    let http = reqwest::Client::new();

    let id = create(&http, &a.target).await;
    let (status, body) = issue(&http, &b.target, &id).await;
    assert_eq!(status, 200, "created on A, issued on B");
    let from_b = body["token"].as_str().unwrap().to_owned();
    let from_a = issue(&http, &a.target, &id).await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        verify(&http, &a.target, &from_b).await["valid"],
        true,
        "A verifies B's token"
    );

    let (status, _) = call(
        &http,
        &b.target,
        Method::POST,
        &format!("{}/:revokeAccessTokens", path_of(&id)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 204);
    assert_eq!(
        verify(&http, &a.target, &from_a).await["reason"],
        "revoked",
        "revoked on B, refused on A at once"
    );

    let (status, _) = call(&http, &a.target, Method::DELETE, &path_of(&id), None)
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (status, body) = issue(&http, &b.target, &id).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("IdentityNotFound")),
        "deleted on A, gone on B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_key_rotated_through_one_database_is_used_by_every_instance() {
    let Some(schema) = crate::common::postgres::schema("the key rotation test").await else {
        return;
    };
    let (a, b, _dirs) = two_servers(&schema.url);
    let http = reqwest::Client::new();
    let id = create(&http, &a.target).await;
    let old = issue(&http, &b.target, &id).await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let kid_of = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["signing-key", "rotate", "--database-url", &schema.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_kid = serde_json::from_slice::<Value>(&out.stdout).unwrap()["activeKid"]
        .as_str()
        .unwrap()
        .to_owned();

    let deadline = Instant::now() + Duration::from_secs(15);
    let mut token = old.clone();
    while kid_of(&token) != new_kid {
        assert!(Instant::now() < deadline, "B still signs with the old key");
        tokio::time::sleep(Duration::from_millis(200)).await;
        token = issue(&http, &b.target, &id).await.1["token"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    assert_eq!(
        verify(&http, &a.target, &token).await["valid"],
        true,
        "A verifies B's token from the new key"
    );
    assert_eq!(
        verify(&http, &a.target, &old).await["valid"],
        true,
        "tokens of the old key stay valid"
    );
    let jwks: Value = http
        .get(format!("{}/.well-known/jwks.json", a.target.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&new_kid.as_str()) && kids.contains(&kid_of(&old).as_str()),
        "{kids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_issued_before_a_revoke_returned_verifies_after_it_across_instances() {
    let Some(schema) = crate::common::postgres::schema("the revocation race test").await else {
        return;
    };
    let (a, b, _dirs) = two_servers(&schema.url);
    let http = reqwest::Client::new();
    let id = create(&http, &a.target).await;
    for round in 0..10 {
        let (issuer, revoker) = if round % 2 == 0 {
            (&a.target, &b.target)
        } else {
            (&b.target, &a.target)
        };
        let earlier: Vec<String> =
            futures::future::join_all((0..6).map(|_| issue(&http, issuer, &id)))
                .await
                .into_iter()
                .map(|(status, body)| {
                    assert_eq!(status, 200);
                    body["token"].as_str().unwrap().to_owned()
                })
                .collect();
        let racing = futures::future::join_all((0..6).map(|_| issue(&http, issuer, &id)));
        let revoke_path = format!("{}/:revokeAccessTokens", path_of(&id));
        let revoke = call(&http, revoker, Method::POST, &revoke_path, None);
        let (_, revoked) = futures::join!(racing, revoke);
        assert_eq!(revoked.unwrap().0, 204);
        for token in &earlier {
            for verifier in [&a.target, &b.target] {
                assert_eq!(
                    verify(&http, verifier, token).await["reason"],
                    "revoked",
                    "round {round}"
                );
            }
        }
    }
}

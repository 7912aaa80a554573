//! `commid identity teams-extension assignment set|show|delete` run as the
//! real binary against a real `commid serve`.

use crate::common::server::Server;
use serde_json::{Value, json};
use std::process::{Command, Output};

const TENANT: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const OBJECT: &str = "e5b7f628-ea94-4fdc-b3d9-1af1fe231111";
const APP: &str = "1bfa671a-dc6b-47f3-8940-45c0f1af0fa6";

fn assignment(cs: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["identity", "teams-extension", "assignment"])
        .args(args)
        .args(["--connection-string", cs])
        .env_remove("COMMID_CONFIG")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .expect("the binary runs")
}

fn json_of(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn key() -> [&'static str; 4] {
    ["--tenant-id", TENANT, "--object-id", OBJECT]
}

#[test]
fn an_assignment_is_set_shown_replaced_and_deleted() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let set = [
        &["set"][..],
        &key(),
        &["--principal-type", "user", "--client-id", APP],
    ]
    .concat();
    let created = json_of(&assignment(cs, &set));
    let expected = json!({"objectId": OBJECT, "tenantId": TENANT, "principalType": "user", "clientIds": [APP]});
    assert_eq!(created, expected);
    assert_eq!(
        json_of(&assignment(cs, &[&["show"][..], &key()].concat())),
        expected
    );

    let replace = [
        &key()[..],
        &["--principal-type", "teamsResourceAccount", "-o", "table"],
    ]
    .concat();
    let out = assignment(cs, &[&["set"][..], &replace].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("ObjectId"), "{table}");
    assert!(
        table.contains("teamsResourceAccount") && table.contains("replaced"),
        "{table}"
    );

    let out = assignment(cs, &[&["delete"][..], &key(), &["--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    let out = assignment(cs, &[&["show"][..], &key()].concat());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("AssignmentNotFound (404)"), "{stderr}");
}

#[test]
fn what_the_service_would_refuse_is_a_usage_error_before_anything_is_sent() {
    // Nothing listens on this endpoint: a request would fail otherwise.
    let cs = "endpoint=http://127.0.0.1:9/;accesskey=c2VjcmV0";
    for (args, says) in [
        (
            vec!["show", "--tenant-id", "tenant", "--object-id", OBJECT],
            "is not a GUID",
        ),
        (
            vec![
                "set",
                "--tenant-id",
                TENANT,
                "--object-id",
                OBJECT,
                "--principal-type",
                "group",
            ],
            "use one of user, resourceAccount, teamsResourceAccount",
        ),
        (
            vec![
                "set",
                "--tenant-id",
                TENANT,
                "--object-id",
                OBJECT,
                "--principal-type",
                "user",
                "--client-id",
                "app",
            ],
            "is not a GUID",
        ),
        (
            vec!["set", "--tenant-id", TENANT, "--object-id", OBJECT],
            "--principal-type",
        ),
    ] {
        let out = assignment(cs, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

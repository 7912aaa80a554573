//! `commid identity user create --custom-id`, `user list`, `user count`
//! and `user changes` against a real server.

use super::identity::identity;
use crate::common::server::Server;
use serde_json::Value;

#[test]
fn create_with_a_custom_id_prints_the_same_identity_each_time() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let first = identity(&["user", "create", "--custom-id", "alice"])
        .on(cs)
        .json();
    let again = identity(&["user", "create", "--custom-id", "alice"])
        .on(cs)
        .json();
    assert_eq!(first["rawId"], again["rawId"]);
    let shown = identity(&["user", "show", "--user", first["rawId"].as_str().unwrap()])
        .on(cs)
        .json();
    assert_eq!(shown["customId"], "alice");
    identity(&["user", "create", "--custom-id", ""])
        .on(cs)
        .run()
        .fails(2, "between 1 and 256 characters");
}

#[test]
fn list_follows_pages_up_to_top_and_count_agrees() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = identity(&["user", "create", "--custom-id", &format!("u{i}")])
            .on(cs)
            .json()["rawId"]
            .as_str()
            .unwrap()
            .to_owned();
        ids.push(id);
    }
    let all = identity(&["user", "list"]).on(cs).json();
    let listed: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids);
    let top = identity(&["user", "list", "--top", "2"]).on(cs).json();
    assert_eq!(top.as_array().unwrap().len(), 2);
    let one = identity(&["user", "list", "--custom-id", "u3"])
        .on(cs)
        .json();
    assert_eq!(one[0]["id"], ids[3]);
    identity(&["user", "create", "--custom-id", "U9"])
        .on(cs)
        .json();
    let prefixed = identity(&["user", "list", "--custom-id-prefix", "u", "--top", "3"])
        .on(cs)
        .json();
    let customs: Vec<&str> = prefixed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["customId"].as_str().unwrap())
        .collect();
    assert_eq!(customs, ["u0", "u1", "u2"], "by custom id, case counting");
    let counted = identity(&["user", "count", "--custom-id-prefix", "u"])
        .on(cs)
        .json();
    assert_eq!(counted["count"], 5);
    identity(&["user", "list", "--custom-id-prefix", ""])
        .on(cs)
        .run()
        .fails(2, "customIdPrefix must be between 1 and 256 characters");
    assert_eq!(identity(&["user", "count"]).on(cs).json()["count"], 6);
    let future = "2999-01-01T00:00:00Z";
    let idle = identity(&["user", "count", "--idle-since", future])
        .on(cs)
        .json();
    assert_eq!(idle["count"], 6, "none had a token");
    let none = identity(&["user", "list", "--created-after", future])
        .on(cs)
        .json();
    assert_eq!(none, Value::Array(vec![]));
    let table = identity(&["user", "list", "-o", "table"]).on(cs).run();
    assert_eq!(table.code, 0);
    assert!(table.stdout.starts_with("Id"), "{}", table.stdout);
    assert_eq!(table.stdout.lines().count(), 2 + 6);
    identity(&["user", "list", "--created-after", "yesterday"])
        .on(cs)
        .run()
        .fails(2, "--created-after 'yesterday' is not an RFC 3339 time");
}

#[test]
fn changes_prints_each_event_once_and_the_cursor_to_go_on_from() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let start = identity(&["user", "changes"]).on(cs).run();
    assert_eq!(start.code, 0, "{start:?}");
    let cursor: Value = serde_json::from_str(start.stdout.trim()).unwrap();
    let cursor = cursor["cursor"].as_str().unwrap().to_owned();
    let id = identity(&["user", "create", "--custom-id", "bob"])
        .on(cs)
        .json()["rawId"]
        .as_str()
        .unwrap()
        .to_owned();
    identity(&["token", "revoke", "--user", &id]).on(cs).run();
    identity(&["user", "delete", "--user", &id]).on(cs).run();
    let run = identity(&["user", "changes", "--since", &cursor])
        .on(cs)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines[..3]
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "tokensRevoked", "deleted"]);
    assert!(
        lines[..3]
            .iter()
            .all(|e| e["id"] == id && e["customId"] == "bob")
    );
    let next = lines[3]["cursor"].as_str().unwrap();
    let again = identity(&["user", "changes", "--since", next]).on(cs).run();
    assert_eq!(again.stdout.lines().count(), 1, "nothing new: {again:?}");
}

#[test]
fn changes_follow_prints_events_as_they_come() {
    let server = Server::http();
    let cs = server.target.connection_string.clone();
    // From a cursor taken first, so the event cannot come before the start.
    let start = identity(&["user", "changes"]).on(&cs).run();
    let cursor: Value = serde_json::from_str(start.stdout.trim()).unwrap();
    let since = cursor["cursor"].as_str().unwrap().to_owned();
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["identity", "user", "changes", "--follow", "--since", &since])
        .args(["--connection-string", &cs])
        .env_remove("COMMID_CONFIG")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = identity(&["user", "create"]).on(&cs).json()["rawId"]
        .as_str()
        .unwrap()
        .to_owned();
    let stdout = follow.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let line = received
        .recv_timeout(std::time::Duration::from_secs(15))
        .expect("the event is printed while following");
    let _ = follow.kill();
    let _ = follow.wait();
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        (event["kind"].as_str(), event["id"].as_str()),
        (Some("created"), Some(id.as_str()))
    );
}

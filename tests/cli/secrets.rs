//! Secrets at rest through the real binary, as an operator runs it: a key
//! made with `commid secrets generate-key`, given to `serve` and the
//! administrative commands in `COMMID_ENCRYPTION_KEYS` (or a file), rotated
//! with `commid secrets rotate` beside a running server.

use crate::common::server::start_with_env;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `commid ARGS --data-dir DIR` with `env`, and no other commid settings
/// from the environment.
fn commid(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("COMMID_CONFIG")
        .env_remove("COMMID_ENCRYPTION_KEYS")
        .env_remove("COMMID_ENCRYPTION_KEYS_FILE")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A new key and its id, from `commid secrets generate-key`.
fn generate_key() -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["secrets", "generate-key"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim().to_owned();
    let id = text(&out.stderr)
        .trim()
        .strip_prefix("key id ")
        .expect("the id on standard error")
        .to_owned();
    (key, id)
}

fn primary_key_column(dir: &Path) -> String {
    rusqlite::Connection::open(dir.join("commid.sqlite3"))
        .unwrap()
        .query_row("SELECT primary_key FROM resources", [], |r| r.get(0))
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn generated_keys_are_new_32_byte_base64_keys_with_their_id() {
    use base64::Engine;
    let (key, id) = generate_key();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&key)
        .unwrap();
    assert_eq!(bytes.len(), 32);
    assert_eq!(id.len(), 8);
    assert_ne!(generate_key().0, key);
}

#[test]
fn a_server_and_the_admin_commands_with_the_key_in_the_environment_keep_keys_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let (key, id) = generate_key();
    let env = [("COMMID_ENCRYPTION_KEYS", key.as_str())];
    let server = start_with_env(dir.path(), &["--http"], &env);
    let access_key = server
        .target
        .connection_string
        .split("accesskey=")
        .nth(1)
        .unwrap()
        .to_owned();
    let stored = primary_key_column(dir.path());
    assert!(stored.starts_with(&format!("sealed:v1:{id}:")), "{stored}");
    assert!(!stored.contains(&access_key));

    // Beside the running server, with the same key.
    let shown = json(&commid(&["resource", "show-keys"], dir.path(), &env));
    assert_eq!(shown["primaryKey"], access_key.as_str());
    let status = json(&commid(&["secrets", "status"], dir.path(), &env));
    assert_eq!(status["plaintext"], 0);
    assert_eq!(status["keys"][0]["id"], id.as_str());
    assert_eq!(status["keys"][0]["secrets"], status["secrets"]);
    let regenerated = json(&commid(
        &["resource", "regenerate-key", "--key", "secondary"],
        dir.path(),
        &env,
    ));
    let secondary = regenerated["secondaryKey"].as_str().unwrap();
    json(&commid(&["signing-key", "rotate"], dir.path(), &env));
    json(&commid(
        &["resource", "create", "--name", "second"],
        dir.path(),
        &env,
    ));
    let status = json(&commid(&["secrets", "status"], dir.path(), &env));
    assert_eq!(status["plaintext"], 0);
    assert_eq!(
        status["secrets"], 7,
        "4 access keys, 2 signing keys, the paging secret"
    );
    assert_eq!(status["keys"][0]["secrets"], 7);

    // Without it: refused, saying which key is missing and where it goes.
    let refused = commid(&["resource", "show-keys"], dir.path(), &[]);
    assert_eq!(refused.status.code(), Some(1));
    let message = text(&refused.stderr);
    assert!(message.contains(&id), "{message}");
    assert!(message.contains("COMMID_ENCRYPTION_KEYS"), "{message}");
    assert!(!message.contains(&access_key), "{message}");
    // Not even a command that only writes: nothing goes in plaintext.
    let refused = commid(&["signing-key", "rotate"], dir.path(), &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert!(text(&refused.stderr).contains(&id));
    let status = json(&commid(&["secrets", "status"], dir.path(), &[]));
    assert_eq!(status["plaintext"], 0);
    assert_eq!(status["missingKeys"][0]["id"], id.as_str());
    assert_eq!(status["missingKeys"][0]["secrets"], 7);

    // The key never reaches the server's output or log.
    drop(server);
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(!log.contains(&key) && !log.contains(&access_key), "{log}");

    // Restarted with the key in a file, the same keys serve.
    let file = dir.path().join("keys");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    let file = file.to_str().unwrap();
    let again = start_with_env(dir.path(), &["--http", "--encryption-keys-file", file], &[]);
    assert!(again.target.connection_string.ends_with(&access_key));
    let shown = json(&commid(
        &["resource", "show-keys", "--encryption-keys-file", file],
        dir.path(),
        &[],
    ));
    assert_eq!(shown["secondaryKey"], secondary);
}

#[test]
fn rotation_beside_the_server_moves_every_secret_to_the_new_key_and_the_old_can_go() {
    let dir = tempfile::tempdir().unwrap();
    let ((old, old_id), (new, new_id)) = (generate_key(), generate_key());
    let access_key = {
        let env = [("COMMID_ENCRYPTION_KEYS", old.as_str())];
        let server = start_with_env(dir.path(), &["--http"], &env);
        server.target.key.clone()
    };
    let both = format!("{new},{old}");
    let env = [("COMMID_ENCRYPTION_KEYS", both.as_str())];
    let server = start_with_env(dir.path(), &["--http"], &env);
    let rotated = json(&commid(&["secrets", "rotate"], dir.path(), &env));
    assert_eq!(rotated["sealingKey"], new_id.as_str());
    assert_eq!(rotated["notUnderSealingKey"], 0);
    assert_eq!(rotated["resealed"], rotated["secrets"]);
    assert!(primary_key_column(dir.path()).starts_with(&format!("sealed:v1:{new_id}:")));
    drop(server);

    let new_only = [("COMMID_ENCRYPTION_KEYS", new.as_str())];
    let status = json(&commid(&["secrets", "status"], dir.path(), &new_only));
    assert_eq!(status["missingKeys"], serde_json::json!([]));
    let server = start_with_env(dir.path(), &["--http"], &new_only);
    assert_eq!(server.target.key, access_key);
    drop(server);

    let old_only = [("COMMID_ENCRYPTION_KEYS", old.as_str())];
    let refused = commid(&["secrets", "rotate"], dir.path(), &old_only);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains(&new_id),
        "{}",
        text(&refused.stderr)
    );
    assert!(
        text(&refused.stderr).contains(&format!("configured: {old_id}")),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn serve_without_a_key_says_so_on_standard_output_and_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["serve", "--http", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("COMMID_CONFIG")
        .env_remove("COMMID_ENCRYPTION_KEYS")
        .env_remove("COMMID_ENCRYPTION_KEYS_FILE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Connection string: ");
        printed.push(line);
        if done {
            break;
        }
    }
    // SIGTERM: a clean stop writes out every log line.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    child.wait().unwrap();
    let log = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert!(
        printed[0].starts_with("Warning: secrets at rest are NOT encrypted"),
        "{printed:?}"
    );
    assert!(printed[0].contains("commid secrets generate-key"));
    let warned: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("NOT encrypted"))
        .collect();
    assert_eq!(warned.len(), 1, "{log}");
    assert!(warned[0].contains("WARN"), "{log}");
}

#[test]
fn rotate_without_a_key_is_refused_and_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = commid(&["secrets", "rotate"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = text(&out.stderr);
    assert!(
        message.contains("no encryption key is configured"),
        "{message}"
    );
    assert!(message.contains("commid secrets generate-key"), "{message}");
}

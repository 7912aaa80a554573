//! The real binary, as a person runs it: `serve` in one terminal and
//! `quickstart` in another, and a clean stop on SIGTERM.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn the_quickstart_prints_the_seeds_flow_against_a_tls_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::server::start(dir.path(), &[]);
    let cert = server
        .target
        .tls_certificate
        .clone()
        .expect("a TLS certificate line");
    assert!(server.target.base.starts_with("https://"));
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["quickstart", "--ca-cert", &cert])
        .env(
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            &server.target.connection_string,
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "Azure Communication Services - Access Tokens Quickstart"
    );
    let id = lines[1]
        .strip_prefix("Created an identity with ID: 8:acs:")
        .expect("an identity line");
    assert!(lines[2].starts_with("Issued an access token with 'voip' scope that expires at "));
    assert!(lines[2].ends_with("+00:00:"), "{}", lines[2]);
    assert_eq!(lines[3].split('.').count(), 3, "a JWT follows");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("Created an identity with ID: "))
            .count(),
        2
    );
    assert_eq!(
        lines[lines.len() - 2],
        format!("Successfully revoked all access tokens for identity with ID: 8:acs:{id}")
    );
    assert_eq!(
        lines[lines.len() - 1],
        format!("Deleted the identity with ID: 8:acs:{id}")
    );
}

#[test]
fn the_quickstart_fails_with_the_services_error_on_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::server::start(dir.path(), &["--http"]);
    let wrong = format!("endpoint={}/;accesskey=d3Jvbmcta2V5", server.target.base);
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["quickstart", "--connection-string", &wrong])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("Denied (401)"), "{stderr}");
    assert!(!stderr.contains("d3Jvbmcta2V5"), "the key is not echoed");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    stops_cleanly_on("TERM");
}

#[test]
fn sigint_stops_the_server_cleanly() {
    stops_cleanly_on("INT");
}

/// Sends SIG`signal` as soon as the server says it listens, and expects
/// exit status 0 within 15 s.
fn stops_cleanly_on(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = crate::common::server::start(dir.path(), &["--http"]);
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_server_on_the_same_data_dir_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let _first = crate::common::server::start(dir.path(), &["--http"]);
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["serve", "--http", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PostgreSQL"));
}

#[test]
fn bad_configuration_stops_the_start_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("COMMID_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'nowhere' is not an IP address and port, for example 127.0.0.1:8443"),
        "{stderr}"
    );
}

fn commid(args: &[&str], data_dir: &std::path::Path) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn resource_commands_manage_keys_beside_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::server::start(dir.path(), &["--http"]);
    let http = reqwest::Client::new();

    let (code, keys, _) = commid(&["resource", "show-keys"], dir.path());
    assert_eq!(code, 0);
    let key = |k: &serde_json::Value| {
        commid::domain::AccessKey::parse(k.as_str().unwrap())
            .unwrap()
            .bytes()
            .to_vec()
    };
    assert_eq!(
        key(&keys["primaryKey"]),
        server.target.key,
        "show-keys prints the key the server uses"
    );
    assert!(
        keys["secondaryConnectionString"]
            .as_str()
            .unwrap()
            .contains(";accesskey=")
    );

    let (code, regenerated, _) = commid(
        &["resource", "regenerate-key", "--key", "primary"],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert_ne!(regenerated["primaryKey"], keys["primaryKey"]);
    assert_eq!(regenerated["secondaryKey"], keys["secondaryKey"]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    for (k, expected) in [
        (key(&regenerated["primaryKey"]), 201),
        (key(&keys["secondaryKey"]), 201),
        (server.target.key.clone(), 401),
    ] {
        let target = crate::common::server::Target {
            key: k,
            ..server.target.clone()
        };
        let (status, _) =
            crate::common::server::call(&http, &target, reqwest::Method::POST, "/identities", None)
                .await
                .unwrap();
        assert_eq!(status, expected);
    }

    let (code, created, _) = commid(
        &[
            "resource",
            "create",
            "--name",
            "team-b",
            "--location",
            "europe",
            "--endpoint",
            "https://b.example/",
        ],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert_eq!(created["location"], "europe");
    let (code, list, _) = commid(&["resource", "list"], dir.path());
    assert_eq!(code, 0);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "team-b"]);
    assert!(!list.to_string().contains("Key"), "list shows no keys");

    let (code, _, stderr) = commid(&["resource", "create", "--name", "team-b"], dir.path());
    assert_eq!((code, stderr.contains("exists already")), (1, true));
    let (code, _, stderr) = commid(&["resource", "create", "--name", "Team B"], dir.path());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("lowercase letters, digits and hyphens"),
        "{stderr}"
    );
    let (code, _, stderr) = commid(&["resource", "show-keys", "--name", "nope"], dir.path());
    assert_eq!(
        (code, stderr.contains("no resource named 'nope'")),
        (1, true)
    );
}

/// What `serve` prints before it serves, then stops it.
fn start_lines(data_dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["serve", "--http", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env_remove("COMMID_SHOW_CONNECTION_STRING")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let last = line.starts_with("Connection string: ") || line.starts_with("Keys: ");
        lines.push(line);
        if last {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    lines
}

#[test]
fn serve_prints_the_connection_string_on_its_first_start_only_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let shown = |lines: &[String]| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix("Connection string: "))
            .map(str::to_owned)
    };
    let first = start_lines(dir.path(), &[]);
    let connection_string = shown(&first).unwrap_or_else(|| panic!("{first:?}"));
    assert!(connection_string.contains(";accesskey="), "{first:?}");

    let again = start_lines(dir.path(), &[]);
    assert_eq!(shown(&again), None, "a restart shows no key: {again:?}");
    let hint = again.iter().find(|l| l.starts_with("Keys: ")).unwrap();
    assert!(hint.contains("commid resource show-keys"), "{hint}");
    assert!(!again.iter().any(|l| l.contains("accesskey")), "{again:?}");

    let asked = start_lines(dir.path(), &["--show-connection-string"]);
    let key = |cs: &str| cs.split(";accesskey=").nth(1).unwrap().to_owned();
    assert_eq!(
        shown(&asked).map(|cs| key(&cs)),
        Some(key(&connection_string))
    );
}

/// `commid … | head` closes the pipe early: the command ends quietly, as
/// Unix tools do, not with a panic on stderr.
#[test]
fn a_command_whose_reader_goes_away_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let child = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["secrets", "generate-key"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    // The reader goes away before the command writes.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        output.status.success() || output.status.signal() == Some(libc::SIGPIPE),
        "{:?}: {stderr}",
        output.status
    );
}

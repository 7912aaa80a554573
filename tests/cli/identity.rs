//! `commid identity …` run as the real binary against a real `commid serve`
//! (plain HTTP and TLS), signed with the key; the requests it sends are in
//! identity_requests.rs, signing in without a key in identity_bearer.rs.

use crate::common::double::{Double, Reply};
use crate::common::server::Server;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const AZ_VARIABLE: &str = "AZURE_COMMUNICATION_CONNECTION_STRING";
const SDK_VARIABLE: &str = "COMMUNICATION_SERVICES_CONNECTION_STRING";
pub const UNKNOWN_ID: &str =
    "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000";

/// `commid identity ARGS`, with neither connection-string variable set
/// unless the test sets it.
pub struct Cli(Command);

pub fn identity(args: &[&str]) -> Cli {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commid"));
    command
        .arg("identity")
        .args(args)
        .env_remove(AZ_VARIABLE)
        .env_remove(SDK_VARIABLE)
        .env_remove("COMMID_CONFIG")
        .env_remove("COMMID_ENDPOINT")
        .env_remove("COMMID_ACCESS_TOKEN")
        .env("NO_PROXY", "127.0.0.1,localhost");
    Cli(command)
}

impl Cli {
    pub fn args(mut self, args: &[&str]) -> Cli {
        self.0.args(args);
        self
    }

    pub fn on(mut self, connection_string: &str) -> Cli {
        self.0.args(["--connection-string", connection_string]);
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Cli {
        self.0.env(name, value);
        self
    }

    pub fn run(mut self) -> Run {
        let output = self.0.output().expect("the binary runs");
        Run {
            code: output.status.code().expect("an exit status"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Runs and expects success with JSON on stdout.
    pub fn json(self) -> Value {
        let run = self.run();
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit status and that stderr says `what`.
    pub fn fails(&self, code: i32, what: &str) {
        assert_eq!(self.code, code, "{self:?}");
        assert!(self.stderr.contains(what), "{what:?} not in {self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
    }
}

fn minutes_until(expires_on: &Value) -> i64 {
    let at = OffsetDateTime::parse(expires_on.as_str().unwrap(), &Rfc3339).unwrap();
    (at - OffsetDateTime::now_utc()).whole_minutes()
}

pub fn verify(cs: &str, token: &Value) -> Value {
    identity(&["token", "verify", "--token", token.as_str().unwrap()])
        .on(cs)
        .json()
}

#[test]
fn the_seed_cli_flow_runs_end_to_end_against_commid_serve() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();

    // az communication identity user create
    let user = identity(&["user", "create"]).on(cs).json();
    let id = user["rawId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("8:acs:"), "{user}");
    assert_eq!(user, json!({ "properties": { "id": id }, "rawId": id }));

    // token issue --scope voip --user: the default lifetime is 24 hours.
    let first = identity(&["token", "issue", "--scope", "voip", "--user", &id])
        .on(cs)
        .json();
    assert_eq!(first["user_id"], id.as_str());
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["expires_on", "token", "user_id"]
    );
    assert!((1438..=1440).contains(&minutes_until(&first["expires_on"])));

    // … with --expires-in-minutes 60
    let short = identity(&["token", "issue", "--scope", "voip", "--user", &id])
        .args(&["--expires-in-minutes", "60"])
        .on(cs)
        .json();
    assert!((58..=60).contains(&minutes_until(&short["expires_on"])));

    // token issue without --user: a new identity and its token.
    let other = identity(&["token", "issue", "--scope", "voip"])
        .on(cs)
        .json();
    let other_id = other["user_id"].as_str().unwrap();
    assert!(other_id.starts_with("8:acs:") && other_id != id, "{other}");
    assert_eq!(verify(cs, &other["token"])["identity"]["id"], other_id);

    // token revoke: nothing on stdout, as az; the tokens stop verifying.
    assert_eq!(verify(cs, &first["token"])["valid"], true);
    let revoked = identity(&["token", "revoke", "--user", &id]).on(cs).run();
    assert_eq!(
        (revoked.code, revoked.stdout.as_str()),
        (0, ""),
        "{revoked:?}"
    );
    for token in [&first["token"], &short["token"]] {
        assert_eq!(
            verify(cs, token),
            json!({ "valid": false, "reason": "revoked" })
        );
    }

    // user delete: nothing on stdout; the identity is gone.
    let deleted = identity(&["user", "delete", "--user", &id]).on(cs).run();
    assert_eq!(
        (deleted.code, deleted.stdout.as_str()),
        (0, ""),
        "{deleted:?}"
    );
    identity(&["user", "show", "--user", &id])
        .on(cs)
        .run()
        .fails(1, "IdentityNotFound (404)");
}

#[test]
fn a_token_with_several_scopes_carries_them_all() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let id = identity(&["user", "create"]).on(cs).json()["rawId"]
        .as_str()
        .unwrap()
        .to_owned();
    let both = identity(&["token", "issue", "--scope", "chat", "voip", "--user", &id])
        .on(cs)
        .json();
    assert_eq!(
        verify(cs, &both["token"])["scopes"],
        json!(["chat", "voip"])
    );
    let repeated = identity(&[
        "token",
        "issue",
        "--scope",
        "chat.join",
        "--scope",
        "voip.join",
    ])
    .args(&["--scope", "chat.join"])
    .on(cs)
    .json();
    assert_eq!(
        verify(cs, &repeated["token"])["scopes"],
        json!(["chat.join", "voip.join"])
    );
}

#[test]
fn user_show_describes_the_identity_and_table_output_is_for_people() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let table = identity(&["user", "create", "--output", "table"])
        .on(cs)
        .run();
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{table:?}");
    assert_eq!(lines[0].trim_end(), "RawId");
    assert!(lines[1].chars().all(|c| c == '-'), "{table:?}");
    let id = lines[2].trim();
    assert!(id.starts_with("8:acs:"), "{table:?}");

    let shown = identity(&["user", "show", "--user", id]).on(cs).json();
    assert_eq!(shown["id"], id);

    let issued = identity(&[
        "token", "issue", "--scope", "chat", "--user", id, "-o", "table",
    ])
    .on(cs)
    .run();
    let lines: Vec<&str> = issued.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{issued:?}");
    let headers: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(headers, ["UserId", "ExpiresOn", "Token"]);
    assert!(lines[2].starts_with(id), "{issued:?}");

    let deleted = identity(&["user", "delete", "--user", id, "--yes", "-o", "table"])
        .on(cs)
        .run();
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert_eq!(deleted.stdout, format!("Deleted the identity {id}.\n"));
}

#[test]
fn service_errors_print_the_code_and_message_and_exit_with_status_1() {
    let server = Server::http();
    let cs = server.target.connection_string.as_str();
    let id = identity(&["user", "create"]).on(cs).json()["rawId"]
        .as_str()
        .unwrap()
        .to_owned();
    identity(&["user", "delete", "--user", &id])
        .on(cs)
        .json_or_empty();
    let gone = format!("Identity '{id}' does not exist or has been deleted.");
    for args in [
        vec!["token", "issue", "--scope", "chat", "--user", &id],
        vec!["token", "revoke", "--user", &id],
        vec!["user", "show", "--user", &id],
        vec!["user", "show", "--user", UNKNOWN_ID],
    ] {
        let run = identity(&args).on(cs).run();
        run.fails(1, "error: IdentityNotFound (404): ");
        if args.contains(&id.as_str()) {
            assert!(run.stderr.contains(&gone), "{run:?}");
        }
    }
    // A server that trusts no issuer finds every Entra token not valid.
    let teams = identity(&["token", "get-for-teams-user", "--aad-token", "t"])
        .args(&["--client", "app", "--aad-user", "oid"])
        .on(cs)
        .run();
    teams.fails(
        1,
        "error: InvalidAccessToken (401): Provided access token is not valid.",
    );
    // A wrong key: the service's 401.
    let wrong_key = cs.split(";accesskey=").next().unwrap().to_owned()
        + ";accesskey=d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMzI=";
    identity(&["user", "create"])
        .on(&wrong_key)
        .run()
        .fails(1, "error: Denied (401): ");
}

impl Cli {
    /// Runs and expects success with nothing on stdout.
    pub fn json_or_empty(self) {
        let run = self.run();
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    }
}

#[test]
fn input_the_service_would_refuse_is_caught_before_sending_with_status_2() {
    let double = Double::start(vec![Reply::error(500, "ShouldNotBeCalled")]);
    let cs = &double.connection_string();
    for (args, says) in [
        (
            vec!["token", "issue", "--scope", "chat", "Voip"],
            "Scopes: 'Voip' is not a valid scope. Allowed values: chat, voip, chat.join, chat.join.limited, voip.join.",
        ),
        (
            vec![
                "token",
                "issue",
                "--scope",
                "chat",
                "--expires-in-minutes",
                "59",
            ],
            "ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.",
        ),
        (
            vec![
                "token",
                "issue",
                "--scope",
                "chat",
                "--expires-in-minutes",
                "1441",
            ],
            "Value must be within the [60, 1440] interval.",
        ),
        (
            vec![
                "token",
                "issue",
                "--scope",
                "chat",
                "--expires-in-minutes",
                "an hour",
            ],
            "a whole number of minutes from 60 to 1440",
        ),
        (
            vec!["token", "issue", "--scope", "chat", "--user", "abc"],
            "Identity id 'abc' is malformed: it must start with '8:acs:'; expected the form 8:acs:<resource id>_<identity guid>.",
        ),
        (
            vec!["user", "delete", "--user", "8:acs:nounderscore"],
            "the resource id and the identity guid must be joined by '_'",
        ),
        (
            vec![
                "token",
                "revoke",
                "--user",
                "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_x",
            ],
            "the identity part is not a GUID",
        ),
        (
            vec!["user", "show", "--user", ""],
            "must start with '8:acs:'",
        ),
        (vec!["token", "issue"], "--scope <SCOPE>"),
        (vec!["token", "issue", "--scope"], "--scope <SCOPE>"),
        (vec!["token", "verify", "--token", ""], "--token <TOKEN>"),
        (vec!["user", "delete"], "--user <ID>"),
        (
            vec![
                "token",
                "get-for-teams-user",
                "--aad-token",
                "t",
                "--client",
                "c",
            ],
            "--aad-user <OID>",
        ),
        (
            vec!["user", "create", "--output", "yaml"],
            "[possible values: json, table]",
        ),
    ] {
        identity(&args).on(cs).run().fails(2, says);
    }
    assert!(double.requests().is_empty(), "{:?}", double.requests());
}

#[test]
fn a_missing_or_malformed_connection_string_or_ca_certificate_is_a_usage_error() {
    identity(&["user", "create"]).run().fails(
        2,
        "error: no connection string: pass --connection-string, or set AZURE_COMMUNICATION_CONNECTION_STRING or COMMUNICATION_SERVICES_CONNECTION_STRING",
    );
    let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ=";
    for (cs, says) in [
        (format!("accesskey={secret}"), "has no endpoint"),
        (
            format!("endpoint=ftp://h/;accesskey={secret}"),
            "the scheme must be https or http",
        ),
        ("endpoint=https://h/".to_owned(), "has no accesskey"),
    ] {
        let run = identity(&["user", "create"]).on(&cs).run();
        run.fails(2, says);
        assert!(!run.stderr.contains(secret), "the key leaked: {run:?}");
    }
    let double = Double::start(vec![Reply::error(500, "ShouldNotBeCalled")]);
    let run = identity(&["user", "create", "--ca-cert", "/nonexistent/ca.pem"])
        .on(&double.connection_string())
        .run();
    run.fails(2, "cannot read the CA certificate /nonexistent/ca.pem");
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_pem.path(), "not a certificate").unwrap();
    identity(&[
        "user",
        "create",
        "--ca-cert",
        not_pem.path().to_str().unwrap(),
    ])
    .on(&double.connection_string())
    .run()
    .fails(2, "holds no PEM certificate");
    assert!(double.requests().is_empty());
}

#[test]
fn the_connection_string_comes_from_the_flag_then_azs_variable_then_the_sdks() {
    let server = Server::http();
    let good = server.target.connection_string.as_str();
    // Well formed, but the key is wrong: the service answers 401.
    let bad = good.split(";accesskey=").next().unwrap().to_owned()
        + ";accesskey=d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMzI=";
    let create = || identity(&["user", "create"]);
    let works = |cli: Cli| assert!(cli.json()["rawId"].is_string());
    let refused = |cli: Cli| cli.run().fails(1, "Denied (401)");

    works(
        create()
            .on(good)
            .env(AZ_VARIABLE, &bad)
            .env(SDK_VARIABLE, &bad),
    );
    refused(
        create()
            .on(&bad)
            .env(AZ_VARIABLE, good)
            .env(SDK_VARIABLE, good),
    );
    works(create().env(AZ_VARIABLE, good).env(SDK_VARIABLE, &bad));
    refused(create().env(AZ_VARIABLE, &bad).env(SDK_VARIABLE, good));
    works(create().env(SDK_VARIABLE, good));
    // An empty variable counts as unset.
    works(create().env(AZ_VARIABLE, "").env(SDK_VARIABLE, good));
}

#[test]
fn over_tls_ca_cert_trusts_the_self_signed_certificate_serve_prints() {
    let server = Server::tls();
    let cs = server.target.connection_string.as_str();
    assert!(cs.starts_with("endpoint=https://127.0.0.1:"), "{cs}");
    let ca = server.target.tls_certificate.as_deref().unwrap();

    let issued = identity(&["token", "issue", "--scope", "chat", "--ca-cert", ca])
        .on(cs)
        .json();
    assert!(
        issued["token"].as_str().unwrap().starts_with("ey"),
        "{issued}"
    );

    let started = Instant::now();
    let untrusted = identity(&["user", "create"]).on(cs).run();
    untrusted.fails(1, "error: the service's TLS certificate is refused: ");
    assert!(
        untrusted.stderr.contains("pass --ca-cert FILE"),
        "{untrusted:?}"
    );
    // A certificate that is not trusted will not become trusted: no retries.
    assert!(started.elapsed() < Duration::from_secs(5));
}

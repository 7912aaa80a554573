//! The Power Automate connector: the export and the files at the repository
//! root, what its actions look like to a maker, apiProperties.json, the
//! icon, the paconn settings, and the definition the server serves.

use commid::connector::{self, DEFAULT_HOST, api_properties};
use commid::domain::ApiVersion;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn root(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn definition() -> Value {
    api_definition(DEFAULT_HOST).expect("the handlers' document converts")
}

/// The connector's definition of the handlers' document, calling `host`.
fn api_definition(host: &str) -> Result<Value, connector::ExportError> {
    connector::api_definition(&commid::router::openapi_json(), host)
}

fn api_definition_of(openapi: &Value, host: &str) -> Result<Value, connector::ExportError> {
    connector::api_definition(openapi, host)
}

fn operation<'a>(definition: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &definition["paths"][path][method];
    assert!(op.is_object(), "no {method} {path}");
    op
}

fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter {name} in {}", op["operationId"]))
}

fn operations(definition: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in definition["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method.starts_with("x-ms-") {
                continue;
            }
            out.push((path.clone(), method.clone(), op));
        }
    }
    out
}

#[test]
fn a_fresh_export_reproduces_the_committed_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["connector", "export", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    for file in [connector::DEFINITION_FILE, connector::PROPERTIES_FILE] {
        let fresh = std::fs::read(dir.path().join(file)).unwrap();
        let committed = std::fs::read(root(file)).unwrap();
        assert!(
            fresh == committed,
            "{file} at the repository root is not the export's output: run `cargo run -- connector export` and commit it"
        );
    }
}

#[test]
fn the_exported_definition_matches_its_snapshot() {
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("definition", definition());
    });
}

#[test]
fn the_certified_connectors_actions_keep_their_paths_ids_and_summaries() {
    let certified = read_json(&root(
        "tests/fixtures/certified-acs-identity/apiDefinition.swagger.json",
    ));
    let ours = definition();
    let theirs = operations(&certified);
    assert_eq!(theirs.len(), 4);
    for (path, method, op) in theirs {
        let mine = operation(&ours, &path, &method);
        assert_eq!(mine["operationId"], op["operationId"], "{method} {path}");
        assert_eq!(mine["summary"], op["summary"], "{method} {path}");
    }
}

#[test]
fn get_a_user_verify_the_teams_exchange_and_the_directorys_are_the_other_operations() {
    let d = definition();
    let get = operation(&d, "/identities/{identityId}", "get");
    assert_eq!(get["summary"], "Get a user");
    let verify = operation(&d, "/accessTokens/:verify", "post");
    assert_eq!(verify["summary"], "Verify an access token");
    let teams = operation(&d, "/teamsUser/:exchangeAccessToken", "post");
    assert_eq!(teams["summary"], "Exchange a Teams user access token");
    assert_eq!(teams["operationId"], "ExchangeTeamsUserAccessToken");
    let body = &parameter(teams, "body")["schema"];
    assert_eq!(body["required"], json!(["appId", "token", "userId"]));
    for name in ["token", "appId", "userId"] {
        assert_eq!(body["properties"][name]["x-ms-visibility"], "important");
    }
    // And the three Teams Phone assignment actions (teams_phone.rs), List
    // users, Get a user by custom ID, the three polling triggers, the three
    // webhook triggers, the hidden connection test and the hidden delete
    // of a webhook subscription (tests/connector/flows.rs).
    assert_eq!(operations(&d).len(), 7 + 3 + 10);
    for probe in ["/healthz", "/readyz", "/.well-known/jwks.json"] {
        assert!(d["paths"].get(probe).is_none(), "{probe} is exported");
    }
}

#[test]
fn create_a_user_offers_scopes_lifetime_and_external_id_under_advanced_options() {
    let d = definition();
    let create = operation(&d, "/identities", "post");
    let body = parameter(create, "body");
    assert_eq!(body["required"], false);
    let properties = &body["schema"]["properties"];
    for (name, label) in [
        ("createTokenWithScopes", "Token Scopes"),
        ("expiresInMinutes", "Expires In Minutes"),
        ("externalId", "External ID"),
    ] {
        assert_eq!(properties[name]["x-ms-summary"], label);
        assert_eq!(properties[name]["x-ms-visibility"], "advanced");
    }
    let success = &create["responses"]["201"]["schema"]["properties"];
    assert_eq!(
        success["identity"]["properties"]["id"]["x-ms-summary"],
        "User ID"
    );
    assert_eq!(
        success["accessToken"]["properties"]["token"]["x-ms-summary"],
        "Access Token"
    );
}

#[test]
fn the_identity_id_is_a_required_single_encoded_path_parameter_labelled_user_id() {
    let d = definition();
    let mut seen = 0;
    for (path, _, op) in operations(&d) {
        if path.contains("{identityId}") {
            let id = parameter(op, "identityId");
            assert_eq!(id["in"], "path");
            assert_eq!(id["required"], true);
            assert_eq!(id["x-ms-url-encoding"], "single");
            assert_eq!(id["x-ms-summary"], "User ID");
            seen += 1;
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn api_version_is_internal_with_the_default_todays_sdks_send() {
    let d = definition();
    for (path, method, op) in operations(&d) {
        let version = parameter(op, "api-version");
        assert_eq!(version["x-ms-visibility"], "internal", "{method} {path}");
        // The Teams Phone actions' operations are not in 2023-10-01.
        let expected = if path.starts_with("/access/teamsExtension/") {
            "2025-06-30"
        } else {
            "2023-10-01"
        };
        assert_eq!(version["default"], expected, "{method} {path}");
        assert_eq!(version["required"], true);
    }
    assert!(ApiVersion::parse(Some("2023-10-01")).is_ok());
}

#[test]
fn every_scope_the_server_accepts_has_a_display_name() {
    let d = definition();
    let scopes = &parameter(
        operation(&d, "/identities/{identityId}/:issueAccessToken", "post"),
        "body",
    )["schema"]["properties"]["scopes"];
    assert_eq!(scopes["x-ms-summary"], "Token Scopes");
    assert_eq!(scopes["default"], json!(["chat"]));
    let items = &scopes["items"];
    let accepted: Vec<&str> = commid::domain::Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(items["enum"], json!(accepted));
    let names = items["x-ms-enum-values"].as_array().unwrap();
    assert_eq!(names.len(), accepted.len());
    for (name, value) in names.iter().zip(&accepted) {
        assert_eq!(name["value"], *value);
        let display = name["displayName"].as_str().unwrap();
        assert!(display.chars().next().unwrap().is_uppercase(), "{display}");
    }
}

#[test]
fn the_connection_string_is_sent_as_the_connection_string_api_key_header() {
    let d = definition();
    assert_eq!(
        d["securityDefinitions"]["api_key"],
        json!({"type": "apiKey", "in": "header", "name": "Connection-String"})
    );
    assert_eq!(d["security"], json!([{"api_key": []}]));
    assert!(api_properties(true)["properties"]["connectionParameters"]["api_key"].is_object());
}

#[test]
fn every_action_describes_400_401_404_and_429() {
    let d = definition();
    for (path, method, op) in operations(&d) {
        for status in ["400", "401", "404", "429"] {
            let description = op["responses"][status]["description"].as_str();
            assert!(
                description.is_some_and(|t| t.len() > 10),
                "{method} {path} {status}"
            );
        }
    }
}

#[test]
fn export_with_a_host_changes_the_host_only() {
    let mut other = api_definition("https://identity.example.com/").unwrap();
    assert_eq!(other["host"], "identity.example.com");
    other["host"] = json!(DEFAULT_HOST);
    assert_eq!(other, definition());
}

#[test]
fn hosts_are_a_name_or_address_with_an_optional_port() {
    for (input, host) in [
        ("identity.example.com", "identity.example.com"),
        ("Identity.Example.com:8443", "identity.example.com:8443"),
        ("https://10.0.0.5:8443/", "10.0.0.5:8443"),
    ] {
        assert_eq!(connector::normalize_host(input).unwrap(), host);
    }
    for bad in [
        "",
        "https://h/path",
        "h:port",
        "h:99999",
        "[::1]:8443",
        "h h",
    ] {
        assert!(connector::normalize_host(bad).is_err(), "{bad}");
    }
}

fn openapi() -> Value {
    commid::router::openapi_json()
}

#[test]
fn export_refuses_a_handler_property_that_has_no_label() {
    let mut doc = openapi();
    doc["components"]["schemas"]["Identity"]["properties"]["nickname"] = json!({"type": "string"});
    let error = api_definition_of(&doc, DEFAULT_HOST)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("Identity.nickname") && error.contains("x-ms-summary"),
        "{error}"
    );
}

#[test]
fn export_refuses_an_operation_the_table_does_not_name() {
    let mut doc = openapi();
    doc["paths"]["/identities/{id}/:rename"] = json!({"post": {"responses": {}}});
    let error = api_definition_of(&doc, DEFAULT_HOST)
        .unwrap_err()
        .to_string();
    assert!(error.contains("/identities/{id}/:rename"), "{error}");
}

#[test]
fn export_refuses_a_one_of_that_swagger_2_cannot_say() {
    let mut doc = openapi();
    doc["components"]["schemas"]["Identity"]["properties"]["externalId"] =
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
    let error = api_definition_of(&doc, DEFAULT_HOST)
        .unwrap_err()
        .to_string();
    assert!(error.contains("oneOf"), "{error}");
}

#[test]
fn export_refuses_a_scope_without_a_display_name() {
    let mut doc = openapi();
    doc["components"]["schemas"]["TokenScope"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("pstn"));
    let error = api_definition_of(&doc, DEFAULT_HOST)
        .unwrap_err()
        .to_string();
    assert!(error.contains("pstn"), "{error}");
}

#[test]
fn api_properties_ask_for_the_host_and_the_connection_string() {
    let p = &read_json(&root(connector::PROPERTIES_FILE))["properties"];
    let key = &p["connectionParameters"]["api_key"];
    assert_eq!(key["type"], "securestring");
    assert_eq!(key["uiDefinition"]["displayName"], "Connection String");
    let tooltip = key["uiDefinition"]["tooltip"].as_str().unwrap();
    assert!(tooltip.contains("commid resource show-keys"), "{tooltip}");
    assert_eq!(key["uiDefinition"]["constraints"]["required"], "true");
    let policy = &p["policyTemplateInstances"][0];
    assert_eq!(policy["templateId"], "dynamichosturl");
    let template = policy["parameters"]["x-ms-apimTemplateParameter.urlTemplate"]
        .as_str()
        .unwrap();
    let host_parameter = template
        .strip_prefix("https://@connectionParameters('")
        .and_then(|t| t.strip_suffix("')"))
        .unwrap();
    assert_eq!(p["connectionParameters"][host_parameter]["type"], "string");
    assert_eq!(p["publisher"], "commid");
    assert_eq!(p["stackOwner"], "commid");
}

#[test]
fn the_brand_colour_is_neither_the_default_blue_nor_white() {
    let colour = read_json(&root(connector::PROPERTIES_FILE))["properties"]["iconBrandColor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(colour, connector::BRAND_COLOR);
    assert!(colour.len() == 7 && colour.starts_with('#'));
    assert!(u32::from_str_radix(&colour[1..], 16).is_ok());
    assert!(!["#007ee5", "#ffffff"].contains(&colour.to_lowercase().as_str()));
}

#[test]
fn the_paconn_copy_leaves_out_only_the_stack_owner() {
    let mut with = api_properties(true);
    let without = api_properties(false);
    assert!(without["properties"].get("stackOwner").is_none());
    with["properties"]
        .as_object_mut()
        .unwrap()
        .remove("stackOwner");
    assert_eq!(with, without);
}

#[test]
fn the_paconn_settings_name_the_exported_files_and_the_repository_icon() {
    let dir = root("deploy/paconn");
    let settings = read_json(&dir.join("settings.json"));
    assert_eq!(settings["apiDefinition"], connector::DEFINITION_FILE);
    assert_eq!(settings["apiProperties"], connector::PROPERTIES_FILE);
    let icon = dir.join(settings["icon"].as_str().unwrap());
    assert_eq!(
        icon.canonicalize().unwrap(),
        root("icon.png").canonicalize().unwrap()
    );
    assert!(settings.get("connectorId").is_none() && settings.get("environment").is_none());
}

/// The icon's pixels as RGB, after checking that it is opaque.
fn icon() -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(root("icon.png")).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    assert!(reader.info().trns.is_none(), "a transparent colour");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let bytes = &buffer[..frame.buffer_size()];
    let pixels = match frame.color_type {
        png::ColorType::Rgb => bytes.chunks(3).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Rgba => bytes
            .chunks(4)
            .map(|p| {
                assert_eq!(p[3], 255, "a pixel that is not opaque");
                [p[0], p[1], p[2]]
            })
            .collect(),
        other => panic!("colour type {other:?}"),
    };
    (frame.width, frame.height, pixels)
}

fn brand_rgb() -> [u8; 3] {
    let hex = &connector::BRAND_COLOR[1..];
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    [byte(0), byte(2), byte(4)]
}

#[test]
fn the_icon_is_an_opaque_230_pixel_square_on_the_brand_colour() {
    let (width, height, pixels) = icon();
    assert_eq!((width, height), (230, 230));
    let brand = brand_rgb();
    for (x, y) in [(0, 0), (229, 0), (0, 229), (229, 229), (115, 2)] {
        assert_eq!(pixels[y * 230 + x], brand, "pixel {x},{y}");
    }
    let background = pixels.iter().filter(|p| **p == brand).count();
    assert!(background > pixels.len() / 3, "{background} brand pixels");
}

#[test]
fn the_icon_glyph_is_white_and_about_160_pixels_across() {
    let (_, _, pixels) = icon();
    let brand = brand_rgb();
    let (mut left, mut right, mut top, mut bottom) = (usize::MAX, 0, usize::MAX, 0);
    let mut white = 0;
    for (i, p) in pixels.iter().enumerate() {
        let distance: u32 = p.iter().zip(brand).map(|(a, b)| a.abs_diff(b) as u32).sum();
        if distance > 60 {
            let (x, y) = (i % 230, i / 230);
            (left, right, top, bottom) = (left.min(x), right.max(x), top.min(y), bottom.max(y));
        }
        white += usize::from(*p == [255, 255, 255]);
    }
    let (width, height) = (right - left + 1, bottom - top + 1);
    assert!((140..=180).contains(&width), "glyph width {width}");
    assert!((140..=180).contains(&height), "glyph height {height}");
    assert!(white > pixels.len() / 6, "{white} white pixels");
}

mod served {
    use super::*;
    use commid::config::Layer;
    use commid::startup::Application;

    /// One server in-process on port 0, with its own data dir: its base URL,
    /// and the connection string of its default resource.
    pub async fn spawn_with_key() -> (String, String, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let layer = Layer {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
            http: Some(true),
            workers: Some(1),
            ..Layer::default()
        };
        let app = Application::build(layer.resolve().unwrap()).await.unwrap();
        let base = app.base_url().as_str().trim_end_matches('/').to_owned();
        let connection_string = app.connection_string().expose().to_owned();
        tokio::spawn(app.run_until_stopped());
        (base, connection_string, dir)
    }

    async fn spawn() -> (String, tempfile::TempDir) {
        let (base, _, dir) = spawn_with_key().await;
        (base, dir)
    }

    async fn get(base: &str, host: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new().get(format!("{base}/apiDefinition.swagger.json"));
        if let Some(host) = host {
            request = request.header("host", host);
        }
        request.send().await.unwrap()
    }

    #[tokio::test]
    async fn the_server_serves_the_export_for_the_host_it_was_reached_at() {
        let (base, _dir) = spawn().await;
        let r = get(&base, None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        let authority = base.strip_prefix("http://").unwrap().to_owned();
        let expected = connector::render(&api_definition(&authority).unwrap());
        assert_eq!(r.text().await.unwrap(), expected);
    }

    #[tokio::test]
    async fn the_served_definition_follows_the_host_header_without_credentials() {
        let (base, _dir) = spawn().await;
        let r = get(&base, Some("identity.example.com")).await;
        assert_eq!(r.status(), 200);
        let served: Value = r.json().await.unwrap();
        assert_eq!(served["host"], "identity.example.com");
        assert_eq!(served["paths"], definition()["paths"]);
    }

    #[tokio::test]
    async fn a_host_that_swagger_cannot_hold_gets_a_validation_error() {
        let (base, _dir) = spawn().await;
        let r = get(&base, Some("[::1]:8443")).await;
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "ValidationError");
        assert_eq!(body["error"]["target"], "Host");
    }
}

/// Calls actions the way Power Automate does from the definition alone:
/// the path with `identityId` encoded once, `api-version` at its default,
/// and the connection string in the header the security definition names.
struct Maker {
    base: String,
    connection_string: String,
    definition: Value,
    http: reqwest::Client,
}

impl Maker {
    async fn call(
        &self,
        operation_id: &str,
        id: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (path, method, op) = operations(&self.definition)
            .into_iter()
            .find(|(_, _, op)| op["operationId"] == operation_id)
            .unwrap();
        let mut url = format!("{}{path}", self.base);
        if let Some(id) = id {
            url = url.replace("{identityId}", &id.replace(':', "%3A"));
        }
        let version = parameter(op, "api-version")["default"].as_str().unwrap();
        let header = self.definition["securityDefinitions"]["api_key"]["name"]
            .as_str()
            .unwrap();
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{url}?api-version={version}"))
            .header(header, &self.connection_string);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        assert!(
            op["responses"].get(status.to_string()).is_some(),
            "{operation_id} answered {status}, which the definition does not describe"
        );
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        if let Some(required) = op["responses"][status.to_string()]["schema"]["required"].as_array()
        {
            for name in required {
                assert!(
                    body.get(name.as_str().unwrap()).is_some(),
                    "{operation_id}: no {name} in {body}"
                );
            }
        }
        (status, body)
    }
}

#[tokio::test]
async fn the_seeds_flow_runs_against_the_server_as_the_definition_describes_it() {
    let (base, connection_string, _dir) = served::spawn_with_key().await;
    let maker = Maker {
        base,
        connection_string,
        definition: definition(),
        http: reqwest::Client::new(),
    };
    let (status, created) = maker
        .call(
            "CreateCommunicationIdentity",
            None,
            Some(json!({"createTokenWithScopes": ["chat"]})),
        )
        .await;
    assert_eq!(status, 201);
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    assert!(created["accessToken"]["token"].is_string());
    let (status, issued) = maker
        .call(
            "IssueIdentityAccessToken",
            Some(&id),
            Some(json!({"scopes": ["chat", "voip"]})),
        )
        .await;
    assert_eq!(status, 200);
    let token = issued["token"].clone();
    let (_, verdict) = maker
        .call("VerifyAccessToken", None, Some(json!({"token": token})))
        .await;
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["identity"]["id"], id.as_str());
    assert_eq!(
        maker
            .call("RevokeIdentityAccessTokens", Some(&id), None)
            .await
            .0,
        204
    );
    let (_, verdict) = maker
        .call("VerifyAccessToken", None, Some(json!({"token": token})))
        .await;
    assert_eq!(
        (verdict["valid"].clone(), verdict["reason"].clone()),
        (json!(false), json!("revoked"))
    );
    let (status, user) = maker
        .call("GetCommunicationIdentity", Some(&id), None)
        .await;
    assert_eq!((status, user["id"].as_str()), (200, Some(id.as_str())));
    assert_eq!(
        maker
            .call("DeleteCommunicationIdentity", Some(&id), None)
            .await
            .0,
        204
    );
    assert_eq!(
        maker
            .call("GetCommunicationIdentity", Some(&id), None)
            .await
            .0,
        404
    );
    // This server trusts no Entra issuer: the exchange answers as described.
    let (status, refused) = maker
        .call(
            "ExchangeTeamsUserAccessToken",
            None,
            Some(json!({"token": "ey.not.valid", "appId": "a", "userId": "u"})),
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (401, &json!("InvalidAccessToken"))
    );
    assert_eq!(
        maker
            .call("DeleteCommunicationIdentity", Some(&id), None)
            .await
            .0,
        204
    );
}

/// What `../shared/tools/validate-connector` checks in CI, in a plain clone:
/// both files against the JSON Schemas Microsoft publishes for connectors.
#[test]
fn the_committed_files_validate_against_microsofts_connector_schemas() {
    for (file, schema, draft) in [
        (
            connector::DEFINITION_FILE,
            "apiDefinition.swagger.schema.rust.json",
            jsonschema::Draft::Draft4,
        ),
        (
            connector::PROPERTIES_FILE,
            "paconn-apiProperties.schema.rust.json",
            jsonschema::Draft::Draft7,
        ),
    ] {
        let schema = read_json(&root(&format!("tests/fixtures/connector-schemas/{schema}")));
        let validator = jsonschema::options()
            .with_draft(draft)
            .build(&schema)
            .expect("the schema compiles");
        let document = read_json(&root(file));
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
    }
}

#[test]
fn the_schema_check_catches_a_keyword_power_platform_refuses() {
    let schema = read_json(&root(
        "tests/fixtures/connector-schemas/apiDefinition.swagger.schema.rust.json",
    ));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap();
    let mut document = read_json(&root(connector::DEFINITION_FILE));
    document["openapi"] = json!("3.1.0");
    assert!(!validator.is_valid(&document));
}

//! The connector's Microsoft Entra ID variant (`commid connector export
//! --entra-client-id … --entra-resource …`): makers sign in with Entra and
//! the gateway sends their delegated token. Power Platform's published
//! schema has no `connectionParameterSets`, so it is a second export that
//! replaces the connection string, and it validates against the same
//! schemas as the committed files.

use commid::connector::entra::EntraSignIn;
use commid::connector::{self, Options};
use serde_json::{Value, json};
use std::path::Path;

const CLIENT_ID: &str = "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a";
const RESOURCE: &str = "api://commid.contoso.example";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn schema(name: &str) -> Value {
    read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/connector-schemas/{name}")),
    )
}

/// The two files of an Entra export: (definition, properties).
fn entra_export() -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        entra: Some(EntraSignIn {
            client_id: CLIENT_ID.into(),
            resource: RESOURCE.into(),
            tenant: "common".into(),
        }),
        ..Options::default()
    };
    connector::export(&commid::router::openapi_json(), dir.path(), &options).unwrap();
    (
        read_json(&dir.path().join(connector::DEFINITION_FILE)),
        read_json(&dir.path().join(connector::PROPERTIES_FILE)),
    )
}

#[test]
fn the_published_schema_has_no_connection_parameter_sets_so_entra_is_a_second_export() {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema("paconn-apiProperties.schema.rust.json"))
        .unwrap();
    let mut both = connector::api_properties(true);
    both["properties"]["connectionParameterSets"] = json!({"uiDefinition": {}, "values": []});
    assert!(
        !validator.is_valid(&both),
        "if this passes, offer both in one file"
    );
}

#[test]
fn an_entra_export_signs_makers_in_with_aad_for_commids_application_id_uri() {
    let (definition, properties) = entra_export();
    let parameters = &properties["properties"]["connectionParameters"];
    assert!(parameters.get("api_key").is_none(), "no connection string");
    assert_eq!(
        parameters["host"]["type"], "string",
        "each connection still names its host"
    );
    let token = &parameters["token"];
    assert_eq!(token["type"], "oauthSetting");
    let settings = &token["oAuthSettings"];
    assert_eq!(settings["identityProvider"], "aad");
    assert_eq!(settings["clientId"], CLIENT_ID);
    assert_eq!(
        settings["customParameters"]["resourceUri"]["value"],
        RESOURCE
    );
    assert_eq!(settings["customParameters"]["tenantId"]["value"], "common");
    assert!(
        settings.get("clientSecret").is_none(),
        "the secret is entered at import, never exported"
    );
    assert_eq!(definition["security"], json!([{"oauth2_auth": []}]));
    let scheme = &definition["securityDefinitions"]["oauth2_auth"];
    assert_eq!(scheme["type"], "oauth2");
    assert_eq!(scheme["flow"], "accessCode");
    assert!(definition["securityDefinitions"].get("api_key").is_none());
    // Only the security differs from the committed connector.
    let mut committed =
        connector::api_definition(&commid::router::openapi_json(), connector::DEFAULT_HOST)
            .unwrap();
    committed["securityDefinitions"] = definition["securityDefinitions"].clone();
    committed["security"] = definition["security"].clone();
    assert_eq!(committed, definition);
}

#[test]
fn an_entra_export_passes_the_schemas_the_committed_files_pass() {
    let (definition, properties) = entra_export();
    for (document, name, draft) in [
        (
            &definition,
            "apiDefinition.swagger.schema.rust.json",
            jsonschema::Draft::Draft4,
        ),
        (
            &properties,
            "paconn-apiProperties.schema.rust.json",
            jsonschema::Draft::Draft7,
        ),
    ] {
        let validator = jsonschema::options()
            .with_draft(draft)
            .build(&schema(name))
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(document)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_cli_refuses_a_client_id_without_its_resource() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args([
            "connector",
            "export",
            "--entra-client-id",
            CLIENT_ID,
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--entra-resource"));
}

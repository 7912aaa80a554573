//! The rules of Power Platform's connector files (RULES.md of the project's
//! shared references, summarised in docs/connector.md) as code, over the
//! exported definition and the committed one; and, for each rule, a broken
//! definition it catches.

use commid::connector::DEFAULT_HOST;
use serde_json::{Value, json};

const VISIBILITIES: [&str; 3] = ["important", "advanced", "internal"];
const FORMATS: [&str; 14] = [
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "date",
    "date-time",
    "password",
    "date-no-tz",
    "email",
    "html",
    "uri",
    "uuid",
];
/// Keywords of OpenAPI 3 (or of JSON Schema beyond Swagger 2.0's subset).
const OPENAPI_3_ONLY: [&str; 14] = [
    "openapi",
    "components",
    "servers",
    "requestBody",
    "content",
    "callbacks",
    "links",
    "nullable",
    "oneOf",
    "anyOf",
    "not",
    "const",
    "$defs",
    "prefixItems",
];
/// The `x-ms-` keys this connector may use.
const X_MS_KEYS: &[&str] = &[
    "x-ms-summary",
    "x-ms-visibility",
    "x-ms-url-encoding",
    "x-ms-enum-values",
    "x-ms-connector-metadata",
    "x-ms-trigger",
    "x-ms-trigger-hint",
    "x-ms-trigger-metadata",
    "x-ms-dynamic-values",
    "x-ms-dynamic-list",
    "x-ms-pageable",
    "x-ms-capabilities",
    "x-ms-notification-url",
    "x-ms-notification-content",
];

/// The keys of a path item that are operations, not its extensions.
pub(super) const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn title_case(text: &str) -> bool {
    !text.is_empty()
        && text.split(' ').all(|word| {
            word.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        })
}

fn pascal_case(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Every broken rule, each as "where: what".
fn violations(d: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut fail = |at: &str, what: &str| out.push(format!("{at}: {what}"));
    if d["swagger"] != "2.0" {
        fail("swagger", "not 2.0");
    }
    let host = d["host"].as_str().unwrap_or_default();
    let (name, port) = host.rsplit_once(':').unwrap_or((host, "1"));
    if name.is_empty() || name.contains(['/', ' ', '{', '}', '\\']) || port.parse::<u16>().is_err()
    {
        fail("host", "not a bare host[:port]");
    }
    if !d["basePath"].as_str().is_some_and(|p| p.starts_with('/')) {
        fail("basePath", "does not start with /");
    }
    let title = d["info"]["title"].as_str().unwrap_or_default();
    if title.is_empty()
        || title.chars().count() > 30
        || title.contains("API")
        || title.contains("Connector")
    {
        fail(
            "info.title",
            "empty, over 30 characters, or names API or Connector",
        );
    }
    let description = d["info"]["description"].as_str().unwrap_or_default();
    if !(30..=500).contains(&description.chars().count()) {
        fail("info.description", "not 30 to 500 characters");
    }
    let metadata = d["x-ms-connector-metadata"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for name in ["Website", "Privacy policy", "Categories"] {
        if !metadata
            .iter()
            .any(|m| m["propertyName"] == name && m["propertyValue"].is_string())
        {
            fail("x-ms-connector-metadata", &format!("no {name}"));
        }
    }
    let mut ids = Vec::new();
    for (path, item) in d["paths"].as_object().into_iter().flatten() {
        for (method, op) in item
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(m, _)| METHODS.contains(&m.as_str()))
        {
            let at = format!("{method} {path}");
            operation(d, &at, path, op, &mut fail);
            ids.push(op["operationId"].clone());
        }
    }
    if ids.is_empty() {
        fail("paths", "no operation");
    }
    let count = ids.len();
    ids.sort_by_key(|v| v.to_string());
    ids.dedup();
    if ids.len() != count {
        fail("paths", "operationIds repeat");
    }
    keywords(d, "", &mut fail);
    super::rules_triggers::violations(d, &mut fail);
    super::rules_dropdowns::violations(d, &mut fail);
    out
}

fn operation(d: &Value, at: &str, path: &str, op: &Value, fail: &mut impl FnMut(&str, &str)) {
    let id = op["operationId"].as_str().unwrap_or_default();
    if !pascal_case(id) {
        fail(at, "operationId is not PascalCase");
    }
    let summary = op["summary"].as_str().unwrap_or_default();
    if summary.is_empty()
        || summary.chars().count() > 80
        || summary.contains('/')
        || summary.ends_with(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        || !summary.starts_with(|c: char| c.is_uppercase())
    {
        fail(
            at,
            "summary is empty, over 80 characters, has / or ends with punctuation",
        );
    }
    let description = op["description"].as_str().unwrap_or_default();
    if !description.ends_with('.') || description == summary {
        fail(
            at,
            "description missing, not ending with a period, or the summary again",
        );
    }
    for parameter in op["parameters"].as_array().into_iter().flatten() {
        let name = parameter["name"].as_str().unwrap_or_default();
        let at = format!("{at} parameter {name}");
        visible(&at, parameter, fail);
        match parameter["in"].as_str() {
            Some("path") if parameter["required"] != true => {
                fail(&at, "path parameter not required")
            }
            Some("body") => schema(d, &at, &parameter["schema"], fail),
            _ => {}
        }
        if parameter["x-ms-visibility"] == "internal"
            && parameter["required"] == true
            && parameter.get("default").is_none()
        {
            fail(&at, "internal and required without a default");
        }
    }
    for placeholder in path
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}'))
        .map(|(n, _)| n)
    {
        let declared = op["parameters"].as_array().into_iter().flatten();
        if !declared
            .clone()
            .any(|p| p["in"] == "path" && p["name"] == placeholder)
        {
            fail(at, &format!("no path parameter {placeholder}"));
        }
    }
    let responses = op["responses"].as_object().cloned().unwrap_or_default();
    if !responses.keys().any(|s| s.starts_with('2')) {
        fail(at, "no success response");
    }
    for (status, response) in &responses {
        let at = format!("{at} response {status}");
        if response["description"].as_str().is_none_or(str::is_empty) {
            fail(&at, "no description");
        }
        if let Some(s) = response.get("schema") {
            schema(d, &at, s, fail);
        }
    }
}

/// A parameter or property a maker sees has a Title Case label and a known
/// visibility.
fn visible(at: &str, item: &Value, fail: &mut impl FnMut(&str, &str)) {
    match item.get("x-ms-visibility") {
        Some(v) if !VISIBILITIES.iter().any(|known| v == known) => {
            fail(at, "unknown x-ms-visibility")
        }
        Some(v) if v == "internal" => return,
        _ => {}
    }
    if !item["x-ms-summary"].as_str().is_some_and(title_case) {
        fail(at, "no Title Case x-ms-summary");
    }
}

/// Not empty, with a type or a reference; every property labelled.
fn schema(d: &Value, at: &str, s: &Value, fail: &mut impl FnMut(&str, &str)) {
    if let Some(reference) = s["$ref"].as_str() {
        let target = reference
            .strip_prefix("#/")
            .map(|p| d.pointer(&format!("/{p}")));
        match target.flatten() {
            Some(t) => schema(d, at, t, fail),
            None => fail(at, "a $ref to nothing"),
        }
        return;
    }
    if !s["type"].is_string() {
        fail(at, "a schema without one type");
    }
    if let Some(format) = s["format"].as_str()
        && !FORMATS.contains(&format)
    {
        fail(at, "a format Power Platform does not know");
    }
    if s["type"] == "object" && !s["properties"].is_object() {
        fail(at, "an object without properties");
    }
    for (name, property) in s["properties"].as_object().into_iter().flatten() {
        let at = format!("{at}.{name}");
        visible(&at, property, fail);
        schema(d, &at, property, fail);
    }
    if let Some(items) = s.get("items") {
        schema(d, &format!("{at}[]"), items, fail);
    }
}

/// No OpenAPI 3 keyword, no type list and no unknown `x-ms-` key anywhere;
/// the names inside `properties` are names, not keywords.
fn keywords(value: &Value, at: &str, fail: &mut impl FnMut(&str, &str)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{key}");
                if OPENAPI_3_ONLY.contains(&key.as_str()) {
                    fail(&here, "an OpenAPI 3 keyword");
                }
                if key.starts_with("x-ms-") && !X_MS_KEYS.contains(&key.as_str()) {
                    fail(&here, "an x-ms- key this connector does not use");
                }
                if key == "type" && !child.is_string() {
                    fail(&here, "a type that is not one string");
                }
                if key == "properties" {
                    for (name, property) in child.as_object().into_iter().flatten() {
                        keywords(property, &format!("{here}/{name}"), fail);
                    }
                } else if !key.starts_with("x-") {
                    keywords(child, &here, fail);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                keywords(item, &format!("{at}/{i}"), fail);
            }
        }
        _ => {}
    }
}

fn exported() -> Value {
    commid::connector::api_definition(&commid::router::openapi_json(), DEFAULT_HOST).unwrap()
}

#[test]
fn the_exported_and_the_committed_definitions_break_no_rule() {
    assert_eq!(violations(&exported()), Vec::<String>::new());
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/apiDefinition.swagger.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(violations(&committed), Vec::<String>::new());
}

#[test]
fn the_rules_pass_the_certified_connectors_own_operations() {
    let certified: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/certified-acs-identity/apiDefinition.swagger.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let found = violations(&certified);
    // Microsoft's file leaves labels off its bodies and parameters in places,
    // but its operations' names follow the rules.
    assert!(
        !found
            .iter()
            .any(|v| v.contains("operationId") || v.contains("summary is")),
        "{found:?}"
    );
}

/// `mutate` breaks the exported definition; a violation must name `expected`.
pub(super) fn caught(expected: &str, mutate: impl FnOnce(&mut Value)) {
    let mut d = exported();
    mutate(&mut d);
    let found = violations(&d);
    assert!(
        found.iter().any(|v| v.contains(expected)),
        "{expected} not in {found:?}"
    );
}

const CREATE: &str = "/paths/~1identities/post";
const DELETE: &str = "/paths/~1identities~1{identityId}/delete";

pub(super) fn at<'a>(d: &'a mut Value, pointer: &str) -> &'a mut Value {
    d.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer}"))
}

#[test]
fn an_operation_id_with_an_underscore_is_caught() {
    caught("operationId is not PascalCase", |d| {
        at(d, CREATE)["operationId"] = json!("CommunicationIdentity_Create");
    });
}

#[test]
fn a_summary_that_is_long_has_a_slash_or_ends_with_punctuation_is_caught() {
    for summary in [
        "Create a user.",
        "Create a user/identity",
        &"Create a user ".repeat(8),
    ] {
        caught("summary is empty", |d| {
            at(d, CREATE)["summary"] = json!(summary)
        });
    }
}

#[test]
fn a_description_missing_unfinished_or_equal_to_the_summary_is_caught() {
    caught("description missing", |d| {
        at(d, CREATE).as_object_mut().unwrap().remove("description");
    });
    caught("description missing", |d| {
        at(d, CREATE)["description"] = json!("Create a user")
    });
    caught("description missing", |d| {
        at(d, CREATE)["description"] = at(d, CREATE)["summary"].clone()
    });
}

#[test]
fn a_visible_parameter_or_response_property_without_a_title_case_label_is_caught() {
    caught("parameter identityId: no Title Case x-ms-summary", |d| {
        at(d, &format!("{DELETE}/parameters/0"))["x-ms-summary"] = json!("user id");
    });
    caught(
        "response 201.identity.id: no Title Case x-ms-summary",
        |d| {
            at(
                d,
                &format!("{CREATE}/responses/201/schema/properties/identity/properties/id"),
            )
            .as_object_mut()
            .unwrap()
            .remove("x-ms-summary");
        },
    );
    caught("response 400.error.code: no Title Case x-ms-summary", |d| {
        at(
            d,
            "/definitions/ErrorResponse/properties/error/properties/code",
        )
        .as_object_mut()
        .unwrap()
        .remove("x-ms-summary");
    });
}

#[test]
fn an_unknown_visibility_is_caught() {
    caught("unknown x-ms-visibility", |d| {
        at(
            d,
            &format!("{CREATE}/parameters/1/schema/properties/externalId"),
        )["x-ms-visibility"] = json!("hidden");
    });
}

#[test]
fn an_optional_path_parameter_is_caught() {
    caught("path parameter not required", |d| {
        at(d, &format!("{DELETE}/parameters/0"))["required"] = json!(false);
    });
}

#[test]
fn an_internal_required_parameter_without_a_default_is_caught() {
    caught("internal and required without a default", |d| {
        at(d, &format!("{CREATE}/parameters/0"))
            .as_object_mut()
            .unwrap()
            .remove("default");
    });
}

#[test]
fn openapi_3_keywords_and_type_lists_are_caught() {
    caught("an OpenAPI 3 keyword", |d| {
        at(
            d,
            &format!("{CREATE}/parameters/1/schema/properties/externalId"),
        )["nullable"] = json!(true);
    });
    caught("an OpenAPI 3 keyword", |d| {
        at(d, &format!("{CREATE}/responses/201"))["schema"] =
            json!({"oneOf": [{"type": "string"}]});
    });
    caught("a type that is not one string", |d| {
        at(
            d,
            &format!("{CREATE}/parameters/1/schema/properties/externalId"),
        )["type"] = json!(["string", "null"]);
    });
    caught("an OpenAPI 3 keyword", |d| d["components"] = json!({}));
}

#[test]
fn an_empty_success_schema_is_caught() {
    caught("a schema without one type", |d| {
        at(d, &format!("{CREATE}/responses/201"))["schema"] = json!({})
    });
}

#[test]
fn a_missing_connector_metadata_entry_is_caught() {
    caught("no Privacy policy", |d| {
        d["x-ms-connector-metadata"]
            .as_array_mut()
            .unwrap()
            .remove(1);
    });
}

#[test]
fn a_host_with_a_scheme_is_caught() {
    caught("host: not a bare host", |d| {
        d["host"] = json!("https://identity.example.com")
    });
}

//! The Teams Phone extensibility actions a maker provisioning Teams
//! resource accounts sees, and the operations that are not actions.

use commid::connector::{self, DEFAULT_HOST};
use serde_json::{Value, json};

const PATH: &str = "/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}";

fn definition() -> Value {
    connector::api_definition(&commid::router::openapi_json(), DEFAULT_HOST).unwrap()
}

fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

#[test]
fn makers_set_get_and_delete_teams_phone_assignments_by_tenant_and_object_id() {
    let d = definition();
    for (method, id, summary) in [
        (
            "put",
            "SetTeamsPhoneAssignment",
            "Create or Replace a Teams Phone Assignment",
        ),
        (
            "get",
            "GetTeamsPhoneAssignment",
            "Get a Teams Phone Assignment",
        ),
        (
            "delete",
            "DeleteTeamsPhoneAssignment",
            "Delete a Teams Phone Assignment",
        ),
    ] {
        let op = &d["paths"][PATH][method];
        assert_eq!(op["operationId"], id);
        assert_eq!(op["summary"], summary);
        for (name, label) in [("tenantId", "Tenant ID"), ("objectId", "Object ID")] {
            let p = parameter(op, name);
            assert_eq!(p["in"], "path");
            assert_eq!(p["required"], true);
            assert_eq!(p["x-ms-summary"], label);
            assert_eq!(p["x-ms-visibility"], "important");
        }
        assert_eq!(parameter(op, "api-version")["default"], "2025-06-30");
    }
    let put = &d["paths"][PATH]["put"];
    assert!(put["responses"]["201"].is_object() && put["responses"]["200"].is_object());
    let body = &parameter(put, "body")["schema"];
    assert_eq!(body["required"], json!(["principalType"]));
    let principal = &body["properties"]["principalType"];
    assert_eq!(principal["x-ms-summary"], "Principal Type");
    assert_eq!(principal["x-ms-visibility"], "important");
    let shown: Vec<&str> = principal["x-ms-enum-values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["user", "resourceAccount", "teamsResourceAccount"]);
    let apps = &body["properties"]["clientIds"];
    assert_eq!(apps["x-ms-summary"], "Client Application IDs");
    assert_eq!(apps["items"]["pattern"], commid::domain::GUID_PATTERN);
    let got = &d["paths"][PATH]["get"]["responses"];
    assert_eq!(
        got["200"]["schema"]["properties"]["tenantId"]["x-ms-summary"],
        "Tenant ID"
    );
    assert_eq!(got["404"]["description"], "No such assignment.");
}

#[test]
fn the_bearer_exchanges_and_the_entra_assignments_are_not_actions() {
    let d = definition();
    for path in [
        "/access/teamsExtension/:exchangeAccessToken",
        "/access/entra/:exchangeAccessToken",
        "/access/entra/assignments",
        "/access/entra/assignments/{objectId}",
    ] {
        assert!(d["paths"].get(path).is_none(), "{path} is exported");
    }
}

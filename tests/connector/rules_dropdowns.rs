//! The rules of dropdowns (`x-ms-dynamic-values`, `x-ms-dynamic-list`), of
//! the connection test (`x-ms-capabilities`) and of enum display names
//! (notes/connector-research.md §H, from Microsoft's extension docs, its
//! published schema and its certification validator's rules), run as part
//! of `rules.rs`'s `violations`; and, for each rule, a broken copy of the
//! export that it catches.

use super::rules::{at, caught};
use serde_json::{Value, json};

/// Every operation: path, method, operation.
pub(super) fn operations(d: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in d["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !super::rules::METHODS.contains(&method.as_str()) {
                continue;
            }
            out.push((path.as_str(), method.as_str(), op));
        }
    }
    out
}

fn by_id<'a>(d: &'a Value, id: &str) -> Option<(&'a str, &'a Value)> {
    operations(d)
        .into_iter()
        .find(|(_, _, op)| op["operationId"] == id)
        .map(|(_, method, op)| (method, op))
}

pub(super) fn parameters(op: &Value) -> impl Iterator<Item = &Value> {
    op["parameters"].as_array().into_iter().flatten()
}

/// The 200 (else 201) schema, with `$ref`s to definitions followed.
pub(super) fn success_schema<'a>(d: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let schema = op["responses"]["200"]
        .get("schema")
        .or_else(|| op["responses"]["201"].get("schema"))?;
    Some(resolve(d, schema))
}

fn resolve<'a>(d: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => d.pointer(pointer).unwrap_or(&Value::Null),
        None => schema,
    }
}

/// The broken rules of dropdowns, the connection test and enum names, each
/// as "where: what".
pub(super) fn violations(d: &Value, fail: &mut impl FnMut(&str, &str)) {
    for (path, method, op) in operations(d) {
        let at = format!("{method} {path}");
        if op.get("x-ms-capabilities").is_some() {
            fail(&at, "x-ms-capabilities belongs at the root");
        }
        dropdowns(d, &at, op, op, fail);
        enum_values(&at, op, fail);
    }
    if let Some(capabilities) = d.get("x-ms-capabilities") {
        let Some(test) = capabilities.get("testConnection") else {
            return fail("x-ms-capabilities", "no testConnection");
        };
        call(d, "x-ms-capabilities.testConnection", test, None, fail);
    }
}

/// Every `x-ms-dynamic-values` and `x-ms-dynamic-list` under `value`, in
/// operation `op`.
fn dropdowns(d: &Value, at: &str, op: &Value, value: &Value, fail: &mut impl FnMut(&str, &str)) {
    match value {
        Value::Object(map) => {
            let name = map.get("name").and_then(Value::as_str).unwrap_or("schema");
            let here = format!("{at} {name}");
            let legacy = map.get("x-ms-dynamic-values");
            let list = map.get("x-ms-dynamic-list");
            if let Some(values) = legacy {
                call(d, &here, values, Some(op), fail);
                let paths = ["value-collection", "value-path", "value-title"];
                items(d, &here, values, paths, fail);
            }
            if let Some(list) = list {
                call(d, &here, list, Some(op), fail);
                items(
                    d,
                    &here,
                    list,
                    ["itemsPath", "itemValuePath", "itemTitlePath"],
                    fail,
                );
            }
            if let (Some(values), Some(list)) = (legacy, list) {
                agree(&here, values, list, fail);
            }
            for (key, child) in map {
                if !key.starts_with("x-ms-dynamic") {
                    dropdowns(d, at, op, child, fail);
                }
            }
        }
        Value::Array(children) => {
            for child in children {
                dropdowns(d, at, op, child, fail);
            }
        }
        _ => {}
    }
}

/// A call of another operation (a dropdown's or the connection test's):
/// the operation exists, is a get and no trigger; every argument names one
/// of its parameters, literals of the parameter's type, references to a
/// visible parameter of the `caller`; every parameter it requires is given
/// or has a default.
fn call(
    d: &Value,
    at: &str,
    spec: &Value,
    caller: Option<&Value>,
    fail: &mut impl FnMut(&str, &str),
) {
    let id = spec["operationId"].as_str().unwrap_or_default();
    let Some((method, target)) = by_id(d, id) else {
        return fail(at, &format!("calls {id}, which is no operation"));
    };
    if method != "get" || target.get("x-ms-trigger").is_some() {
        fail(at, &format!("calls {id}, which is not a get action"));
    }
    let given = spec["parameters"].as_object().cloned().unwrap_or_default();
    for (name, argument) in &given {
        let Some(parameter) = parameters(target).find(|p| p["name"] == name.as_str()) else {
            fail(at, &format!("{id} has no parameter {name}"));
            continue;
        };
        let argument = argument.get("value").unwrap_or(argument);
        let reference = argument
            .get("parameter")
            .or_else(|| argument.get("parameterReference"));
        match (reference, caller) {
            (Some(source), Some(caller)) => {
                let visible = parameters(caller)
                    .any(|p| p["name"] == *source && p["x-ms-visibility"] != "internal");
                if !visible {
                    fail(
                        at,
                        &format!("{name} refers to no visible parameter {source}"),
                    );
                }
            }
            (Some(_), None) => fail(at, &format!("{name} must be a literal")),
            (None, _) if !literal_fits(argument, &parameter["type"]) => fail(
                at,
                &format!("{name} is not a literal of type {}", parameter["type"]),
            ),
            (None, _) => {}
        }
    }
    for parameter in parameters(target).filter(|p| p["required"] == true) {
        let name = parameter["name"].as_str().unwrap_or_default();
        if !given.contains_key(name) && parameter.get("default").is_none() {
            fail(at, &format!("{id} requires {name}, which is not given"));
        }
    }
}

fn literal_fits(value: &Value, kind: &Value) -> bool {
    match kind.as_str() {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => false,
    }
}

/// The called operation answers an array at the collection path whose items
/// always have the value and the title.
fn items(d: &Value, at: &str, spec: &Value, keys: [&str; 3], fail: &mut impl FnMut(&str, &str)) {
    let id = spec["operationId"].as_str().unwrap_or_default();
    let Some((_, target)) = by_id(d, id) else {
        return;
    };
    let mut schema = success_schema(d, target).unwrap_or(&Value::Null);
    for part in spec[keys[0]].as_str().unwrap_or_default().split('/') {
        schema = resolve(d, &schema["properties"][part]);
    }
    if schema["type"] != "array" {
        return fail(at, &format!("{id} answers no array at {}", spec[keys[0]]));
    }
    let item = resolve(d, &schema["items"]);
    for key in &keys[1..] {
        let property = spec[*key].as_str().unwrap_or_default();
        let required = item["required"].as_array().into_iter().flatten();
        if !required.clone().any(|r| r == property) {
            fail(at, &format!("{id}'s items do not always have {property}"));
        }
    }
}

/// `x-ms-dynamic-list` says what `x-ms-dynamic-values` says.
fn agree(at: &str, values: &Value, list: &Value, fail: &mut impl FnMut(&str, &str)) {
    let pairs = [
        ("operationId", "operationId"),
        ("value-collection", "itemsPath"),
        ("value-path", "itemValuePath"),
        ("value-title", "itemTitlePath"),
    ];
    let unwrapped: serde_json::Map<String, Value> = list["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.get("value").cloned().unwrap_or(v.clone())))
        .collect();
    if pairs.iter().any(|(a, b)| values[a] != list[b]) || values["parameters"] != json!(unwrapped) {
        fail(at, "x-ms-dynamic-list and x-ms-dynamic-values disagree");
    }
}

/// Every `x-ms-enum-values` names values of its `enum`, once each, with a
/// display name.
fn enum_values(at: &str, value: &Value, fail: &mut impl FnMut(&str, &str)) {
    match value {
        Value::Object(map) => {
            if let Some(names) = map.get("x-ms-enum-values") {
                let allowed = map.get("enum").and_then(Value::as_array);
                let mut seen = Vec::new();
                for entry in names.as_array().into_iter().flatten() {
                    let value = &entry["value"];
                    if !allowed.is_some_and(|a| a.contains(value)) || seen.contains(&value) {
                        fail(
                            at,
                            &format!("x-ms-enum-values names {value} wrongly or twice"),
                        );
                    }
                    if entry["displayName"].as_str().is_none_or(str::is_empty) {
                        fail(at, &format!("no display name for {value}"));
                    }
                    seen.push(value);
                }
            }
            map.values().for_each(|child| enum_values(at, child, fail));
        }
        Value::Array(children) => children
            .iter()
            .for_each(|child| enum_values(at, child, fail)),
        _ => {}
    }
}

const CREATED: &str = "/paths/~1triggers~1identityCreated/get";
const LIST: &str = "/paths/~1identities/get";
const USER_ID: &str = "/paths/~1identities~1{identityId}/delete/parameters/0";

#[test]
fn a_dropdown_calling_no_operation_a_trigger_or_an_unknown_parameter_is_caught() {
    caught("which is no operation", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["operationId"] = json!("ListUsers");
    });
    caught("which is not a get action", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["operationId"] =
            json!("OnCommunicationIdentityCreated");
    });
    caught("has no parameter top", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["parameters"]["top"] = json!(5);
    });
    caught("maxPageSize is not a literal of type", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["parameters"]["maxPageSize"] = json!("1000");
    });
    caught("refers to no visible parameter", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["parameters"]["customId"] =
            json!({"parameter": "api-version"});
    });
}

#[test]
fn a_dropdown_that_leaves_a_required_input_out_or_finds_no_titled_items_is_caught() {
    caught("requires api-version, which is not given", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["parameters"]
            .as_object_mut()
            .unwrap()
            .remove("api-version");
        at(d, &format!("{LIST}/parameters/0"))
            .as_object_mut()
            .unwrap()
            .remove("default");
    });
    caught("answers no array at", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["value-collection"] = json!("users");
    });
    caught("do not always have customId", |d| {
        at(d, USER_ID)["x-ms-dynamic-values"]["value-title"] = json!("customId");
    });
    caught("do not always have customId", |d| {
        at(d, USER_ID)["x-ms-dynamic-list"]["itemTitlePath"] = json!("customId");
    });
    caught("disagree", |d| {
        at(d, USER_ID)["x-ms-dynamic-list"]["parameters"]["order"] = json!({"value": "asc"});
    });
}

#[test]
fn a_connection_test_on_no_operation_or_with_a_reference_or_on_an_operation_is_caught() {
    caught("calls Ping, which is no operation", |d| {
        d["x-ms-capabilities"]["testConnection"]["operationId"] = json!("Ping");
    });
    caught("must be a literal", |d| {
        d["x-ms-capabilities"]["testConnection"]["parameters"]["api-version"] =
            json!({"parameter": "api-version"});
    });
    caught("no testConnection", |d| d["x-ms-capabilities"] = json!({}));
    caught("belongs at the root", |d| {
        at(d, LIST)["x-ms-capabilities"] = json!({"testConnection": {}});
    });
}

/// The pointer of List users' parameter `name`.
fn list_parameter(d: &Value, name: &str) -> String {
    let parameters = d.pointer(&format!("{LIST}/parameters")).unwrap();
    let i = parameters
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("List users has no parameter {name}"));
    format!("{LIST}/parameters/{i}")
}

#[test]
fn enum_display_names_for_values_the_enum_lacks_or_repeats_are_caught() {
    caught("names \"newest\" wrongly", |d| {
        let order = list_parameter(d, "order");
        at(d, &format!("{order}/x-ms-enum-values/1"))["value"] = json!("newest");
    });
    caught("names \"asc\" wrongly or twice", |d| {
        let order = list_parameter(d, "order");
        at(d, &format!("{order}/x-ms-enum-values/1"))["value"] = json!("asc");
    });
    caught("no display name", |d| {
        let order = list_parameter(d, "order");
        at(d, &format!("{order}/x-ms-enum-values/0"))["displayName"] = json!("");
    });
}

#[test]
fn a_trigger_output_or_a_listed_user_without_a_title_case_label_is_caught() {
    caught("response 200.id: no Title Case x-ms-summary", |d| {
        at(d, &format!("{CREATED}/responses/200/schema/properties/id"))["x-ms-summary"] =
            json!("user id");
    });
    caught(
        "response 200.value[].displayName: no Title Case x-ms-summary",
        |d| {
            at(
                d,
                &format!(
                    "{LIST}/responses/200/schema/properties/value/items/properties/displayName"
                ),
            )
            .as_object_mut()
            .unwrap()
            .remove("x-ms-summary");
        },
    );
    caught("parameter maxPageSize: no Title Case x-ms-summary", |d| {
        let size = list_parameter(d, "maxPageSize");
        at(d, &size)["x-ms-summary"] = json!("page size");
    });
}

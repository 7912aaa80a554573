//! The rules of polling triggers and paging (notes/connector-research.md
//! §H, from Microsoft's extension docs, its published schema, its
//! certification validator's rules and the designer's code), run as part of
//! `rules.rs`'s `violations`; and, for each rule, a broken copy of the
//! export that it catches.

use super::rules::{at, caught};
use super::rules_dropdowns::{operations, parameters, success_schema};
use serde_json::{Value, json};

/// The broken rules of triggers and paging, each as "where: what".
pub(super) fn violations(d: &Value, fail: &mut impl FnMut(&str, &str)) {
    for (path, method, op) in operations(d) {
        let at = format!("{method} {path}");
        if op.get("x-ms-trigger").is_some() {
            trigger(d, &at, method, op, fail);
        }
        if let Some(pageable) = op.get("x-ms-pageable") {
            paging(d, &at, op, pageable, fail);
        }
    }
}

fn trigger(d: &Value, at: &str, method: &str, op: &Value, fail: &mut impl FnMut(&str, &str)) {
    let kind = op["x-ms-trigger"].as_str().unwrap_or_default();
    if !["single", "batch"].contains(&kind) {
        fail(at, "x-ms-trigger is neither single nor batch");
    }
    if method == "post" {
        return super::rules_webhooks::webhook(d, at, op, fail);
    }
    if method != "get" || parameters(op).any(|p| p["in"] == "body" || p["in"] == "formData") {
        fail(at, "a polling trigger is a get without a body");
    }
    if op["x-ms-trigger-metadata"] != json!({"kind": "query", "mode": "polling"}) {
        fail(at, "x-ms-trigger-metadata is not a polling query");
    }
    hinted_and_named(at, op, fail);
    if parameters(op).any(|p| p["name"] == "since" && p["x-ms-visibility"] != "internal") {
        fail(at, "the cursor parameter is not internal");
    }
    let fired = &op["responses"]["200"];
    if fired.get("headers").is_some() {
        fail(at, "headers on the 200 would become outputs of every run");
    }
    match success_schema(d, op) {
        None => fail(at, "a trigger without a 200 schema"),
        Some(s) if kind == "single" && s["type"] != "object" => {
            fail(at, "a single trigger's 200 is not one object")
        }
        Some(s) if kind == "batch" && !splits(s) => {
            fail(at, "a batch trigger's 200 is not one array to split on")
        }
        Some(_) => {}
    }
    let waiting = &op["responses"]["202"];
    if !waiting.is_object() || waiting.get("schema").is_some() {
        fail(at, "no 202 without a body");
    }
    for (name, kind) in [("Location", "string"), ("Retry-After", "integer")] {
        if waiting["headers"][name]["type"] != kind {
            fail(at, &format!("the 202 does not declare {name} as {kind}"));
        }
    }
    for (name, header) in waiting["headers"].as_object().into_iter().flatten() {
        let known = [
            "type",
            "format",
            "description",
            "x-ms-summary",
            "x-ms-visibility",
        ];
        if header
            .as_object()
            .unwrap()
            .keys()
            .any(|k| !known.contains(&k.as_str()))
        {
            fail(
                at,
                &format!("the header {name} has a key a header may not have"),
            );
        }
    }
}

/// What every trigger shows a maker: a hint, and a summary that starts
/// with When.
pub(super) fn hinted_and_named(at: &str, op: &Value, fail: &mut impl FnMut(&str, &str)) {
    if op["x-ms-trigger-hint"].as_str().is_none_or(str::is_empty) {
        fail(at, "no x-ms-trigger-hint");
    }
    if !op["summary"]
        .as_str()
        .is_some_and(|s| s.starts_with("When "))
    {
        fail(at, "a trigger's summary does not start with When");
    }
}

/// A root array, or an object whose one visible property is an array.
fn splits(schema: &Value) -> bool {
    if schema["type"] == "array" {
        return true;
    }
    let visible: Vec<&Value> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, p)| p)
        .filter(|p| p["x-ms-visibility"] != "internal")
        .collect();
    visible.len() == 1 && visible[0]["type"] == "array"
}

fn paging(d: &Value, at: &str, op: &Value, pageable: &Value, fail: &mut impl FnMut(&str, &str)) {
    let name = pageable["nextLinkName"].as_str().unwrap_or_default();
    if !["nextLink", "@odata.nextLink"].contains(&name) {
        fail(at, "nextLinkName is neither nextLink nor @odata.nextLink");
    }
    if op.get("x-ms-trigger").is_some() {
        fail(at, "a trigger cannot page");
    }
    if success_schema(d, op).is_none_or(|s| s["properties"].get(name).is_none()) {
        fail(at, "the next link is not a root property of the answer");
    }
}

const CREATED: &str = "/paths/~1triggers~1identityCreated/get";
const LIST: &str = "/paths/~1identities/get";

#[test]
fn a_trigger_without_its_kind_metadata_hint_or_when_is_caught() {
    caught("neither single nor batch", |d| {
        at(d, CREATED)["x-ms-trigger"] = json!("each")
    });
    caught("not a polling query", |d| {
        at(d, CREATED)
            .as_object_mut()
            .unwrap()
            .remove("x-ms-trigger-metadata");
    });
    caught("no x-ms-trigger-hint", |d| {
        at(d, CREATED)["x-ms-trigger-hint"] = json!("")
    });
    caught("does not start with When", |d| {
        at(d, CREATED)["summary"] = json!("User created")
    });
    caught("the cursor parameter is not internal", |d| {
        at(d, &format!("{CREATED}/parameters/1"))["x-ms-visibility"] = json!("advanced");
    });
}

#[test]
fn a_trigger_whose_answers_break_the_polling_contract_is_caught() {
    caught("would become outputs", |d| {
        at(d, &format!("{CREATED}/responses/200"))["headers"] =
            json!({"Location": {"type": "string"}});
    });
    caught("not one object", |d| {
        at(d, &format!("{CREATED}/responses/200"))["schema"] =
            json!({"type": "array", "items": {"type": "string"}});
    });
    caught("not one array to split on", |d| {
        at(d, CREATED)["x-ms-trigger"] = json!("batch")
    });
    caught("does not declare Retry-After", |d| {
        at(d, &format!("{CREATED}/responses/202/headers"))
            .as_object_mut()
            .unwrap()
            .remove("Retry-After");
    });
    caught("no 202 without a body", |d| {
        at(d, &format!("{CREATED}/responses/202"))["schema"] = json!({"type": "object"});
    });
    caught("a key a header may not have", |d| {
        at(d, &format!("{CREATED}/responses/202/headers/Retry-After"))["minimum"] = json!(0);
    });
}

#[test]
fn paging_without_a_next_link_in_the_answer_or_on_a_trigger_is_caught() {
    caught("neither nextLink nor @odata.nextLink", |d| {
        at(d, LIST)["x-ms-pageable"] = json!({"nextLinkName": "next"});
    });
    caught("not a root property of the answer", |d| {
        at(d, &format!("{LIST}/responses/200/schema/properties"))
            .as_object_mut()
            .unwrap()
            .remove("nextLink");
    });
    caught("a trigger cannot page", |d| {
        at(d, CREATED)["x-ms-pageable"] = json!({"nextLinkName": "nextLink"});
    });
}

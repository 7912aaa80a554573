//! The `x-ms-` extensions of `flows.rs`'s table, written into the converted
//! operations: a trigger's `x-ms-trigger`, hint and metadata, a pageable
//! action's `x-ms-pageable`, a parameter's dropdown, the hidden connection
//! test and the root's `x-ms-capabilities`, and the response headers a
//! polling engine reads.

use super::ExportError;
use super::flows::{self, Literal};
use super::table::{self, Operation};
use serde_json::{Map, Value, json};

/// Every trigger, polling then webhook.
fn triggers() -> impl Iterator<Item = &'static flows::Trigger> {
    flows::TRIGGERS.iter().chain(flows::WEBHOOK_TRIGGERS.iter())
}

/// The actions, then the triggers.
pub fn all_operations() -> impl Iterator<Item = &'static Operation> {
    table::OPERATIONS
        .iter()
        .chain(triggers().map(|t| &t.operation))
}

/// Whether `operation` registers a webhook trigger: its path item gets the
/// notification's schema.
pub fn is_webhook_trigger(operation: &Operation) -> bool {
    flows::WEBHOOK_TRIGGERS
        .iter()
        .any(|t| t.operation.operation_id == operation.operation_id)
}

/// Adds what `flows.rs` says of `operation` to its converted form.
pub fn operation(operation: &Operation, out: &mut Value) {
    let id = operation.operation_id;
    if let Some(trigger) = triggers().find(|t| t.operation.operation_id == id) {
        out["x-ms-trigger"] = json!("single");
        out["x-ms-trigger-hint"] = json!(trigger.hint);
        if !trigger.webhook {
            out["x-ms-trigger-metadata"] = json!({"kind": "query", "mode": "polling"});
        }
    }
    if let Some((_, next_link)) = flows::PAGEABLE.iter().find(|(op, _)| *op == id) {
        out["x-ms-pageable"] = json!({"nextLinkName": next_link});
    }
    if id == flows::TEST_CONNECTION || id == flows::UNREGISTER {
        out["x-ms-visibility"] = json!("internal");
    }
}

/// Adds the dropdown of the parameter named `exported_name`, if it has one.
pub fn parameter(exported_name: &str, out: &mut Value) {
    let Some((_, dropdown)) = flows::DYNAMIC_VALUES
        .iter()
        .find(|(name, _)| *name == exported_name)
    else {
        return;
    };
    let literals: Map<String, Value> = dropdown
        .parameters
        .iter()
        .map(|(name, value)| ((*name).to_owned(), literal(*value)))
        .collect();
    out["x-ms-dynamic-values"] = json!({
        "operationId": dropdown.operation_id,
        "parameters": literals,
        "value-collection": dropdown.collection,
        "value-path": dropdown.value_path,
        "value-title": dropdown.title_path,
    });
    let wrapped: Map<String, Value> = literals
        .into_iter()
        .map(|(name, value)| (name, json!({"value": value})))
        .collect();
    out["x-ms-dynamic-list"] = json!({
        "operationId": dropdown.operation_id,
        "parameters": wrapped,
        "itemsPath": dropdown.collection,
        "itemValuePath": dropdown.value_path,
        "itemTitlePath": dropdown.title_path,
    });
}

/// The root's `x-ms-capabilities`: the connection test.
pub fn capabilities() -> Value {
    let parameters: Map<String, Value> = flows::TEST_CONNECTION_PARAMETERS
        .iter()
        .map(|(name, value)| ((*name).to_owned(), literal(*value)))
        .collect();
    json!({
        "testConnection": {
            "operationId": flows::TEST_CONNECTION,
            "parameters": parameters,
        }
    })
}

fn literal(value: Literal) -> Value {
    match value {
        Literal::Text(text) => json!(text),
        Literal::Integer(n) => json!(n),
    }
}

/// The Swagger 2.0 `headers` of a response with `status`, when the connector
/// declares them there: a header's type, format and description.
pub fn headers(status: &str, response: &Value, at: &str) -> Result<Option<Value>, ExportError> {
    let Some(headers) = response.get("headers").and_then(Value::as_object) else {
        return Ok(None);
    };
    if !flows::HEADERS_ON.contains(&status) {
        return Ok(None);
    }
    let mut out = Map::new();
    for (name, header) in headers {
        let at = format!("{at} header {name}");
        let kind = header
            .pointer("/schema/type")
            .and_then(Value::as_str)
            .ok_or_else(|| ExportError::at(&at, "a header needs a schema with one type"))?;
        let mut converted = json!({
            "type": kind,
            "description": super::schema::plain_text(&header["description"]),
        });
        if let Some(format) = header.pointer("/schema/format") {
            converted["format"] = format.clone();
        }
        out.insert(name.clone(), converted);
    }
    Ok(Some(Value::Object(out)))
}

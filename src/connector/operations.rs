//! The handlers' operations as connector actions: parameters, request body
//! and responses in Swagger 2.0 form, named and labelled from the table.

use super::ExportError;
use super::extensions::{self, all_operations};
use super::flows;
use super::schema::{Schemas, enum_values, plain_text};
use super::table::{self, Operation, Parameter, Visibility};
use serde_json::{Map, Value, json};

/// The `paths` and `definitions` objects: every operation of the table, and
/// no other than the ones the table leaves out on purpose.
pub fn paths(openapi: &Value) -> Result<(Value, Value), ExportError> {
    let empty = Map::new();
    let components = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let source = openapi
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| ExportError::at("paths", "the OpenAPI document has no paths"))?;
    for (route, item) in source {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            let known = all_operations().any(|o| o.route == route && o.method == method);
            if !known && !table::NOT_EXPORTED.contains(&(method.as_str(), route.as_str())) {
                return Err(ExportError::at(
                    &format!("{method} {route}"),
                    "not in src/connector/table.rs: export it as an action or list it in NOT_EXPORTED",
                ));
            }
        }
    }
    let mut paths = Map::new();
    let mut schemas = Schemas::new(components);
    for operation in all_operations() {
        let at = format!("{} {}", operation.method, operation.route);
        let handler = source
            .get(operation.route)
            .and_then(|item| item.get(operation.method))
            .ok_or_else(|| ExportError::at(&at, "no such operation in the OpenAPI document"))?;
        let converted = convert(operation, handler, &mut schemas, &at)?;
        let item = paths
            .entry(operation.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item");
        item.insert(operation.method.to_owned(), converted);
        if extensions::is_webhook_trigger(operation) {
            let reference =
                json!({"$ref": format!("#/components/schemas/{}", flows::NOTIFICATION_SCHEMA)});
            let schema = schemas.convert(&reference, &format!("{at} notification"))?;
            item.insert(
                "x-ms-notification-content".into(),
                json!({"description": "The event, as commid posts it to the flow.", "schema": schema}),
            );
        }
    }
    Ok((Value::Object(paths), Value::Object(schemas.definitions())))
}

fn convert(
    operation: &Operation,
    handler: &Value,
    schemas: &mut Schemas,
    at: &str,
) -> Result<Value, ExportError> {
    let mut parameters = Vec::new();
    let mut path = operation.route.to_owned();
    for parameter in handler
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (mut converted, entry) = self::parameter(operation, parameter, at)?;
        if let Some((_, version)) = table::API_VERSIONS
            .iter()
            .find(|(route, _)| *route == operation.route)
            .filter(|_| entry.name == "api-version")
        {
            converted["default"] = json!(version);
        }
        if entry.location == "path" {
            let (from, to) = (entry.name, entry.exported_name);
            path = path.replace(&format!("{{{from}}}"), &format!("{{{to}}}"));
        }
        parameters.push(converted);
    }
    if path != operation.path {
        return Err(ExportError::at(
            at,
            format!("the route becomes {path}, not {}", operation.path),
        ));
    }
    if let Some(body) = handler.get("requestBody") {
        parameters.push(request_body(operation, body, schemas, at)?);
    }
    let mut out = json!({
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": operation.description,
        "responses": responses(handler, schemas, at)?,
    });
    if !parameters.is_empty() {
        out["parameters"] = Value::Array(parameters);
    }
    extensions::operation(operation, &mut out);
    Ok(out)
}

/// A path or query parameter of `operation`, and its entry in the table
/// (the action's own, else the shared one).
fn parameter(
    operation: &Operation,
    parameter: &Value,
    at: &str,
) -> Result<(Value, &'static Parameter), ExportError> {
    let name = parameter["name"].as_str().unwrap_or_default();
    let location = parameter["in"].as_str().unwrap_or_default();
    let at = format!("{at} {location} parameter {name}");
    let matches = |p: &Parameter| p.name == name && p.location == location;
    let entry = table::ACTION_PARAMETERS
        .iter()
        .find(|(op, p)| *op == operation.operation_id && matches(p))
        .map(|(_, p)| p)
        .or_else(|| table::PARAMETERS.iter().find(|p| matches(p)))
        .ok_or_else(|| ExportError::at(&at, "not in src/connector/table.rs"))?;
    let kind = parameter
        .pointer("/schema/type")
        .and_then(Value::as_str)
        .ok_or_else(|| ExportError::at(&at, "a parameter needs a schema with one type"))?;
    let mut out = json!({
        "name": entry.exported_name,
        "in": location,
        "required": location == "path" || parameter["required"] == json!(true),
        "type": kind,
        "description": entry.description,
        "x-ms-summary": entry.summary,
    });
    if let Some(visibility) = entry.visibility.as_str() {
        out["x-ms-visibility"] = json!(visibility);
    }
    if let Some(default) = entry.default {
        out["default"] = json!(default);
    }
    if entry.visibility == Visibility::Internal
        && out["required"] == json!(true)
        && entry.default.is_none()
    {
        return Err(ExportError::at(
            &at,
            "an internal parameter needs a default",
        ));
    }
    if entry.url_encoding_single {
        out["x-ms-url-encoding"] = json!("single");
    }
    constraints(parameter, entry, &mut out, &at)?;
    extensions::parameter(entry.exported_name, &mut out);
    Ok((out, entry))
}

/// What the parameter's schema says beyond its type: its format, range
/// and enum (with display names); its default only from the table.
fn constraints(
    parameter: &Value,
    entry: &Parameter,
    out: &mut Value,
    at: &str,
) -> Result<(), ExportError> {
    let schema = &parameter["schema"];
    for key in ["format", "minimum", "maximum", "minLength", "maxLength"] {
        if let Some(value) = schema.get(key) {
            out[key] = value.clone();
        }
    }
    // An internal parameter is fixed by its default: no choice to label.
    if let Some(values) = schema
        .get("enum")
        .filter(|_| entry.visibility != Visibility::Internal)
    {
        out["enum"] = values.clone();
        out["x-ms-enum-values"] =
            enum_values(entry.name, values).map_err(|e| ExportError::at(at, e))?;
    }
    Ok(())
}

fn request_body(
    operation: &Operation,
    body: &Value,
    schemas: &mut Schemas,
    at: &str,
) -> Result<Value, ExportError> {
    let at = format!("{at} request body");
    let schema = body
        .pointer("/content/application~1json/schema")
        .ok_or_else(|| ExportError::at(&at, "only application/json bodies"))?;
    let summary = operation
        .body_summary
        .ok_or_else(|| ExportError::at(&at, "no body_summary in src/connector/table.rs"))?;
    Ok(json!({
        "name": "body",
        "in": "body",
        "required": body.get("required") == Some(&json!(true)),
        "schema": schemas.convert(schema, &at)?,
        "x-ms-summary": summary,
    }))
}

/// The handler's responses, then the standard ones it does not declare.
fn responses(handler: &Value, schemas: &mut Schemas, at: &str) -> Result<Value, ExportError> {
    let mut out = Map::new();
    for (status, response) in handler
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("{at} response {status}");
        let mut converted = json!({"description": plain_text(&response["description"])});
        if let Some(content) = response.get("content").and_then(Value::as_object) {
            let schema = content
                .get("application/json")
                .and_then(|c| c.get("schema"))
                .ok_or_else(|| ExportError::at(&at, "only application/json responses"))?;
            converted["schema"] = schemas.convert(schema, &at)?;
        }
        if let Some(headers) = extensions::headers(status, response, &at)? {
            converted["headers"] = headers;
        }
        out.insert(status.clone(), converted);
    }
    if !out.keys().any(|status| status.starts_with('2')) {
        return Err(ExportError::at(at, "no success response"));
    }
    for (status, description, error_body) in table::STANDARD_RESPONSES {
        if out.contains_key(*status) {
            continue;
        }
        let mut response = json!({"description": description});
        if *error_body {
            let reference =
                json!({"$ref": format!("#/components/schemas/{}", table::ERROR_SCHEMA)});
            response["schema"] = schemas.convert(&reference, at)?;
        }
        out.insert((*status).to_owned(), response);
    }
    Ok(Value::Object(out))
}

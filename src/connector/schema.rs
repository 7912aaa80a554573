//! JSON Schema as utoipa writes it for OpenAPI 3.1, rewritten as the
//! Swagger 2.0 subset Power Platform accepts: references inlined, `null`
//! dropped from types and `oneOf`, and every property labelled from the
//! table. Anything else OpenAPI 3.1 may say is refused, not passed on.

use super::ExportError;
use super::labels;
use super::table::{self, Visibility};
use crate::domain::EventKind;
use serde_json::{Map, Value, json};

/// Formats Power Platform accepts.
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

/// Keywords copied as they are.
const PLAIN: [&str; 10] = [
    "title",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "default",
];

/// Converts schemas, resolving `#/components/schemas/…` in `components`:
/// inlined, but for the ones in [`table::DEFINITIONS`], which become
/// `#/definitions/…` references.
pub struct Schemas<'a> {
    components: &'a Map<String, Value>,
    resolving: Vec<String>,
    definitions: Map<String, Value>,
}

impl<'a> Schemas<'a> {
    pub fn new(components: &'a Map<String, Value>) -> Self {
        Schemas {
            components,
            resolving: Vec::new(),
            definitions: Map::new(),
        }
    }

    /// The `definitions` the converted schemas refer to.
    pub fn definitions(self) -> Map<String, Value> {
        self.definitions
    }

    /// `schema`, found at `at` (for messages), as Swagger 2.0.
    pub fn convert(&mut self, schema: &Value, at: &str) -> Result<Value, ExportError> {
        let object = schema
            .as_object()
            .ok_or_else(|| ExportError::at(at, "a schema must be an object"))?;
        if let Some(reference) = object.get("$ref") {
            if object.len() > 1 {
                return Err(ExportError::at(at, "a $ref with other keywords"));
            }
            return self.component(reference, at);
        }
        if let Some(choices) = object.get("oneOf") {
            return self.nullable(object, choices, at);
        }
        self.plain(object, None, at)
    }

    /// Only `oneOf: [X, {type: null}]`, which is how utoipa writes
    /// `Option<X>`; without `null` it is X.
    fn nullable(
        &mut self,
        object: &Map<String, Value>,
        choices: &Value,
        at: &str,
    ) -> Result<Value, ExportError> {
        let not_null: Vec<&Value> = choices
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c.get("type") != Some(&json!("null")))
            .collect();
        let siblings_ok = object.keys().all(|k| k == "oneOf" || k == "description");
        if !siblings_ok || not_null.len() != 1 {
            return Err(ExportError::at(
                at,
                "oneOf is only convertible as an optional value",
            ));
        }
        let mut converted = self.convert(not_null[0], at)?;
        if let (Some(description), Some(out)) =
            (object.get("description"), converted.as_object_mut())
        {
            out.insert("description".into(), json!(plain_text(description)));
        }
        Ok(converted)
    }

    fn component(&mut self, reference: &Value, at: &str) -> Result<Value, ExportError> {
        let name = reference
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .ok_or_else(|| ExportError::at(at, format!("unsupported $ref {reference}")))?;
        let schema = self
            .components
            .get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| ExportError::at(at, format!("no schema named {name}")))?;
        if table::DEFINITIONS.contains(&name) && self.resolving.is_empty() {
            if !self.definitions.contains_key(name) {
                self.resolving.push(name.to_owned());
                let converted = self.plain(schema, Some(name), name);
                self.resolving.pop();
                self.definitions.insert(name.to_owned(), converted?);
            }
            return Ok(json!({"$ref": format!("#/definitions/{name}")}));
        }
        if self.resolving.iter().any(|n| n == name) {
            return Err(ExportError::at(at, format!("{name} refers to itself")));
        }
        self.resolving.push(name.to_owned());
        let converted = self.plain(schema, Some(name), name);
        self.resolving.pop();
        converted
    }

    /// A schema without `$ref` or `oneOf`; `name` when it is a component.
    fn plain(
        &mut self,
        object: &Map<String, Value>,
        name: Option<&str>,
        at: &str,
    ) -> Result<Value, ExportError> {
        let mut out = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for (key, value) in object {
            match key.as_str() {
                "type" => {
                    out.insert(key.clone(), json!(single_type(value, at)?));
                }
                "format" => {
                    let format = value.as_str().unwrap_or_default();
                    if !FORMATS.contains(&format) {
                        return Err(ExportError::at(at, format!("format {format}")));
                    }
                    out.insert(key.clone(), value.clone());
                }
                "description" => {
                    out.insert(key.clone(), json!(plain_text(value)));
                }
                "enum" => {
                    out.insert(key.clone(), value.clone());
                    let name = name.ok_or_else(|| {
                        ExportError::at(at, "an enum must be a named schema to get display names")
                    })?;
                    out.insert("x-ms-enum-values".into(), enum_values(name, value)?);
                }
                "items" => {
                    let items = self.convert(value, &format!("{at}[]"))?;
                    out.insert(key.clone(), items);
                }
                "properties" => {
                    let owner = name.ok_or_else(|| {
                        ExportError::at(at, "properties must sit in a named schema to get labels")
                    })?;
                    let mut properties = Map::new();
                    for (property, schema) in value.as_object().into_iter().flatten() {
                        let (converted, always) = self.property(owner, property, schema)?;
                        if always {
                            required.push(json!(property));
                        }
                        properties.insert(property.clone(), converted);
                    }
                    out.insert(key.clone(), Value::Object(properties));
                }
                "required" => required.extend(value.as_array().into_iter().flatten().cloned()),
                // Swagger 2.0 schemas cannot say it; the description does.
                "deprecated" => {}
                plain if PLAIN.contains(&plain) => {
                    out.insert(key.clone(), value.clone());
                }
                other => {
                    return Err(ExportError::at(
                        at,
                        format!("the keyword {other} has no Swagger 2.0 form here"),
                    ));
                }
            }
        }
        let mut unique: Vec<Value> = Vec::new();
        for r in required {
            if !unique.contains(&r) {
                unique.push(r);
            }
        }
        if !unique.is_empty() {
            out.insert("required".into(), Value::Array(unique));
        }
        if !out.contains_key("type") {
            return Err(ExportError::at(at, "a schema without a type"));
        }
        Ok(Value::Object(out))
    }

    /// A property, labelled from the table; `true` when it must be sent.
    fn property(
        &mut self,
        owner: &str,
        name: &str,
        schema: &Value,
    ) -> Result<(Value, bool), ExportError> {
        let at = format!("{owner}.{name}");
        let entry = labels::PROPERTIES
            .iter()
            .find(|p| p.schema == owner && p.name == name)
            .ok_or_else(|| {
                ExportError::at(&at, "no x-ms-summary for it in src/connector/labels.rs")
            })?;
        let mut converted = self.convert(schema, &at)?;
        let out = converted.as_object_mut().expect("a converted schema");
        out.insert("x-ms-summary".into(), json!(entry.summary));
        if let Some(visibility) = entry.visibility.as_str() {
            out.insert("x-ms-visibility".into(), json!(visibility));
        }
        if let Some(description) = entry.description {
            out.insert("description".into(), json!(description));
        }
        if let Some(format) = entry.format {
            out.insert("format".into(), json!(format));
        }
        if let Some(default) = entry.default {
            let value = serde_json::from_str(default)
                .map_err(|e| ExportError::at(&at, format!("default {default}: {e}")))?;
            out.insert("default".into(), value);
        }
        if entry.notification_url {
            out.insert("x-ms-notification-url".into(), json!(true));
        }
        if entry.visibility == Visibility::Internal
            && entry.required
            && !entry.notification_url
            && !out.contains_key("default")
        {
            return Err(ExportError::at(
                &at,
                "an internal property a maker must send needs a default",
            ));
        }
        Ok((converted, entry.required))
    }
}

/// `"string"`, or `["string", "null"]` without the `null`.
fn single_type(value: &Value, at: &str) -> Result<String, ExportError> {
    let types: Vec<&str> = match value {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    match types.as_slice() {
        [t] | [t, "null"] | ["null", t] if *t != "null" => Ok((*t).to_owned()),
        _ => Err(ExportError::at(
            at,
            format!("the type {value} is not one type"),
        )),
    }
}

pub fn enum_values(name: &str, values: &Value) -> Result<Value, ExportError> {
    // The kinds of event name themselves, where they are declared.
    let declared: Vec<(&str, &str)> = match name {
        "EventKind" => EventKind::ALL
            .iter()
            .map(|k| (k.name(), k.spec().label))
            .collect(),
        "WebhookEventType" => EventKind::ALL
            .iter()
            .map(|k| (k.spec().webhook_type, k.spec().label))
            .collect(),
        _ => Vec::new(),
    };
    let names = if declared.is_empty() {
        labels::ENUMS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, names)| *names)
            .ok_or_else(|| ExportError::at(name, "no display names in src/connector/labels.rs"))?
    } else {
        declared.as_slice()
    };
    let mut out = Vec::new();
    for value in values.as_array().into_iter().flatten() {
        let text = value.as_str().unwrap_or_default();
        let display = names
            .iter()
            .find(|(v, _)| *v == text)
            .map(|(_, d)| *d)
            .ok_or_else(|| ExportError::at(name, format!("no display name for {value}")))?;
        out.push(json!({"value": value, "displayName": display}));
    }
    Ok(Value::Array(out))
}

/// Doc-comment text as a maker reads it: one line, no Markdown backticks.
pub fn plain_text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

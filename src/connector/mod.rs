//! The Power Automate custom connector, derived from the handlers' own
//! OpenAPI 3.1 document (which the caller passes in: the server and the CLI
//! take it from `router::openapi`): Power Platform accepts only Swagger 2.0, so
//! [`api_definition`] converts it and adds the annotations utoipa cannot
//! place, from the one table in `table.rs` and `labels.rs`. Pure functions of
//! their inputs: this module knows nothing of the HTTP layer.
//! [`export`] writes `apiDefinition.swagger.json` and `apiProperties.json`;
//! the copies at the repository root are its output with [`Options::default`].

pub mod entra;
mod extensions;
pub mod flows;
mod labels;
mod operations;
mod properties;
mod schema;
pub mod table;

pub use properties::api_properties;
pub use table::{BRAND_COLOR, DEFAULT_HOST};

use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

pub const DEFINITION_FILE: &str = "apiDefinition.swagger.json";
pub const PROPERTIES_FILE: &str = "apiProperties.json";

/// Why the OpenAPI document has no connector form, or the files could not
/// be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Where in the document, and what has no connector form.
    #[error("{0}")]
    Unconvertible(String),
    #[error(
        "'{0}' is not a host: expected a name or IPv4 address with an optional :port, for example identity.example.com"
    )]
    NotAHost(String),
    #[error("cannot create {}", .0.display())]
    CreateDir(PathBuf, #[source] std::io::Error),
    #[error("cannot write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
}

impl ExportError {
    fn at(at: &str, problem: impl std::fmt::Display) -> Self {
        ExportError::Unconvertible(format!("{at}: {problem}"))
    }
}

/// What `commid connector export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `host[:port]` of the commid server.
    pub host: String,
    /// Whether `apiProperties.json` names a `stackOwner`.
    pub stack_owner: bool,
    /// Sign makers in with Microsoft Entra ID instead of a connection
    /// string (see [`entra`]).
    pub entra: Option<entra::EntraSignIn>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: DEFAULT_HOST.to_owned(),
            stack_owner: true,
            entra: None,
        }
    }
}

/// The connector's Swagger 2.0 definition of the handlers' OpenAPI 3.1
/// document (as JSON), calling `host`.
pub fn api_definition(openapi: &Value, host: &str) -> Result<Value, ExportError> {
    let host = normalize_host(host)?;
    let version = openapi
        .pointer("/info/version")
        .cloned()
        .unwrap_or_else(|| json!("1.0"));
    let metadata: Vec<Value> = table::METADATA
        .iter()
        .map(|(name, value)| json!({"propertyName": name, "propertyValue": value}))
        .collect();
    let (paths, definitions) = operations::paths(openapi)?;
    Ok(sorted(json!({
        "swagger": "2.0",
        "info": {
            "title": table::TITLE,
            "description": table::DESCRIPTION,
            "version": version,
        },
        "host": host,
        "basePath": "/",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions,
        "securityDefinitions": {
            properties::API_KEY: {"type": "apiKey", "in": "header", "name": "Connection-String"}
        },
        "security": [{properties::API_KEY: []}],
        "x-ms-connector-metadata": metadata,
        "x-ms-capabilities": extensions::capabilities(),
    })))
}

/// `host[:port]` as Swagger's `host` takes it. A URL's scheme and final
/// slash are dropped, so `https://identity.example.com/` works too.
pub fn normalize_host(input: &str) -> Result<String, ExportError> {
    let trimmed = input.trim();
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed)
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    if name_ok && port_ok {
        Ok(host)
    } else {
        Err(ExportError::NotAHost(crate::domain::quote(input)))
    }
}

/// The document with every object's keys in order, so that its text does not
/// depend on the order of utoipa's maps.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The text of a file: sorted keys, two-space indent, a final newline.
pub fn render(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value.clone())).expect("JSON serializes");
    text.push('\n');
    text
}

/// Writes both files for the handlers' `openapi` document into `dir` (made
/// if missing); returns their paths.
pub fn export(openapi: &Value, dir: &Path, options: &Options) -> Result<[PathBuf; 2], ExportError> {
    let mut definition = api_definition(openapi, &options.host)?;
    let mut properties = api_properties(options.stack_owner);
    if let Some(entra) = &options.entra {
        entra::secure_definition(&mut definition, entra);
        entra::secure_properties(&mut properties, entra);
    }
    let (definition, properties) = (render(&definition), render(&properties));
    std::fs::create_dir_all(dir).map_err(|e| ExportError::CreateDir(dir.to_owned(), e))?;
    let paths = [dir.join(DEFINITION_FILE), dir.join(PROPERTIES_FILE)];
    for (path, text) in paths.iter().zip([definition, properties]) {
        std::fs::write(path, text).map_err(|e| ExportError::Write(path.clone(), e))?;
    }
    Ok(paths)
}

//! 405 with `Allow`: a request whose path is one of ours but whose method is
//! not. The methods come from the OpenAPI document (each path template and
//! the operations it lists), read once when the app is built; routes outside
//! the document (the portal, Swagger UI, `/openapi.json`,
//! `/apiDefinition.swagger.json`, `/metrics`) are all `GET`. Whether a path
//! is ours is actix's own routing, without the method guards.

use crate::error::ApiError;
use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest};
use std::collections::HashMap;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};

/// A request that no route took: the default service answered it (404 or
/// 405). Metrics count it as `unmatched`, whatever path it names.
#[derive(Debug, Clone, Copy)]
pub struct Unrouted;

/// The methods of each path template of the OpenAPI document.
#[derive(Default)]
pub struct AllowTable {
    /// Template → `GET, DELETE`.
    by_template: HashMap<String, String>,
}

/// What routes outside the document answer to.
const OUTSIDE_DOCUMENT: &str = "GET";

impl AllowTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let by_template = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods: Vec<&str> = operations(item).map(|(m, _)| m).collect();
                (template.clone(), methods.join(", "))
            })
            .collect();
        AllowTable { by_template }
    }

    /// The `Allow` value of a route template actix matched.
    fn allow(&self, template: &str) -> &str {
        self.by_template
            .get(template)
            .map_or(OUTSIDE_DOCUMENT, String::as_str)
    }
}

/// The operations of a path item with their methods, in a fixed order.
pub fn operations(item: &PathItem) -> impl Iterator<Item = (&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
        ("HEAD", &item.head),
        ("PATCH", &item.patch),
        ("TRACE", &item.trace),
        ("QUERY", &item.query),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|o| (method, o)))
}

/// The operation of `method` (as [`operations`] names it) in a path item.
pub fn operation_mut<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Operation> {
    match method {
        "GET" => item.get.as_mut(),
        "PUT" => item.put.as_mut(),
        "POST" => item.post.as_mut(),
        "DELETE" => item.delete.as_mut(),
        "OPTIONS" => item.options.as_mut(),
        "HEAD" => item.head.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "TRACE" => item.trace.as_mut(),
        "QUERY" => item.query.as_mut(),
        _ => None,
    }
}

/// The document's template of an actix route pattern: the same, less any
/// regular expression a segment is constrained by (`{id:[^:/][^/]*}` is
/// `{id}`), as utoipa writes it into the document.
pub fn document_template(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains(':') {
        return pattern.into();
    }
    let mut template = String::with_capacity(pattern.len());
    let mut in_constraint = false;
    let mut depth = 0;
    for c in pattern.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    in_constraint = false;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    in_constraint = false;
                    template.push(c);
                    continue;
                }
            }
            ':' if depth == 1 => in_constraint = true,
            _ => {}
        }
        if !in_constraint {
            template.push(c);
        }
    }
    template.into()
}

/// The default service: 405 with `Allow` for a path some route has, 404
/// otherwise, both in the error envelope.
pub async fn fallback(req: HttpRequest, table: Data<AllowTable>) -> Result<(), ApiError> {
    req.extensions_mut().insert(Unrouted);
    // Guard-less: the template whatever the method (`{id}` is one segment).
    match req.resource_map().match_pattern(req.path()) {
        Some(pattern) => Err(ApiError::method_not_allowed(
            req.method().as_str(),
            req.path(),
            table.allow(&document_template(&pattern)),
        )),
        None => Err(ApiError::route_not_found(req.method().as_str(), req.path())),
    }
}

#[cfg(test)]
mod tests {
    use super::document_template;

    #[test]
    fn a_constrained_segment_reads_as_the_documents_template() {
        assert_eq!(
            document_template("/identities/{id:[^:/][^/]*}"),
            "/identities/{id}"
        );
        assert_eq!(
            document_template("/identities/{id:[^:/][^/]*}/:issueAccessToken"),
            "/identities/{id}/:issueAccessToken"
        );
        for plain in ["/identities/:count", "/identities/{id}", "/healthz"] {
            assert_eq!(document_template(plain), plain);
        }
    }
}

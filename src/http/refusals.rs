//! The refusals any authenticated operation may answer, whatever it does,
//! added to each one's responses in one place: the document says every
//! status the server can give.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, OpenApi, Ref, ResponseBuilder, Schema,
};

/// Status, description, and whether the answer carries `Retry-After`.
const ALWAYS: [(&str, &str, bool); 3] = [
    (
        "401",
        "Not authenticated: no credentials, or a wrong key.",
        false,
    ),
    (
        "429",
        "Too many requests: the resource is over its rate limit, or the client's address failed authentication too often; retry after Retry-After seconds.",
        true,
    ),
    (
        "503",
        "The store is unavailable or busy; retry after Retry-After seconds.",
        true,
    ),
];

const WITH_BODY: (&str, &str) = ("413", "The request body is over the size limit.");

/// Pass-through: what an upstream ACS resource may cause.
const FORWARDED: [(&str, &str); 2] = [
    (
        "502",
        "Pass-through: the ACS resource could not be reached, refused TLS or gave an answer that is not relayed.",
    ),
    (
        "504",
        "Pass-through: the ACS resource did not answer within the budget.",
    ),
];

/// Tags of the operations ACS defines, which pass-through forwards.
const FORWARDED_TAGS: [&str; 2] = ["Identity", "Token"];

pub fn add(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if operation.security.is_some() {
                add_to(operation);
            }
        }
    }
}

fn add_to(operation: &mut Operation) {
    for (status, description, retry_after) in ALWAYS {
        insert(operation, status, description, retry_after);
    }
    if operation.request_body.is_some() {
        insert(operation, WITH_BODY.0, WITH_BODY.1, false);
    }
    let forwarded = operation
        .tags
        .iter()
        .flatten()
        .any(|t| FORWARDED_TAGS.contains(&t.as_str()));
    if forwarded {
        for (status, description) in FORWARDED {
            insert(operation, status, description, false);
        }
    }
}

/// What an operation a Bearer token's principal may call only with some
/// roles answers to one without them.
pub fn add_forbidden(operation: &mut Operation) {
    insert(
        operation,
        "403",
        "AuthorizationFailed: the Bearer token's principal holds no role on the resource that allows the operation.",
        false,
    );
}

fn insert(operation: &mut Operation, status: &str, description: &str, retry_after: bool) {
    if operation.responses.responses.contains_key(status) {
        return;
    }
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorResponse")))
            .build(),
    );
    if retry_after {
        let seconds: Schema = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(1.0))
            .into();
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(seconds))
                .description(Some("Seconds to wait before retrying."))
                .build(),
        );
    }
    operation
        .responses
        .responses
        .insert(status.to_owned(), response.build().into());
}

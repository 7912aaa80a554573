//! The query parameters of the directory's operations: read from the
//! request with the domain's checks, and described in the OpenAPI document
//! with the domain's schemas, so the two cannot drift apart.

use crate::domain::{ApiVersion, CustomId, CustomIdPrefix, ListFilter, Order, PageSize};
use crate::error::ApiError;
use crate::http::ApiRequest;
use crate::http::paging::{continuation_schema, cursor_schema};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr, Required, Schema, SchemaFormat};
use utoipa::{IntoParams, PartialSchema};

/// The filters a list or a count takes, read from the query.
pub struct DirectoryQuery {
    pub filter: ListFilter,
}

impl DirectoryQuery {
    pub fn read(req: &ApiRequest) -> Result<Self, ApiError> {
        let filter = ListFilter::parse(|name| req.param(name)).map_err(ApiError::validation)?;
        Ok(DirectoryQuery { filter })
    }
}

fn query(name: &str, description: &str, schema: RefOr<Schema>, required: bool) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn date_time() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .into()
}

fn filter_params() -> Vec<Parameter> {
    vec![
        query(
            "api-version",
            "Version of API to invoke.",
            ApiVersion::schema(),
            true,
        ),
        query(
            "customId",
            "Only the identity with this custom id.",
            CustomId::schema(),
            false,
        ),
        query(
            CustomIdPrefix::PARAMETER,
            "Only identities whose custom id starts with this, compared exactly (case counts; \
             `%`, `_` and `\\` are plain characters). A list with it runs in custom id order.",
            CustomIdPrefix::schema(),
            false,
        ),
        query(
            "createdAfter",
            "Only identities created after this time.",
            date_time(),
            false,
        ),
        query(
            "createdBefore",
            "Only identities created before this time.",
            date_time(),
            false,
        ),
        query(
            "lastTokenIssuedBefore",
            "Only idle identities: their last token is older than this, or they never had one and were created before it.",
            date_time(),
            false,
        ),
    ]
}

/// The parameters of a count.
pub struct FilterParams;

impl IntoParams for FilterParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        filter_params()
    }
}

/// The parameters of a list: the filters, the order, the page size and
/// the continuation token.
pub struct ListQueryParams;

impl IntoParams for ListQueryParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = filter_params();
        params.push(query(
            "order",
            "asc: oldest first (creation order); desc: newest first. With customIdPrefix: \
             in custom id order (by character code), asc from the lowest, desc from the highest.",
            Order::schema(),
            false,
        ));
        params.push(query(
            "maxPageSize",
            "Identities per page, at most.",
            PageSize::schema(),
            false,
        ));
        params.push(query(
            "continuationToken",
            "Where the page starts: only ever taken from a nextLink.",
            continuation_schema(),
            false,
        ));
        params
    }
}

/// The parameters of the change feed.
pub struct FeedParams;

impl IntoParams for FeedParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query(
                "api-version",
                "Version of API to invoke.",
                ApiVersion::schema(),
                true,
            ),
            query(
                "since",
                "The cursor of the last answer; without it the feed starts at its current end.",
                cursor_schema(),
                false,
            ),
            query(
                "maxPageSize",
                "Events per answer, at most.",
                PageSize::schema(),
                false,
            ),
        ]
    }
}

//! Continuation tokens and feed cursors: opaque to clients, signed with the
//! paging secret every instance shares (`Store::paging_secret`), bound to
//! the resource (and for a list, its order and filters), so that a token
//! another resource got, or one altered, is refused with 400 instead of
//! reading the wrong page. Their form (two base64url parts of fixed
//! lengths) is stated in the OpenAPI document; which values are real, only
//! the server can tell.

use crate::domain::{FeedPosition, Invalid, ListFilter, ListPosition, Order, ResourceId, Secret};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// Bytes of the signature a token carries.
const TAG_BYTES: usize = 16;

/// Bytes of a cursor's payload, a feed position.
const CURSOR_BYTES: usize = size_of::<u64>();

/// The schema of a feed cursor (`since`): its form, not its validity.
pub fn cursor_schema() -> RefOr<Schema> {
    sealed_schema(CURSOR_BYTES, CURSOR_BYTES)
}

/// The schema of a list's `continuationToken`: its form, not its validity.
/// Its payload is a position: an identity's id, or in a list by custom id
/// prefix a custom id.
pub fn continuation_schema() -> RefOr<Schema> {
    sealed_schema(ListPosition::MIN_TEXT_BYTES, ListPosition::MAX_TEXT_BYTES)
}

/// `payload.tag`, each base64url without padding, the payload of `min` to
/// `max` bytes.
fn sealed_schema(min: usize, max: usize) -> RefOr<Schema> {
    let chars = |bytes: usize| (bytes * 4).div_ceil(3);
    let payload = if min == max {
        chars(min).to_string()
    } else {
        format!("{},{}", chars(min), chars(max))
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(format!(
            "^[A-Za-z0-9_-]{{{payload}}}\\.[A-Za-z0-9_-]{{{}}}$",
            chars(TAG_BYTES)
        )))
        .into()
}

pub struct PagingKey(Vec<u8>);

impl PagingKey {
    pub fn new(secret: &Secret) -> Self {
        let bytes = STANDARD
            .decode(secret.expose())
            .unwrap_or_else(|_| secret.expose().as_bytes().to_vec());
        PagingKey(bytes)
    }

    fn mac(&self, kind: &str, resource: ResourceId, context: &str, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        for part in [
            kind.as_bytes(),
            resource.to_string().as_bytes(),
            context.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.update(payload);
        mac
    }

    fn seal(&self, kind: &str, resource: ResourceId, context: &str, payload: &[u8]) -> String {
        let tag = self
            .mac(kind, resource, context, payload)
            .finalize()
            .into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    fn open(
        &self,
        kind: &str,
        resource: ResourceId,
        context: &str,
        token: &str,
        invalid: impl Fn() -> Invalid,
    ) -> Result<Vec<u8>, Invalid> {
        let (payload, tag) = token.split_once('.').ok_or_else(&invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac(kind, resource, context, &payload)
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        if tag.len() != TAG_BYTES {
            return Err(invalid());
        }
        Ok(payload)
    }

    /// A token for the page after `after`, of `resource` listed in `order`
    /// with `filter`.
    pub fn continuation(
        &self,
        resource: ResourceId,
        filter: &ListFilter,
        order: Order,
        after: &ListPosition,
    ) -> String {
        let context = list_context(filter, order);
        self.seal("list", resource, &context, after.as_text().as_bytes())
    }

    /// Where the page a token names starts; refused when the token is not
    /// one this service made for the same resource, order and filters.
    pub fn read_continuation(
        &self,
        token: &str,
        resource: ResourceId,
        filter: &ListFilter,
        order: Order,
    ) -> Result<ListPosition, Invalid> {
        let invalid = || {
            Invalid::new(
                "continuationToken is not one this service gave for this list: \
                 follow nextLink as it came, with the same filters, or start again without it.",
                "continuationToken",
            )
        };
        let payload = self.open(
            "list",
            resource,
            &list_context(filter, order),
            token,
            invalid,
        )?;
        let text = String::from_utf8(payload).map_err(|_| invalid())?;
        ListPosition::parse(&text, filter).map_err(|_| invalid())
    }

    /// The cursor of `position` in the feed of `resource`.
    pub fn cursor(&self, resource: ResourceId, position: FeedPosition) -> String {
        self.seal("feed", resource, "", &position.0.to_be_bytes())
    }

    pub fn read_cursor(&self, cursor: &str, resource: ResourceId) -> Result<FeedPosition, Invalid> {
        let invalid = || {
            Invalid::new(
                "since is not a cursor this service gave for this resource's feed: \
                 pass the cursor of the last answer, or leave since out to start at the end.",
                "since",
            )
        };
        let payload = self.open("feed", resource, "", cursor, invalid)?;
        let bytes: [u8; CURSOR_BYTES] = payload.try_into().map_err(|_| invalid())?;
        Ok(FeedPosition(u64::from_be_bytes(bytes)))
    }
}

fn list_context(filter: &ListFilter, order: Order) -> String {
    let mut context = order.as_str().to_owned();
    for (name, value) in filter.query_pairs() {
        context.push('\n');
        context.push_str(name);
        context.push('=');
        context.push_str(&value);
    }
    context
}

/// `?api-version=…&name=value…` with the values percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    query.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PagingKey {
        PagingKey::new(&Secret::new(STANDARD.encode([7u8; 32])))
    }

    #[test]
    fn a_continuation_token_reads_back_only_for_its_resource_order_and_filters() {
        let resource = ResourceId::generate();
        let id = ListPosition::Identity(crate::domain::IdentityId::generate(resource));
        let filter = ListFilter::default();
        let token = key().continuation(resource, &filter, Order::OldestFirst, &id);
        assert_eq!(
            key()
                .read_continuation(&token, resource, &filter, Order::OldestFirst)
                .unwrap(),
            id
        );
        for (r, o) in [
            (ResourceId::generate(), Order::OldestFirst),
            (resource, Order::NewestFirst),
        ] {
            let err = key().read_continuation(&token, r, &filter, o).unwrap_err();
            assert_eq!(err.target, Some("continuationToken"));
        }
        let other_filter = ListFilter {
            created_after: Some(crate::domain::Timestamp::from_micros(1)),
            ..ListFilter::default()
        };
        assert!(
            key()
                .read_continuation(&token, resource, &other_filter, Order::OldestFirst)
                .is_err()
        );
    }

    #[test]
    fn a_token_of_a_list_by_prefix_carries_a_custom_id_and_is_bound_to_that_prefix() {
        use crate::domain::{CustomId, CustomIdPrefix, Member};
        let resource = ResourceId::generate();
        let by = |p: &str| ListFilter {
            custom_id_prefix: Some(CustomIdPrefix::parse(p).unwrap()),
            ..ListFilter::default()
        };
        let after =
            ListPosition::CustomId(CustomId::parse("team-%_\\7".into(), Member::CustomId).unwrap());
        let token = key().continuation(resource, &by("team"), Order::NewestFirst, &after);
        assert_eq!(
            key()
                .read_continuation(&token, resource, &by("team"), Order::NewestFirst)
                .unwrap(),
            after
        );
        for filter in [by("tea"), by("Team"), ListFilter::default()] {
            assert!(
                key()
                    .read_continuation(&token, resource, &filter, Order::NewestFirst)
                    .is_err()
            );
        }
    }

    #[test]
    fn an_altered_or_foreign_token_or_cursor_is_refused() {
        let resource = ResourceId::generate();
        let cursor = key().cursor(resource, FeedPosition(41));
        assert_eq!(
            key().read_cursor(&cursor, resource).unwrap(),
            FeedPosition(41)
        );
        let forged = key().cursor(resource, FeedPosition(1));
        let spliced = format!(
            "{}.{}",
            cursor.split('.').next().unwrap(),
            forged.split('.').nth(1).unwrap()
        );
        for bad in [spliced.as_str(), "", "x", "AAAA.BBBB", "%%%.%%%"] {
            assert_eq!(
                key().read_cursor(bad, resource).unwrap_err().target,
                Some("since"),
                "{bad}"
            );
        }
        let other_key = PagingKey::new(&Secret::new(STANDARD.encode([8u8; 32])));
        assert!(other_key.read_cursor(&cursor, resource).is_err());
    }

    fn validator(schema: RefOr<Schema>) -> jsonschema::Validator {
        jsonschema::validator_for(&serde_json::to_value(schema).unwrap()).unwrap()
    }

    #[test]
    fn the_documented_form_holds_every_cursor_and_token_and_no_other_form_is_read() {
        let (cursors, tokens) = (validator(cursor_schema()), validator(continuation_schema()));
        let resource = ResourceId::generate();
        let filter = ListFilter::default();
        for position in [0, 1, 41, u64::MAX] {
            let cursor = key().cursor(resource, FeedPosition(position));
            assert!(cursors.is_valid(&serde_json::json!(cursor)), "{cursor}");
            assert!(!tokens.is_valid(&serde_json::json!(cursor)), "{cursor}");
        }
        for _ in 0..100 {
            let id = ListPosition::Identity(crate::domain::IdentityId::generate(resource));
            for order in [Order::OldestFirst, Order::NewestFirst] {
                let token = key().continuation(resource, &filter, order, &id);
                assert!(tokens.is_valid(&serde_json::json!(token)), "{token}");
                assert!(!cursors.is_valid(&serde_json::json!(token)), "{token}");
            }
        }
        // A list by custom id prefix: custom ids of one to 256 characters
        // of one to four bytes each.
        let by_prefix = ListFilter {
            custom_id_prefix: Some(crate::domain::CustomIdPrefix::parse("a").unwrap()),
            ..ListFilter::default()
        };
        for custom_id in [
            "a".to_owned(),
            "é".repeat(256),
            "😀".repeat(256),
            "a".repeat(9),
        ] {
            let after = ListPosition::CustomId(
                crate::domain::CustomId::parse(custom_id, crate::domain::Member::CustomId).unwrap(),
            );
            let token = key().continuation(resource, &by_prefix, Order::OldestFirst, &after);
            assert!(tokens.is_valid(&serde_json::json!(token)), "{token}");
            assert!(!cursors.is_valid(&serde_json::json!(token)), "{token}");
        }
        // Neither the other form nor padding, a standard base64 alphabet,
        // a cut or a lengthened part is read.
        let cursor = key().cursor(resource, FeedPosition(7));
        let (payload, tag) = cursor.split_once('.').unwrap();
        for bad in [
            String::new(),
            payload.to_owned(),
            format!("{payload}.{tag}="),
            format!("{payload}.{tag}A"),
            format!("{payload}.{}", &tag[1..]),
            format!("{payload}A.{tag}"),
            format!(
                "{payload}.{}",
                tag.replace(|c: char| c.is_ascii_alphabetic(), "+")
            ),
            format!("{payload}:{tag}"),
        ] {
            assert!(!cursors.is_valid(&serde_json::json!(bad)), "{bad}");
            assert!(key().read_cursor(&bad, resource).is_err(), "{bad}");
        }
    }
}

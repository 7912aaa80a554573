//! Listing identities, for every backend: a resource's identities are the
//! ids that start with `8:acs:<resource id>_`, and their time-ordered
//! (version 7) GUIDs make id order creation order, so a page is a range scan
//! of the primary key. Time filters narrow the range, with a margin, and are
//! then checked exactly; the other filters are checked row by row.
//!
//! With a custom id prefix, a page is instead a range scan of the
//! `(resource_id, custom_id)` index, in custom id order: the custom ids from
//! the prefix up to its upper bound ([`CustomIdRange`]). Only live
//! identities have a custom id, so that range holds no tombstone.

use super::{IdentityPage, IdentityRecord, ListQuery};
use crate::domain::{ListFilter, ListPosition, Order, Timestamp};

/// Rows a page examines at most. A page of filtered rows stops there and
/// says where to resume, so that no call scans a large store.
pub const SCAN_BUDGET: usize = 2_000;

/// How far the time in an id may be from `createdAt` (both read from the
/// clock, microseconds apart): the range is widened by this much.
const CLOCK_MARGIN_MS: i64 = 1_000;

/// The exclusive id bounds `(low, high)` of the rows a page may hold.
pub fn bounds(query: &ListQuery) -> (String, String) {
    let prefix = format!("8:acs:{}_", query.resource);
    // '`' follows '_': every id of the resource sorts below this.
    let mut low = prefix.clone();
    let mut high = format!("8:acs:{}`", query.resource);
    if let Some(after) = query.filter.created_after {
        low = low.max(format!("{prefix}{}", time_prefix(after, -CLOCK_MARGIN_MS)));
    }
    if let Some(before) = query.filter.created_before {
        high = high.min(format!(
            "{prefix}{}",
            time_prefix(before, CLOCK_MARGIN_MS + 1)
        ));
    }
    if let Some(ListPosition::Identity(after)) = &query.after {
        match query.order {
            Order::OldestFirst => low = low.max(after.to_string()),
            Order::NewestFirst => high = high.min(after.to_string()),
        }
    }
    (low, high)
}

/// The custom ids a page by prefix may hold: from `low` (included when
/// `low_inclusive`) up to `high` (excluded; no bound when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomIdRange {
    pub low: String,
    pub low_inclusive: bool,
    pub high: Option<String>,
}

/// The three shapes a range by prefix takes (from the prefix `team`: whole,
/// resumed after `team-7`, without an upper bound): what the backends'
/// query-plan tests explain.
#[cfg(test)]
pub fn sample_ranges() -> Vec<CustomIdRange> {
    let prefix = crate::domain::CustomIdPrefix::parse("team").unwrap();
    let whole = CustomIdRange {
        low: prefix.as_str().into(),
        low_inclusive: true,
        high: prefix.upper_bound(),
    };
    let resumed = CustomIdRange {
        low: "team-7".into(),
        low_inclusive: false,
        ..whole.clone()
    };
    let unbounded = CustomIdRange {
        high: None,
        ..whole.clone()
    };
    vec![whole, resumed, unbounded]
}

/// The range of a query by custom id prefix, narrowed by where the
/// previous page ended; `None` when the query has no prefix.
pub fn custom_id_range(query: &ListQuery) -> Option<CustomIdRange> {
    let prefix = query.filter.custom_id_prefix.as_ref()?;
    let mut range = CustomIdRange {
        low: prefix.as_str().to_owned(),
        low_inclusive: true,
        high: prefix.upper_bound(),
    };
    if let Some(ListPosition::CustomId(after)) = &query.after {
        let after = after.as_str().to_owned();
        match query.order {
            Order::OldestFirst if after >= range.low => {
                range.low = after;
                range.low_inclusive = false;
            }
            Order::NewestFirst => {
                range.high = Some(range.high.map_or(after.clone(), |h| h.min(after)));
            }
            Order::OldestFirst => {}
        }
    }
    Some(range)
}

/// The first twelve hex digits of a version 7 GUID made at `at` (plus a
/// margin), hyphenated as the id writes them.
fn time_prefix(at: Timestamp, margin_ms: i64) -> String {
    let ms = (at.micros().div_euclid(1_000) + margin_ms).clamp(0, (1 << 48) - 1);
    format!("{:08x}-{:04x}", ms >> 16, ms & 0xffff)
}

/// How many rows to read for a page: one more than the page (to know
/// whether more follow) when every row read passes the filters but for
/// tombstones, the scan budget when filters are checked row by row. A
/// prefix is not: its range holds exactly the custom ids it admits.
pub fn fetch_size(query: &ListQuery) -> usize {
    let checked = ListFilter {
        custom_id_prefix: None,
        ..query.filter.clone()
    };
    if checked.is_empty() {
        query.limit + 1
    } else {
        SCAN_BUDGET.max(query.limit + 1)
    }
}

/// The page made of `rows` (read in the query's order, at most
/// [`fetch_size`] of them): the live rows that pass the filters, up to the
/// limit, and where to resume when more may follow.
pub fn page(query: &ListQuery, rows: Vec<IdentityRecord>) -> IdentityPage {
    let examined_all = rows.len() < fetch_size(query);
    let position = |r: &IdentityRecord| query.filter.position(r.id, r.custom_id.as_ref());
    let last_examined = rows.last().and_then(position);
    let mut items = Vec::with_capacity(query.limit);
    let mut full_at: Option<ListPosition> = None;
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        if row.is_deleted()
            || !query.filter.admits(
                row.custom_id.as_ref(),
                row.created_at,
                row.last_token_issued_at,
            )
        {
            continue;
        }
        items.push(row);
        if items.len() == query.limit {
            if rows.peek().is_some() || !examined_all {
                full_at = items.last().and_then(position);
            }
            break;
        }
    }
    let resume_after = match full_at {
        Some(id) => Some(id),
        None if items.len() < query.limit && !examined_all => last_examined,
        None => None,
    };
    IdentityPage {
        items,
        resume_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        CustomId, CustomIdPrefix, IdentityId, Member, ResourceId, RevocationEpoch,
    };

    fn record(id: IdentityId, deleted: bool) -> IdentityRecord {
        IdentityRecord {
            id,
            custom_id: None,
            created_at: Timestamp::now(),
            last_token_issued_at: None,
            revocation_epoch: RevocationEpoch::INITIAL,
            deleted_at: deleted.then(Timestamp::now),
        }
    }

    fn query(resource: ResourceId, limit: usize) -> ListQuery {
        ListQuery {
            resource,
            filter: ListFilter::default(),
            order: Order::OldestFirst,
            after: None,
            limit,
        }
    }

    #[test]
    fn the_bounds_hold_every_id_of_the_resource_and_no_other() {
        let resource = ResourceId::generate();
        let (low, high) = bounds(&query(resource, 10));
        let id = IdentityId::generate(resource).to_string();
        assert!(low < id && id < high);
        let other = IdentityId::generate(ResourceId::generate()).to_string();
        assert!(!(low < other && other < high));
    }

    #[test]
    fn time_bounds_keep_ids_made_at_that_time_inside() {
        let resource = ResourceId::generate();
        let id = IdentityId::generate(resource);
        let now = Timestamp::now();
        let mut q = query(resource, 10);
        q.filter.created_after = Some(Timestamp::from_micros(now.micros() - 5_000_000));
        q.filter.created_before = Some(Timestamp::from_micros(now.micros() + 5_000_000));
        let (low, high) = bounds(&q);
        assert!(low < id.to_string() && id.to_string() < high);
        q.filter.created_after = Some(Timestamp::from_micros(now.micros() + 5_000_000));
        let (low, _) = bounds(&q);
        assert!(id.to_string() < low, "made before the bound: outside");
    }

    #[test]
    fn a_full_page_resumes_after_its_last_item_and_a_short_scan_after_its_last_row() {
        let resource = ResourceId::generate();
        let ids: Vec<IdentityId> = (0..5).map(|_| IdentityId::generate(resource)).collect();
        let rows = || ids.iter().map(|id| record(*id, false)).collect::<Vec<_>>();
        let p = page(&query(resource, 2), rows());
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.resume_after, Some(ListPosition::Identity(ids[1])));
        let p = page(&query(resource, 5), rows());
        assert_eq!(p.resume_after, None, "all read, nothing after");
        // Tombstones fill the rows read: a short page that says where to go on.
        let deleted: Vec<IdentityRecord> = ids[..3].iter().map(|id| record(*id, true)).collect();
        let p = page(&query(resource, 2), deleted.clone());
        assert!(p.items.is_empty());
        assert_eq!(p.resume_after, Some(ListPosition::Identity(ids[2])));
        let p = page(&query(resource, 2), deleted[..2].to_vec());
        assert!(p.items.is_empty() && p.resume_after.is_none(), "the end");
    }

    #[test]
    fn a_prefix_range_runs_from_the_prefix_to_its_bound_and_resumes_after_the_last_custom_id() {
        let mut q = query(ResourceId::generate(), 10);
        assert_eq!(custom_id_range(&q), None, "no prefix: the id range");
        q.filter.custom_id_prefix = Some(CustomIdPrefix::parse("team").unwrap());
        let range = |q: &ListQuery| custom_id_range(q).unwrap();
        assert_eq!(
            range(&q),
            CustomIdRange {
                low: "team".into(),
                low_inclusive: true,
                high: Some("tean".into())
            }
        );
        let after = CustomId::parse("team-3".into(), Member::CustomId).unwrap();
        q.after = Some(ListPosition::CustomId(after));
        let asc = range(&q);
        assert_eq!((asc.low.as_str(), asc.low_inclusive), ("team-3", false));
        assert_eq!(asc.high.as_deref(), Some("tean"));
        q.order = Order::NewestFirst;
        let desc = range(&q);
        assert_eq!((desc.low.as_str(), desc.low_inclusive), ("team", true));
        assert_eq!(desc.high.as_deref(), Some("team-3"));
    }
}

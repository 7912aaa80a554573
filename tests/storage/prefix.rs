//! Listing and counting by custom id prefix, for every backend: the same
//! matches in the same (byte) order on each, `%`, `_` and `\` taken
//! literally, case counting, and paging under a prefix.

use crate::{new_identity, resource, with_resource};
use commid::domain::{
    CustomIdPrefix, IdentityId, ListFilter, ListPosition, Order, Resource, Timestamp,
};
use commid::storage::{Created, ListQuery, Store};
use std::sync::Arc;

fn by_prefix(prefix: &str) -> ListFilter {
    ListFilter {
        custom_id_prefix: Some(CustomIdPrefix::parse(prefix).unwrap()),
        ..ListFilter::default()
    }
}

/// The custom ids of every page of `filter`, `limit` at a time, in `order`.
async fn custom_ids(
    store: &dyn Store,
    r: &Resource,
    filter: ListFilter,
    order: Order,
    limit: usize,
) -> Vec<String> {
    let mut q = ListQuery {
        resource: r.id,
        filter,
        order,
        after: None,
        limit,
    };
    let mut found = Vec::new();
    for _ in 0..1000 {
        let page = store.list_identities(&q).await.unwrap();
        assert!(page.items.len() <= limit);
        found.extend(
            page.items
                .iter()
                .map(|i| i.custom_id.as_ref().unwrap().as_str().to_owned()),
        );
        match page.resume_after {
            Some(after) => {
                assert!(matches!(after, ListPosition::CustomId(_)), "{after:?}");
                q.after = Some(after);
            }
            None => return found,
        }
    }
    panic!("paging never ended")
}

async fn create(store: &dyn Store, r: &Resource, custom: &str) -> IdentityId {
    match store
        .create_identity(new_identity(r, Some(custom)))
        .await
        .unwrap()
    {
        Created::New(rec) => rec.id,
        Created::Existing(_) => panic!("{custom} existed"),
    }
}

const CUSTOM_IDS: &[&str] = &[
    "teamwork",
    "team-2",
    "Team-3",
    "team",
    "team-10",
    "teamé",
    "team-1",
    "tea",
    "te%m",
    "te_m",
    "te\\m",
    "tex",
    "t%",
    "TEAM",
    "\u{10FFFF}",
    "\u{10FFFF}x",
];

pub async fn a_prefix_lists_and_counts_exactly_its_custom_ids_in_byte_order(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    for custom in CUSTOM_IDS {
        create(&*store, &r, custom).await;
    }
    // Deleted twice: a deleted identity keeps no custom id, which is free again.
    for _ in 0..2 {
        let gone = create(&*store, &r, "team-9-deleted").await;
        store.delete_identity(gone).await.unwrap();
    }
    for _ in 0..3 {
        store.create_identity(new_identity(&r, None)).await.unwrap();
    }
    let other = resource("other");
    store.insert_resource(other.clone()).await.unwrap();
    create(&*store, &other, "team-of-another-resource").await;

    let cases: &[(&str, &[&str])] = &[
        // Byte order: '-' < 'w' < 'é' (0xC3 0xA9).
        (
            "team",
            &["team", "team-1", "team-10", "team-2", "teamwork", "teamé"],
        ),
        ("team-1", &["team-1", "team-10"]),
        ("team-10", &["team-10"]),
        ("Team", &["Team-3"]),
        ("TEAM", &["TEAM"]),
        ("T", &["TEAM", "Team-3"]),
        // Special in LIKE, plain here.
        ("te%", &["te%m"]),
        ("te_", &["te_m"]),
        ("te\\", &["te\\m"]),
        ("t%", &["t%"]),
        ("%", &[]),
        ("_", &[]),
        // A prefix of only the highest character has no upper bound.
        ("\u{10FFFF}", &["\u{10FFFF}", "\u{10FFFF}x"]),
        ("teamx", &[]),
        ("team-9", &[]),
    ];
    for (prefix, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        for limit in [1, 2, 100] {
            let asc = custom_ids(&*store, &r, by_prefix(prefix), Order::OldestFirst, limit).await;
            assert_eq!(asc, expected, "{prefix:?} asc, {limit} a page");
            let mut desc =
                custom_ids(&*store, &r, by_prefix(prefix), Order::NewestFirst, limit).await;
            desc.reverse();
            assert_eq!(desc, expected, "{prefix:?} desc, {limit} a page");
        }
        assert_eq!(
            store
                .count_identities(r.id, &by_prefix(prefix))
                .await
                .unwrap(),
            expected.len() as u64,
            "{prefix:?}"
        );
    }
}

pub async fn paging_under_a_prefix_never_repeats_or_skips_a_custom_id_that_exists_throughout(
    store: Arc<dyn Store>,
) {
    let r = with_resource(&*store).await;
    let mut survivors = Vec::new();
    let mut doomed = Vec::new();
    for i in 0..30 {
        let custom = format!("u-{i:02}");
        let id = create(&*store, &r, &custom).await;
        if i % 4 == 1 {
            doomed.push(id);
        } else {
            survivors.push(custom);
        }
    }
    let mut q = ListQuery {
        resource: r.id,
        filter: by_prefix("u-"),
        order: Order::OldestFirst,
        after: None,
        limit: 4,
    };
    let mut seen = Vec::new();
    let mut added = 0;
    loop {
        let page = store.list_identities(&q).await.unwrap();
        seen.extend(
            page.items
                .iter()
                .map(|i| i.custom_id.as_ref().unwrap().as_str().to_owned()),
        );
        // Meanwhile: one before the pages read so far, one after, and one doomed goes.
        create(&*store, &r, &format!("u-0{added}a")).await;
        create(&*store, &r, &format!("u-9{added}")).await;
        added += 1;
        if let Some(id) = doomed.pop() {
            store.delete_identity(id).await.unwrap();
        }
        match page.resume_after {
            Some(after) => q.after = Some(after),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order, each once");
    for custom in &survivors {
        assert!(
            seen.contains(custom),
            "{custom} existed throughout and was skipped"
        );
    }
    assert!(
        seen.contains(&"u-90".to_owned()),
        "one made after the pages read so far is found"
    );
}

pub async fn a_prefix_with_time_filters_keeps_the_identities_that_pass_both(store: Arc<dyn Store>) {
    let r = with_resource(&*store).await;
    create(&*store, &r, "team-early").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let middle = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    create(&*store, &r, "team-late").await;
    create(&*store, &r, "other-late").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before_busy = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut with_token = new_identity(&r, None);
    with_token.custom_id = Some(
        commid::domain::CustomId::parse("team-busy".into(), commid::domain::Member::CustomId)
            .unwrap(),
    );
    with_token.token_issued_at = Some(Timestamp::now());
    store.create_identity(with_token).await.unwrap();
    let cases: Vec<(ListFilter, Vec<&str>)> = vec![
        (
            ListFilter {
                created_after: Some(middle),
                ..by_prefix("team")
            },
            vec!["team-busy", "team-late"],
        ),
        (
            ListFilter {
                created_before: Some(middle),
                ..by_prefix("team")
            },
            vec!["team-early"],
        ),
        (
            ListFilter {
                last_token_issued_before: Some(before_busy),
                ..by_prefix("team-")
            },
            vec!["team-early", "team-late"],
        ),
        (
            ListFilter {
                custom_id: Some(
                    commid::domain::CustomId::parse(
                        "team-late".into(),
                        commid::domain::Member::CustomId,
                    )
                    .unwrap(),
                ),
                ..by_prefix("other")
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        let found = custom_ids(&*store, &r, filter.clone(), Order::OldestFirst, 1).await;
        assert_eq!(found, expected, "{filter:?}");
        assert_eq!(
            store.count_identities(r.id, &filter).await.unwrap(),
            expected.len() as u64,
            "{filter:?}"
        );
    }
}

//! The `project_id`/`location_id` MAC ext parameters (as Paysera's PHP library adds them to every
//! call), and finding a transaction by the shop's own reference after a lost create.

use paysera_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, TransactionRequest};
use paysera_scanpay::{Client, SpotQuery, TransactionQuery};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn request(reference: &str) -> TransactionRequest {
    TransactionRequest::new(vec![
        Payment::new("Table 1", Money::new(1299, "EUR")).with_parameter("orderid", reference),
    ])
}

/// Asserts Paysera's envelope (`error`, `error_description`) with `status` and `code`.
fn refused(err: &paysera_scanpay::Error, status: u16, code: &str) {
    let api = err
        .api()
        .unwrap_or_else(|| panic!("not an API error: {err}"));
    assert_eq!((api.status, api.code.as_str()), (status, code), "{err}");
    assert!(api.description.as_deref().is_some_and(|d| !d.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ext_parameters_follow_body_hash_and_scope_every_call() {
    let sb = sandbox().await;
    let project = SandboxConfig::default().project_id;
    let here = sb.create_spot(71, "t1", PlaceInfo::default()).unwrap();
    let there = sb.create_spot(72, "t1", PlaceInfo::default()).unwrap();
    let client: Client = sb.client_builder().project_id(project).build().unwrap();
    let till = client.with_location_id(Some(71));
    assert_eq!(
        (till.project_id(), till.location_id()),
        (Some(project), Some(71))
    );

    // Sent as ext, after body_hash, in the PHP library's order; the MAC covers them.
    let tx = till.create_transaction(&request("r-1")).await.unwrap();
    assert_eq!(
        tx.location_id,
        Some(71),
        "bound to the location it was created for"
    );
    let ext = sb.requests().last().unwrap().ext.clone().unwrap();
    assert!(ext.starts_with("body_hash="), "{ext}");
    assert!(
        ext.ends_with(&format!("&project_id={project}&location_id=71")),
        "{ext}"
    );
    client.get_spot(there.id).await.unwrap();
    let ext = sb.requests().last().unwrap().ext.clone().unwrap();
    assert_eq!(
        ext,
        format!("project_id={project}"),
        "no body, no body_hash"
    );

    // Resources of another location are not found; listings are narrowed to the location.
    refused(
        &till.get_spot(there.id).await.unwrap_err(),
        404,
        "not_found",
    );
    till.get_spot(here.id).await.unwrap();
    sb.scan(there.id).unwrap();
    sb.scan(here.id).unwrap();
    let waiting = till.list_spots(&SpotQuery::default()).await.unwrap();
    assert_eq!(
        waiting.spots.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![here.id]
    );
    let other = SpotQuery {
        location_id: Some(72),
        ..SpotQuery::default()
    };
    refused(
        &till.list_spots(&other).await.unwrap_err(),
        403,
        "forbidden",
    );
    let elsewhere = client.with_location_id(Some(72));
    refused(
        &elsewhere
            .get_transaction(&tx.transaction_key)
            .await
            .unwrap_err(),
        404,
        "not_found",
    );
    refused(
        &elsewhere
            .create_spot_order(there.id, &tx.transaction_key)
            .await
            .unwrap_err(),
        404,
        "not_found",
    );
    // Unscoped, the order on another location's spot is still refused: the transaction is 71's.
    let err = client
        .create_spot_order(there.id, &tx.transaction_key)
        .await
        .unwrap_err();
    refused(&err, 400, "invalid_parameters");
    till.create_spot_order(here.id, &tx.transaction_key)
        .await
        .unwrap();
    let listed = elsewhere
        .list_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert!(listed.transactions.is_empty(), "{listed:?}");

    // A project or location this client has no access to is forbidden.
    let stranger = client.with_project_id(Some(project + 1));
    refused(
        &stranger.get_spot(here.id).await.unwrap_err(),
        403,
        "forbidden",
    );
    let nowhere = client.with_location_id(Some(999_999));
    refused(
        &nowhere.list_spots(&SpotQuery::default()).await.unwrap_err(),
        403,
        "forbidden",
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_is_found_by_its_reference() {
    let sb = sandbox().await;
    let client = sb.client_builder().retries(0).build().unwrap();
    let started = sb.now();
    client.create_transaction(&request("other")).await.unwrap();
    // Paysera applies the create, the answer is lost.
    sb.inject_fault(FaultRule::once(FaultKind::ApplyThenDrop).on("POST", "/rest/v1/transaction"))
        .unwrap();
    let err = client
        .create_transaction(&request("A-17"))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err}");

    let found = client
        .find_transactions("orderid", "A-17", Some(started - 60), None)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let payment = &found[0].payments()[0];
    assert_eq!(payment.parameters.as_ref().unwrap()["orderid"], "A-17");
    // Outside the window, or another reference: nothing.
    let before = client
        .find_transactions("orderid", "A-17", None, Some(started - 60))
        .await
        .unwrap();
    assert!(before.is_empty());
    let none = client
        .find_transactions("orderid", "A-18", Some(started - 60), None)
        .await
        .unwrap();
    assert!(none.is_empty());
    sb.shutdown().await;
}

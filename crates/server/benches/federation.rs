//! Federation throughput, printed as figures and as ratios to the RSA cost on the same machine:
//! - signed activities accepted per second by one hub's inbox, against one RSA-2048 verification;
//! - deliveries per second for one activity fanned out to 1,000 inboxes on loopback, against
//!   one RSA-2048 signature.
//!
//! Run: `cargo bench -p maillage-server --bench federation` (add `--profile dev` for a quick
//! look without a release build). Uses SQLite in a temporary directory unless
//! MAILLAGE_TEST_DATABASE=postgres with MAILLAGE_TEST_POSTGRES_URL.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use futures_util::StreamExt;
use maillage_core::testing::TestDatabase;
use maillage_federation::signatures::{self, sign_request};
use maillage_federation::{activities, actors, delivery};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;
use url::Url;

const INBOX_ACTIVITIES: usize = 400;
const FAN_OUT: usize = 1000;

/// A hub with its own database (kept alive beside it).
async fn hub_with_database() -> (maillage_server::app::RunningHub, TestDatabase) {
    let database = TestDatabase::create().await;
    (common::start_hub(&database).await, database)
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    maillage_federation::install_crypto_provider();
    let (public_pem, private_pem) = signatures::generate_keypair().unwrap();
    let key = signatures::SigningKey::from_pem("https://bench.example/actor#main-key", &private_pem).unwrap();
    let public = signatures::parse_public_key(&public_pem).unwrap();
    let url = Url::parse("https://bench.example/inbox").unwrap();
    let body = br#"{"type":"Create"}"#;

    // One RSA-2048 signature and one verification, as the hub does them.
    let rounds = 200;
    let started = Instant::now();
    let mut headers = HeaderMap::new();
    for _ in 0..rounds {
        headers = HeaderMap::new();
        sign_request(&Method::POST, &url, &mut headers, Some(body), &key).unwrap();
    }
    let sign_cost = started.elapsed() / rounds;
    let params = signatures::signature_params(&headers).unwrap();
    let started = Instant::now();
    for _ in 0..rounds {
        signatures::verify_with_key(&Method::POST, "/inbox", &headers, &params, &public).unwrap();
    }
    let verify_cost = started.elapsed() / rounds;
    println!("RSA-2048 signature:    {:>8.1} µs", sign_cost.as_secs_f64() * 1e6);
    println!("RSA-2048 verification: {:>8.1} µs", verify_cost.as_secs_f64() * 1e6);

    // Inbox: hub B signs distinct activities; hub A verifies, deduplicates and journals them.
    let (hub_a, _db_a) = hub_with_database().await;
    let (hub_b, _db_b) = hub_with_database().await;
    let b = &hub_b.state.fed;
    let b_actor = actors::instance_actor(b).await.unwrap();
    let b_key = b_actor.signing_key(b).unwrap();
    let inbox = Url::parse(&format!("http://{}/inbox", hub_a.addr)).unwrap();
    let requests: Vec<(HeaderMap, Vec<u8>)> = (0..INBOX_ACTIVITIES)
        .map(|i| {
            let activity = json!({
                "id": format!("{}/bench/{i}", b.url("/activities")), "type": "Like", "actor": b_actor.ap_id(b),
                "object": format!("http://{}/notes/{i}", b.domain()),
            })
            .to_string()
            .into_bytes();
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("application/activity+json"));
            sign_request(&Method::POST, &inbox, &mut headers, Some(&activity), &b_key).unwrap();
            (headers, activity)
        })
        .collect();
    let client = reqwest::Client::new();
    // Warm-up: A fetches B's key once.
    let (h, a) = requests[0].clone();
    assert_eq!(client.post(inbox.clone()).headers(h).body(a).send().await.unwrap().status(), 202);
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(requests.into_iter().skip(1))
        .map(|(headers, body)| {
            let client = client.clone();
            let inbox = inbox.clone();
            async move { client.post(inbox).headers(headers).body(body).send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let inbox_elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 202), "every signed activity is accepted");
    let accepted = per_second(statuses.len(), inbox_elapsed);
    println!("\nInbox: {} signed activities in {:.2} s", statuses.len(), inbox_elapsed.as_secs_f64());
    println!("  accepted per second:                 {accepted:>10.1}");
    println!("  RSA-2048 verifications per second:   {:>10.1}", 1.0 / verify_cost.as_secs_f64());
    println!("  ratio (inbox / bare verification):   {:>10.3}", accepted * verify_cost.as_secs_f64());

    // Fan-out: one activity of hub A to 1,000 inboxes of a loopback receiver.
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let receiver = Router::new().route(
        "/inbox/{n}",
        post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let receiver_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_port = receiver_listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(receiver_listener, receiver).await.unwrap() });
    let a = &hub_a.state.fed;
    maillage_core::accounts::create_user(
        &a.ctx.db,
        "bench_author",
        "a long bench password",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    let author = actors::person_actor(a, "bench_author").await.unwrap().unwrap();
    let inboxes: BTreeSet<String> =
        (0..FAN_OUT).map(|n| format!("http://localhost:{receiver_port}/inbox/{n}")).collect();
    let activity = json!({
        "id": activities::new_activity_id(a), "type": "Announce", "actor": author.ap_id(a),
        "object": author.ap_id(a), "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let started = Instant::now();
    delivery::publish_now(a, &author, &activity, &inboxes).await.unwrap();
    while received.load(Ordering::Relaxed) < FAN_OUT {
        assert!(started.elapsed() < Duration::from_secs(600), "fan-out did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fan_out_elapsed = started.elapsed();
    let delivered = per_second(FAN_OUT, fan_out_elapsed);
    println!("\nFan-out: 1 activity to {FAN_OUT} inboxes in {:.2} s", fan_out_elapsed.as_secs_f64());
    println!("  deliveries per second:               {delivered:>10.1}");
    println!("  RSA-2048 signatures per second:      {:>10.1}", 1.0 / sign_cost.as_secs_f64());
    println!("  ratio (deliveries / bare signature): {:>10.3}", delivered * sign_cost.as_secs_f64());

    hub_a.stop().await;
    hub_b.stop().await;
}

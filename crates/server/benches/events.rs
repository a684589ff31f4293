//! Calendar speed, printed as figures:
//! - the upcoming-events page and the hub's `.ics` feed with 2,000 events (200 of them weekly):
//!   requests per second and p99 under 32 connections, as ratios to the same server's `/health`;
//! - fan-out of one new event to 10,000 followers spread over 1,000 instances (one shared inbox
//!   each) on loopback: time until every instance got it, against the RSA-2048 signing cost
//!   measured in the same run (one signature per delivery is the floor).
//!
//! Run: `cargo bench -p maillage-server --bench events` (add `--profile dev` for a quick look).
//! SQLite in a temporary directory unless MAILLAGE_TEST_DATABASE=postgres (with
//! MAILLAGE_TEST_POSTGRES_URL).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{load, ms, start_hub};

use axum::Router;
use axum::routing::post;
use maillage_core::testing::TestDatabase;
use maillage_events::calendar::{self, EventInput, Organiser};
use maillage_federation::events as fed_events;
use maillage_federation::signatures::{self, sign_request};
use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

const EVENTS: usize = 2_000;
const RECURRING: usize = 200;
const FOLLOWERS: usize = 10_000;
const INSTANCES: usize = 1_000;
const CONNECTIONS: usize = 32;
const LOAD_SECONDS: u64 = 4;

/// 2,000 events over the next year: every tenth a weekly permanence without end.
async fn generate(db: &maillage_core::Db, organiser_id: i64) {
    let organiser = Organiser { user_id: organiser_id, shown_name: "Bench", hub_name: "Hub" };
    let today = chrono::Utc::now().date_naive();
    let cities = ["Rodez", "Dole", "Besançon", "Lyon", "Cayenne", "Saint-Denis", "Nantes", "Lille"];
    let mut tx = db.pool().begin().await.unwrap();
    for n in 0..EVENTS {
        let date = today + chrono::Days::new(1 + (n as u64 * 365 / EVENTS as u64));
        let recurring = n % (EVENTS / RECURRING) == 0;
        let input = EventInput {
            title: format!("Atelier numérique n°{n}"),
            description: "Découvrir **FranceConnect**, créer son compte Ameli, repérer les arnaques.".into(),
            tags: if n % 3 == 0 { "ameli, demarches".into() } else { "cafe-numerique".into() },
            start_date: date.to_string(),
            start_time: "14:00".into(),
            end_time: "16:00".into(),
            time_zone: "Europe/Paris".into(),
            repeat: if recurring { "weekly".into() } else { String::new() },
            place_name: "Médiathèque".into(),
            city: cities[n % cities.len()].into(),
            registration: if n % 2 == 0 { "open".into() } else { "none".into() },
            capacity: if n % 2 == 0 { "12".into() } else { String::new() },
            ..Default::default()
        };
        let fields = calendar::check(&input, "Europe/Paris").unwrap();
        calendar::insert(&mut tx, "http://bench.example", &fields, &organiser, "fr").await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// 10,000 remote followers of the calendar on 1,000 instances, each instance with one shared
/// inbox on the loopback receiver.
async fn followers(db: &maillage_core::Db, calendar_actor_id: i64, receiver_port: u16) {
    let now = maillage_core::time::now_ms();
    let mut tx = db.pool().begin().await.unwrap();
    for i in 0..INSTANCES {
        sqlx::query("INSERT INTO instances (domain, first_seen_at) VALUES ($1, $2)")
            .bind(format!("instance{i}.bench"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for f in 0..FOLLOWERS {
        let instance = f % INSTANCES;
        let domain = format!("instance{instance}.bench");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO remote_actors (ap_id, kind, domain, preferred_username, inbox, shared_inbox, fetched_at) \
             VALUES ($1, 'Person', $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(format!("https://{domain}/users/u{f}"))
        .bind(&domain)
        .bind(format!("u{f}"))
        .bind(format!("http://localhost:{receiver_port}/users/u{f}/inbox"))
        .bind(format!("http://localhost:{receiver_port}/inbox/{instance}"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO followers (local_actor_id, remote_actor_id, follow_activity_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(calendar_actor_id)
        .bind(id)
        .bind(format!("https://{domain}/follows/{f}"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    maillage_federation::install_crypto_provider();
    // One RSA-2048 signature, as deliveries make them.
    let (_, private_pem) = signatures::generate_keypair().unwrap();
    let key = signatures::SigningKey::from_pem("https://bench.example/actor#main-key", &private_pem).unwrap();
    let target = Url::parse("https://bench.example/inbox").unwrap();
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut headers = HeaderMap::new();
        sign_request(&Method::POST, &target, &mut headers, Some(b"{}"), &key).unwrap();
    }
    let sign_cost = started.elapsed() / rounds;
    println!("RSA-2048 signature: {:.1} µs", sign_cost.as_secs_f64() * 1e6);

    let database = TestDatabase::create().await;
    let hub = start_hub(&database).await;
    let fed = &hub.state.fed;
    let organiser = maillage_core::accounts::create_user(
        &fed.ctx.db,
        "bench_organiser",
        "a long bench password",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    let started = Instant::now();
    generate(&fed.ctx.db, organiser.id).await;
    println!("\n{EVENTS} events ({RECURRING} weekly) stored in {:.1} s", started.elapsed().as_secs_f64());

    // Where the page's time goes: the dates alone (query and expansion), without HTTP or HTML.
    let now = chrono::Utc::now();
    let window = calendar::Window {
        from: now,
        to: now + chrono::Days::new(366),
        tag: None,
        city: None,
        mode: calendar::Mode::Any,
        limit: 300,
    };
    let started = Instant::now();
    for _ in 0..10 {
        calendar::occurrences(&fed.ctx.db, &window).await.unwrap();
    }
    println!("  dates of the upcoming page alone: {:.1} ms", ms(started.elapsed()) / 10.0);
    let started = Instant::now();
    let events = calendar::for_feed(&fed.ctx.db, now, None, 2_000).await.unwrap();
    println!("  {} event rows read: {:.1} ms", events.len(), ms(started.elapsed()));
    let started = Instant::now();
    let ical: Vec<_> = events.iter().map(|e| e.to_ical(&[])).collect();
    println!("  {} events made into VEVENTs: {:.1} ms", ical.len(), ms(started.elapsed()));
    let started = Instant::now();
    let text = maillage_events::ical::Calendar { name: "Bench".into(), description: None, events: ical }.to_ics();
    println!("  written as iCalendar ({} KB): {:.1} ms", text.len() / 1024, ms(started.elapsed()));

    let base = format!("http://{}", hub.addr);
    let trivial = load(&format!("{base}/health"), CONNECTIONS, LOAD_SECONDS).await;
    let page = load(&format!("{base}/events"), CONNECTIONS, LOAD_SECONDS).await;
    let feed = load(&format!("{base}/events/calendar.ics"), CONNECTIONS, LOAD_SECONDS).await;
    println!("{CONNECTIONS} connections, {LOAD_SECONDS} s each:");
    for (name, l) in [("/health", &trivial), ("/events", &page), ("/events/calendar.ics", &feed)] {
        println!(
            "  {name:<22} {:>9.1} req/s   p99 {:>8.2} ms   ratio to /health {:.4}",
            l.per_second,
            ms(l.p99),
            l.per_second / trivial.per_second
        );
    }

    // Fan-out.
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
    let calendar_actor = fed_events::calendar_actor(fed).await.unwrap();
    followers(&fed.ctx.db, calendar_actor.id, receiver_port).await;
    let input = EventInput {
        title: "Café numérique : les arnaques par SMS".into(),
        start_date: "2027-06-10".into(),
        start_time: "10:00".into(),
        end_time: "12:00".into(),
        place_name: "Tiers-lieu".into(),
        city: "Dole".into(),
        ..Default::default()
    };
    let started = Instant::now();
    fed_events::create(fed, &organiser, &input).await.unwrap();
    while received.load(Ordering::Relaxed) < INSTANCES {
        assert!(started.elapsed() < Duration::from_secs(900), "fan-out did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    println!(
        "\nFan-out: one event to {FOLLOWERS} followers on {INSTANCES} instances ({INSTANCES} shared inboxes) in {:.2} s",
        elapsed.as_secs_f64()
    );
    println!("  deliveries per second:               {:>10.1}", INSTANCES as f64 / elapsed.as_secs_f64());
    println!("  RSA-2048 signatures per second:      {:>10.1}", 1.0 / sign_cost.as_secs_f64());
    println!(
        "  ratio (time / {INSTANCES} bare signatures):   {:>10.2}",
        elapsed.as_secs_f64() / (sign_cost.as_secs_f64() * INSTANCES as f64)
    );
    hub.stop().await;
}

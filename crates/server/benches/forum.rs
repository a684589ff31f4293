//! Forum speed, printed as figures:
//! - the page of a topic with 50 replies under 64 concurrent connections: requests per second
//!   and p99 latency, as a ratio to the same server's most trivial handler (`/health`: one `SELECT 1`);
//! - search latency (p50, p95) over 100,000 generated posts, on SQLite and, when
//!   MAILLAGE_TEST_POSTGRES_URL names a server, on PostgreSQL.
//!
//! Run: `cargo bench -p maillage-server --bench forum` (add `--profile dev` for a quick look).
//! `MAILLAGE_BENCH_POSTS` changes the number of posts (default 100000).

mod common;

use std::time::Instant;

use common::{load, ms, percentile, start_hub};

use maillage_core::Engine;
use maillage_core::search::SearchQuery;
use maillage_core::testing::{TestDatabase, postgres_admin_url};
use maillage_forum::Author;
use maillage_forum::categories::{self, CategoryInput};
use maillage_forum::posts::{self, NewPost};
use maillage_forum::topics::{self, NewTopic};

const CONNECTIONS: usize = 64;
const LOAD_SECONDS: u64 = 4;
const REPLIES: usize = 50;
const POSTS_PER_TOPIC: usize = 50;

/// Words mediators write, so that stemming and the index see realistic text.
const WORDS: &[&str] = &[
    "caf",
    "déclaration",
    "ressources",
    "adresse",
    "messagerie",
    "courriel",
    "franceconnect",
    "identité",
    "numérique",
    "ameli",
    "impôts",
    "retraite",
    "pôle",
    "emploi",
    "france",
    "travail",
    "smartphone",
    "ordinateur",
    "tablette",
    "atelier",
    "médiathèque",
    "permanence",
    "bénéficiaire",
    "accompagnement",
    "aidants",
    "connect",
    "mandat",
    "arnaque",
    "sms",
    "hameçonnage",
    "mot",
    "passe",
    "coffre",
    "fort",
    "documents",
    "scanner",
    "photo",
    "justificatif",
    "domicile",
    "logement",
    "apl",
    "rsa",
    "prime",
    "activité",
    "dossier",
    "formulaire",
    "rendez-vous",
    "préfecture",
    "titre",
    "séjour",
    "carte",
    "grise",
    "permis",
    "ants",
    "chèque",
    "énergie",
    "banque",
    "virement",
    "application",
    "mise",
    "à",
    "jour",
    "wifi",
    "réseau",
    "imprimante",
    "clé",
    "usb",
    "seniors",
    "jeunes",
    "handicap",
    "sourds",
    "malvoyants",
    "lecteur",
    "écran",
    "zoom",
    "visio",
    "webinaire",
    "formation",
    "pix",
    "compétences",
    "parcours",
    "fiche",
    "tutoriel",
    "guide",
];

/// A deterministic pseudo-random sequence (no dependency for a benchmark's text).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }

    fn sentence(&mut self, words: usize) -> String {
        (0..words).map(|_| WORDS[self.next(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }
}

fn author(n: usize) -> Author {
    Author {
        user_id: None,
        ap_id: format!("https://peer.example/u/m{n}"),
        name: format!("Médiatrice {n}"),
        handle: format!("@m{n}@peer.example"),
        url: format!("https://peer.example/u/m{n}"),
    }
}

/// Stores `topic_count` topics with `replies` replies each; returns the first topic's id.
async fn generate(db: &maillage_core::Db, topic_count: usize, replies: usize, seed: u64) -> i64 {
    let category = categories::create(
        db,
        &CategoryInput { slug: "entraide".into(), name: "Entraide".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let mut random = Lcg(seed);
    let mut first = 0;
    let base = "https://peer.example";
    for t in 0..topic_count {
        let mut tx = db.pool().begin().await.unwrap();
        let title = random.sentence(6);
        let body = random.sentence(40);
        let html = format!("<p>{body}</p>");
        let who = author(t % 300);
        let ap_id = format!("{base}/p/{t}-0");
        let new = NewTopic {
            category_id: category.id,
            title: &title,
            tags: &[],
            context: "",
            post: NewPost {
                author: &who,
                ap_id: Some(&ap_id),
                url: &ap_id,
                source: &body,
                html: &html,
                created_at: 1_700_000_000_000 + (t as i64) * 60_000,
                mentions: &[],
            },
        };
        let (topic_id, _) = topics::insert(&mut tx, &new).await.unwrap();
        if t == 0 {
            first = topic_id;
        }
        let topic = topics::by_id_in(&mut tx, topic_id).await.unwrap().unwrap();
        for r in 1..=replies {
            let body = random.sentence(30);
            let html = format!("<p>{body}</p>");
            let who = author((t + r) % 300);
            let ap_id = format!("{base}/p/{t}-{r}");
            let reply = NewPost {
                author: &who,
                ap_id: Some(&ap_id),
                url: &ap_id,
                source: &body,
                html: &html,
                created_at: 1_700_000_000_000 + (t as i64) * 60_000 + r as i64,
                mentions: &[],
            };
            posts::insert_reply(&mut tx, &topic, None, &reply).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    first
}

async fn topic_page() {
    let database = TestDatabase::create_on(Engine::Sqlite).await;
    let hub = start_hub(&database).await;
    let topic_id = generate(&hub.state.ctx.db, 1, REPLIES, 7).await;
    let base = format!("http://{}", hub.addr);

    let trivial = load(&format!("{base}/health"), CONNECTIONS, LOAD_SECONDS).await;
    let page = load(&format!("{base}/forum/t/{topic_id}"), CONNECTIONS, LOAD_SECONDS).await;
    println!("Topic page with {REPLIES} replies, {CONNECTIONS} connections, {LOAD_SECONDS} s each (SQLite):");
    println!(
        "  /health:          {:>9.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
        trivial.per_second,
        ms(trivial.p50),
        ms(trivial.p99)
    );
    println!(
        "  topic page:       {:>9.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
        page.per_second,
        ms(page.p50),
        ms(page.p99)
    );
    println!(
        "  ratio (page / trivial): {:.3} req/s, p99 ×{:.1}",
        page.per_second / trivial.per_second,
        ms(page.p99) / ms(trivial.p99).max(1e-3)
    );
}

async fn search(engine: Engine, total_posts: usize) {
    let database = TestDatabase::create_on(engine).await;
    let ctx = database.context().await;
    let db = &ctx.db;
    let topic_count = total_posts.div_ceil(POSTS_PER_TOPIC);
    let started = Instant::now();
    generate(db, topic_count, POSTS_PER_TOPIC - 1, 11).await;
    // Statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) keep them on a live hub.
    sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_posts").fetch_one(db.pool()).await.unwrap();
    println!("\nSearch on {engine:?}: {posts} posts generated in {:.1} s", started.elapsed().as_secs_f64());
    let queries = [
        "caf",
        "déclarer ressources",
        "franceconnect identite",
        "arnaque sms",
        "mot de passe",
        "titre de séjour",
        "imprimante wifi",
        "aidants connect mandat",
        "webinaires",
        "préfecture rendez-vous",
        "zzzz introuvable",
        "coffre-fort numérique",
        "justificatifs domicile",
        "apl logement",
        "pix competences",
    ];
    assert!(queries.iter().all(|q| !SearchQuery::parse(q).is_empty()));
    let mut latencies = Vec::new();
    let mut found = 0;
    for round in 0..10 {
        for query in &queries {
            let sent = Instant::now();
            let hits = posts::search(db, query).await.unwrap();
            latencies.push(sent.elapsed());
            if round == 0 {
                found += hits.len();
            }
        }
    }
    latencies.sort();
    println!(
        "  {} queries: p50 {:>7.2} ms   p95 {:>7.2} ms   ({} hits for the {} distinct queries, at most 50 each)",
        latencies.len(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 95.0)),
        found,
        queries.len()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let total_posts: usize = std::env::var("MAILLAGE_BENCH_POSTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    topic_page().await;
    search(Engine::Sqlite, total_posts).await;
    if postgres_admin_url().is_some() {
        search(Engine::Postgres, total_posts).await;
    } else {
        println!("\n(PostgreSQL skipped: set MAILLAGE_TEST_POSTGRES_URL to measure it too)");
    }
}

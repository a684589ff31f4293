//! Library speed, printed as figures:
//! - the catalogue page with its facets over 20,000 resources (half from another hub):
//!   requests per second and p99 under 32 connections, as a ratio to the same server's
//!   `/health`;
//! - catalogue search latency (p50, p95) on SQLite and, when MAILLAGE_TEST_POSTGRES_URL names a
//!   server, on PostgreSQL;
//! - the time for a hub to backfill 1,000 resources of a library it starts following.
//!
//! Run: `cargo bench -p maillage-server --bench resources` (add `--profile dev` for a quick look).
//! `MAILLAGE_BENCH_RESOURCES` changes the catalogue's size (default 20000).

use std::time::{Duration, Instant};

mod common;

use common::{load, ms, start_hub};

use maillage_core::Engine;
use maillage_core::testing::{TestDatabase, postgres_admin_url};
use maillage_resources::library::{self, CatalogueQuery, Publisher, RemoteResource, ResourceInput};
use maillage_resources::vocabulary;

const CONNECTIONS: usize = 32;
const LOAD_SECONDS: u64 = 4;
const BACKFILL: usize = 1_000;

const WORDS: &[&str] = &[
    "atelier",
    "démarches",
    "caf",
    "ameli",
    "franceconnect",
    "arnaques",
    "sms",
    "smartphone",
    "seniors",
    "parentalité",
    "emploi",
    "cv",
    "messagerie",
    "coffre-fort",
    "numérique",
    "guide",
    "fiche",
    "kit",
    "diaporama",
    "vidéo",
    "impôts",
    "logement",
    "santé",
    "mobilité",
    "permis",
    "ants",
    "retraite",
    "handicap",
    "accessibilité",
    "lecture",
    "écran",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }

    fn words(&mut self, n: usize) -> String {
        (0..n).map(|_| WORDS[self.next(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }
}

async fn fill(db: &maillage_core::Db, count: usize, user_id: i64) {
    let themes = library::known_keys(db, "theme").await.unwrap();
    let publics = library::known_keys(db, "public").await.unwrap();
    let types = library::known_keys(db, "resource_type").await.unwrap();
    let licences = ["etalab-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "all-rights-reserved"];
    let mut random = Lcg(3);
    let publisher = Publisher { user_id, name: "Bench" };
    let mut tx = db.pool().begin().await.unwrap();
    for n in 0..count {
        let input = ResourceInput {
            title: format!("{} n°{n}", random.words(5)),
            summary: random.words(20),
            body: format!("## {}\n\n{}", random.words(3), random.words(120)),
            licence: licences[n % licences.len()].into(),
            resource_type: types[n % types.len()].clone(),
            themes: vec![themes[n % themes.len()].clone(), themes[(n * 7) % themes.len()].clone()],
            publics: vec![publics[n % publics.len()].clone()],
            ..Default::default()
        };
        if n % 2 == 0 {
            let fields = library::check(db, &input).await.unwrap();
            library::insert(&mut tx, "http://bench.example", &fields, &publisher).await.unwrap();
        } else {
            let remote = RemoteResource {
                ap_id: format!("https://hub-b.example/resources/{n}"),
                url: format!("https://hub-b.example/resources/{n}"),
                origin_actor: "https://hub-b.example/g/bibliotheque".into(),
                origin_name: if n % 4 == 1 { "Hub B".into() } else { "Hub C".into() },
                title: input.title.clone(),
                summary: input.summary.clone(),
                body_html: maillage_core::markdown::render_document(&input.body),
                language: "fr".into(),
                licence: input.licence.clone(),
                resource_type: input.resource_type.clone(),
                themes: input.themes.clone(),
                publics: input.publics.clone(),
                authors: vec![("Hub B".into(), String::new())],
                links: Vec::new(),
                files: vec![(
                    format!("fiche-{n}.pdf"),
                    "application/pdf".into(),
                    format!("https://hub-b.example/f/{n}.pdf"),
                )],
                version: 1,
                derived_from: String::new(),
                published_at: 1_700_000_000_000 + n as i64,
                updated_at: 1_700_000_000_000 + n as i64,
            };
            library::store_remote(&mut tx, &remote).await.unwrap();
        }
        if n % 1_000 == 999 {
            tx.commit().await.unwrap();
            tx = db.pool().begin().await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
}

async fn search(engine: Engine, count: usize) {
    let database = TestDatabase::create_on(engine).await;
    let ctx = database.context().await;
    vocabulary::seed(&ctx.db).await.unwrap();
    let user = maillage_core::accounts::create_user(
        &ctx.db,
        "bench",
        "a long bench password",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    fill(&ctx.db, count, user.id).await;
    let queries =
        ["arnaques sms", "caf", "franceconnect ameli", "coffre-fort numerique", "seniors smartphone", "zzz absent"];
    let mut latencies = Vec::new();
    for _ in 0..10 {
        for q in queries {
            let sent = Instant::now();
            library::catalogue(&ctx.db, &CatalogueQuery { q: q.into(), ..Default::default() }).await.unwrap();
            latencies.push(sent.elapsed());
        }
    }
    latencies.sort();
    println!(
        "Catalogue search with facets on {engine:?} over {count} resources: p50 {:.2} ms, p95 {:.2} ms",
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 95 / 100])
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let count: usize = std::env::var("MAILLAGE_BENCH_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);

    // The catalogue page.
    let database = TestDatabase::create_on(Engine::Sqlite).await;
    let hub = start_hub(&database).await;
    let db = &hub.state.ctx.db;
    let user = maillage_core::accounts::create_user(
        db,
        "bench",
        "a long bench password",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    let started = Instant::now();
    fill(db, count, user.id).await;
    println!("{count} resources (half remote) stored in {:.1} s", started.elapsed().as_secs_f64());
    let base = format!("http://{}", hub.addr);
    let trivial = load(&format!("{base}/health"), CONNECTIONS, LOAD_SECONDS).await;
    let page = load(&format!("{base}/resources"), CONNECTIONS, LOAD_SECONDS).await;
    let theme = library::known_keys(db, "theme").await.unwrap()[0].clone();
    let filtered =
        load(&format!("{base}/resources?theme={theme}&licence=CC-BY-SA-4.0"), CONNECTIONS, LOAD_SECONDS).await;
    println!("{CONNECTIONS} connections, {LOAD_SECONDS} s each (SQLite):");
    for (name, l) in [("/health", &trivial), ("/resources", &page), ("/resources?theme&licence", &filtered)] {
        println!(
            "  {name:<26} {:>9.1} req/s   p99 {:>8.2} ms   ratio to /health {:.4}",
            l.per_second,
            ms(l.p99),
            l.per_second / trivial.per_second
        );
    }
    hub.stop().await;

    search(Engine::Sqlite, count).await;
    if postgres_admin_url().is_some() {
        search(Engine::Postgres, count).await;
    }

    // Backfill: hub A follows hub B's library of 1,000 resources.
    let (db_a, db_b) = (TestDatabase::create_on(Engine::Sqlite).await, TestDatabase::create_on(Engine::Sqlite).await);
    let (hub_a, hub_b) = (start_hub(&db_a).await, start_hub(&db_b).await);
    let fed_b = &hub_b.state.fed;
    let author = maillage_core::accounts::create_user(
        &fed_b.ctx.db,
        "autrice",
        "a long bench password",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    let theme = library::known_keys(&fed_b.ctx.db, "theme").await.unwrap()[0].clone();
    for n in 0..BACKFILL {
        let input = ResourceInput {
            title: format!("Fiche pratique n°{n}"),
            summary: "Une fiche courte pour accompagner une démarche en ligne.".into(),
            body: "## Étapes\n\nSe connecter, vérifier, envoyer.".into(),
            resource_type: "resource_pedagogique".into(),
            themes: vec![theme.clone()],
            ..Default::default()
        };
        maillage_federation::resources::create(fed_b, &author, &input).await.unwrap();
    }
    let started = Instant::now();
    maillage_federation::activities::hub_follow(&hub_a.state.fed, &format!("@bibliotheque@{}", fed_b.domain()))
        .await
        .unwrap();
    loop {
        let got: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE local = 0")
            .fetch_one(hub_a.state.ctx.db.pool())
            .await
            .unwrap();
        if got as usize >= BACKFILL {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "backfill stalled at {got}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("Backfill of {BACKFILL} resources from a followed library: {:.2} s", started.elapsed().as_secs_f64());
    hub_a.stop().await;
    hub_b.stop().await;
}

//! What the benchmarks share: a hub on a 127.0.0.1 port, and a load generator.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use maillage_core::testing::TestDatabase;
use maillage_server::app::RunningHub;

/// A hub on its own port over `database`, logging warnings only.
pub async fn start_hub(database: &TestDatabase) -> RunningHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = database.config();
    config.public_url = format!("http://localhost:{port}").parse().unwrap();
    config.log = "warn".into();
    let ctx = maillage_core::Context::open(config).await.unwrap();
    maillage_server::serve(ctx, listener).await.unwrap()
}

/// Throughput and latencies of one URL under load.
pub struct Load {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// `connections` clients request `url` in a loop for `seconds` (after one warm-up request that
/// must succeed).
pub async fn load(url: &str, connections: usize, seconds: u64) -> Load {
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build().unwrap();
    let status = client.get(url).send().await.unwrap().status();
    assert!(status.is_success(), "{url}: {status}");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let response = client.get(&url).send().await.unwrap();
                    assert!(response.status().is_success());
                    response.bytes().await.unwrap();
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Load {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
    }
}

/// The `p`th percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

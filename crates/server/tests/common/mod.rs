//! A real hub on a real 127.0.0.1 port with its own database, and a browser-like HTTP client.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use maillage_core::accounts::{self, Role};
use maillage_core::testing::TestDatabase;
use maillage_federation::Federation;
use maillage_federation::actors::LocalActor;
use maillage_federation::signatures::sign_request;
use maillage_server::app::RunningHub;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use url::Url;

pub struct TestHub {
    pub url: String,
    pub hub: RunningHub,
    _database: TestDatabase,
}

impl TestHub {
    /// Starts a hub on a free port.
    pub async fn start() -> TestHub {
        let database = TestDatabase::create().await;
        let hub = serve_hub(&database, 0, |_| {}).await;
        TestHub { url: format!("http://{}", hub.addr), hub, _database: database }
    }

    pub fn db(&self) -> &maillage_core::Db {
        &self.hub.state.ctx.db
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A new browser: its own cookies, no automatic redirects (tests check them).
    pub fn browser(&self) -> Browser {
        Browser {
            client: Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap(),
            base: self.url.clone(),
        }
    }

    /// Creates an active account directly.
    pub async fn member(&self, username: &str, role: Role) -> accounts::User {
        accounts::create_user(self.db(), username, PASSWORD, role).await.unwrap()
    }

    /// A browser signed in as a new account with `role`.
    pub async fn signed_in(&self, username: &str, role: Role) -> Browser {
        self.member(username, role).await;
        let browser = self.browser();
        let response = browser.login(username, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
        browser
    }
}

/// Serves a hub on `database` at 127.0.0.1:`port` (0 for any free port), known to its peers as
/// `http://localhost:{port}`, after `adjust` changes its configuration.
pub async fn serve_hub(
    database: &TestDatabase,
    port: u16,
    adjust: impl FnOnce(&mut maillage_core::Config),
) -> RunningHub {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = database.config();
    config.public_url = format!("http://localhost:{port}").parse().unwrap();
    adjust(&mut config);
    maillage_server::serve(maillage_core::Context::open(config).await.unwrap(), listener).await.unwrap()
}

pub const PASSWORD: &str = "correct horse battery";

pub struct Browser {
    pub client: Client,
    pub base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, unescape(&response.text().await.unwrap()))
    }

    /// The CSRF token a page's forms carry.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get_text(path).await;
        csrf_in(&html).unwrap_or_else(|| panic!("no csrf_token on {path}"))
    }

    /// Submits a form the way the page's own form would: with the page's CSRF token.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf(page).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        self.client.post(format!("{}{action}", self.base)).form(&form).send().await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.submit("/login", "/login", &[("username", username), ("password", password)]).await
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

pub fn location(response: &Response) -> String {
    response.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A page's text with minijinja's HTML escapes undone, so tests can look for what a person reads.
pub fn unescape(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A response's body, unescaped.
pub async fn body(response: Response) -> String {
    unescape(&response.text().await.unwrap())
}

// --- Federation between test hubs -------------------------------------------------------------

/// Waits until `check` is true (deliveries and inbox processing are asynchronous).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

pub fn fed(hub: &TestHub) -> &Federation {
    &hub.hub.state.fed
}

pub fn domain(hub: &TestHub) -> String {
    fed(hub).domain()
}

/// POSTs `activity` to `inbox`, signed by `actor` of `from` (optionally tampered with).
pub async fn post_signed(
    from: &TestHub,
    actor: &LocalActor,
    inbox: &str,
    body: &[u8],
    tamper: impl FnOnce(&mut HeaderMap),
) -> StatusCode {
    let url = Url::parse(inbox).unwrap();
    let key = actor.signing_key(fed(from)).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/activity+json"));
    sign_request(&Method::POST, &url, &mut headers, Some(body), &key).unwrap();
    tamper(&mut headers);
    reqwest::Client::new().post(url).headers(headers).body(body.to_vec()).send().await.unwrap().status()
}

pub async fn count(hub: &TestHub, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(hub.db().pool()).await.unwrap()
}

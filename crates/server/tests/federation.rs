//! Federation between real hubs on 127.0.0.1 ports, each with its own database, over real HTTP
//! with real signatures.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{TestHub, count, domain, eventually, fed, post_signed};
use maillage_core::accounts::Role;
use maillage_federation::actors;
use maillage_federation::signatures::{self, sign_request};
use maillage_federation::{activities, delivery, instances, webfinger};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

#[tokio::test]
async fn discovery_webfinger_nodeinfo_and_actors() {
    let hub = TestHub::start().await;
    hub.member("alice", Role::Member).await;
    let client = reqwest::Client::new();
    let host = domain(&hub);
    let jrd: Value = client
        .get(hub.at(&format!("/.well-known/webfinger?resource=acct:alice@{host}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jrd["subject"], format!("acct:alice@{host}"));
    let href = jrd["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap()["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(href, format!("http://{host}/u/alice"));

    // The self link loops back: the actor's id is the link, its username and host give the acct.
    let response = client
        .get(href.replace(&host, &hub.url[7..]))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/activity+json"));
    let person: Value = response.json().await.unwrap();
    assert_eq!(person["id"], href);
    assert_eq!(person["type"], "Person");
    assert_eq!(person["preferredUsername"], "alice");
    assert_eq!(person["publicKey"]["owner"], href);
    assert!(person["publicKey"]["publicKeyPem"].as_str().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(person["endpoints"]["sharedInbox"], format!("http://{host}/inbox"));
    assert_eq!(person["inbox"], format!("{href}/inbox"));

    // A browser gets the page at the same URL.
    let page = client.get(hub.at("/u/alice")).header("Accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html"));

    // The instance actor, without any signature (FEP-2677), linked from NodeInfo.
    let links: Value = client.get(hub.at("/.well-known/nodeinfo")).send().await.unwrap().json().await.unwrap();
    let rels: Vec<&str> = links["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert!(rels.contains(&"http://nodeinfo.diaspora.software/ns/schema/2.1"));
    assert!(rels.contains(&"https://www.w3.org/ns/activitystreams#Application"));
    let nodeinfo: Value = client.get(hub.at("/nodeinfo/2.1")).send().await.unwrap().json().await.unwrap();
    assert_eq!(nodeinfo["software"]["name"], "maillage");
    assert_eq!(nodeinfo["metadata"]["nodeName"], "Maillage");
    assert_eq!(nodeinfo["usage"]["users"]["total"], 1);
    let instance: Value = client
        .get(hub.at("/actor"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(instance["type"], "Application");
    assert_eq!(instance["id"], format!("http://{host}/actor"));
    let jrd: Value = client
        .get(hub.at("/.well-known/webfinger?resource=acct:localhost@localhost"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jrd["links"][0]["href"], format!("http://{host}/actor"));

    let host_meta = client.get(hub.at("/.well-known/host-meta")).send().await.unwrap().text().await.unwrap();
    assert!(host_meta.contains("/.well-known/webfinger?resource={uri}"));
    let missing =
        client.get(hub.at(&format!("/.well-known/webfinger?resource=acct:nobody@{host}"))).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let other_host =
        client.get(hub.at("/.well-known/webfinger?resource=acct:alice@elsewhere.example")).send().await.unwrap();
    assert_eq!(other_host.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_of_hub_b_follows_a_member_of_hub_a_and_unfollows() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    hub_a.member("alice", Role::Member).await;
    hub_b.member("bruno", Role::Member).await;

    let alice_id = webfinger::resolve(fed(&hub_b), &format!("@alice@{}", domain(&hub_a))).await.unwrap();
    let alice = actors::fetch_remote(fed(&hub_b), &alice_id).await.unwrap();
    assert_eq!(alice.handle(), format!("@alice@{}", domain(&hub_a)));
    let bruno = actors::person_actor(fed(&hub_b), "bruno").await.unwrap().unwrap();
    activities::follow(fed(&hub_b), &bruno, &alice).await.unwrap();

    eventually("hub B sees its Follow accepted", || async {
        activities::following_status(fed(&hub_b), &bruno, &alice).await.unwrap().as_deref() == Some("accepted")
    })
    .await;
    let alice_local = actors::person_actor(fed(&hub_a), "alice").await.unwrap().unwrap();
    assert_eq!(activities::follower_count(fed(&hub_a), &alice_local).await.unwrap(), 1);
    let followers: Value = reqwest::Client::new()
        .get(hub_a.at("/u/alice/followers"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(followers["totalItems"], 1);

    // Each hub read the other's NodeInfo: the network page names the peer and counts the links.
    maillage_core::hub::update_identity(
        hub_a.db(),
        &maillage_core::hub::HubIdentityUpdate {
            name: "Hubik".into(),
            region: "Nouvelle-Aquitaine".into(),
            description: String::new(),
            logo_url: String::new(),
            contact: String::new(),
            rules: String::new(),
            terms: String::new(),
            registration_mode: "approval".into(),
            default_timezone: "Europe/Paris".into(),
            default_language: "fr".into(),
        },
    )
    .await
    .unwrap();
    sqlx::query("UPDATE instances SET nodeinfo_fetched_at = 0").execute(hub_b.db().pool()).await.unwrap();
    fed(&hub_b).wake_housekeeping.notify_one();
    eventually("hub B knows hub A's name and region", || async {
        let (_, html) = hub_b.browser().get_text("/network").await;
        html.contains("Hubik") && html.contains("Nouvelle-Aquitaine") && html.contains("maillage")
    })
    .await;
    let entries: Value = reqwest::get(hub_b.at("/api/v1/network")).await.unwrap().json().await.unwrap();
    let entry = entries.as_array().unwrap().iter().find(|e| e["domain"] == domain(&hub_a)).unwrap().clone();
    assert_eq!(
        (entry["we_follow"].as_i64(), entry["follow_us"].as_i64(), entry["health"].as_str()),
        (Some(1), Some(0), Some("ok"))
    );

    activities::unfollow(fed(&hub_b), &bruno, &alice).await.unwrap();
    eventually("hub A forgets the follower", || async {
        activities::follower_count(fed(&hub_a), &alice_local).await.unwrap() == 0
    })
    .await;
}

#[tokio::test]
async fn a_second_delivery_of_the_same_activity_changes_nothing() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    hub_a.member("alice", Role::Member).await;
    let b_actor = actors::instance_actor(fed(&hub_b)).await.unwrap();
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("http://{}/activities/follow-1", domain(&hub_b)),
        "type": "Follow",
        "actor": b_actor.ap_id(fed(&hub_b)),
        "object": format!("http://{}/u/alice", domain(&hub_a)),
    })
    .to_string();
    let inbox = hub_a.at("/u/alice/inbox");
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, follow.as_bytes(), |_| {}).await, StatusCode::ACCEPTED);
    assert_eq!(
        post_signed(&hub_b, &b_actor, &hub_a.at("/inbox"), follow.as_bytes(), |_| {}).await,
        StatusCode::ACCEPTED
    );
    eventually("the follow is processed", || async { count(&hub_a, "SELECT COUNT(*) FROM followers").await == 1 })
        .await;
    assert_eq!(count(&hub_a, "SELECT COUNT(*) FROM inbox_activities").await, 1);
    eventually("one Accept is delivered", || async {
        count(&hub_a, "SELECT COUNT(*) FROM deliveries WHERE status = 'done'").await == 1
    })
    .await;
    assert_eq!(count(&hub_a, "SELECT COUNT(*) FROM deliveries").await, 1);
}

#[tokio::test]
async fn forged_stale_and_malformed_requests_are_refused_with_the_right_status() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    let b_actor = actors::instance_actor(fed(&hub_b)).await.unwrap();
    let b_id = b_actor.ap_id(fed(&hub_b));
    let inbox = hub_a.at("/inbox");
    let note = |id: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("http://{}/activities/{id}", domain(&hub_b)),
            "type": "Create", "actor": b_id, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": { "id": format!("http://{}/notes/{id}", domain(&hub_b)), "type": "Note", "attributedTo": b_id, "content": "<p>Bonjour</p>" }
        })
        .to_string()
    };

    // Genuine: accepted, journaled, and ignored with a reason (notes belong to the forum issue).
    let genuine = note("genuine");
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, genuine.as_bytes(), |_| {}).await, StatusCode::ACCEPTED);

    // The body changed after signing: the digest no longer matches.
    let url = Url::parse(&inbox).unwrap();
    let key = b_actor.signing_key(fed(&hub_b)).unwrap();
    let mut headers = HeaderMap::new();
    sign_request(&Method::POST, &url, &mut headers, Some(note("original").as_bytes()), &key).unwrap();
    let forged = reqwest::Client::new().post(url.clone()).headers(headers).body(note("forged")).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // A digest recomputed for the new body, but the signature covers the old one.
    let status = post_signed(&hub_b, &b_actor, &inbox, note("x").as_bytes(), |h| {
        h.insert("digest", HeaderValue::from_str(&signatures::digest_header(note("y").as_bytes())).unwrap());
    })
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Signed two hours ago.
    let status = post_signed(&hub_b, &b_actor, &inbox, note("old").as_bytes(), |h| {
        let old = std::time::SystemTime::now() - Duration::from_secs(7200);
        h.insert("date", HeaderValue::from_str(&httpdate::fmt_http_date(old)).unwrap());
    })
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // No signature, and an RFC 9421 one.
    let unsigned = reqwest::Client::new().post(url.clone()).body(note("u")).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let rfc9421 = reqwest::Client::new()
        .post(url.clone())
        .header("signature-input", "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";alg=\"rsa-v1_5-sha256\"")
        .header("signature", "sig1=:AAAA:")
        .body(note("r"))
        .send()
        .await
        .unwrap();
    assert_eq!(rfc9421.status(), StatusCode::UNAUTHORIZED);

    // Signed by B, but speaking for someone else.
    let impostor = json!({ "id": format!("http://{}/activities/imp", domain(&hub_b)), "type": "Follow", "actor": "http://mastodon.example/users/someone", "object": "x" }).to_string();
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, impostor.as_bytes(), |_| {}).await, StatusCode::UNAUTHORIZED);

    // B creating an object that lives on another server.
    let spoof = json!({
        "id": format!("http://{}/activities/spoof", domain(&hub_b)), "type": "Create", "actor": b_id,
        "object": { "id": "http://other.example/notes/1", "type": "Note", "attributedTo": b_id }
    })
    .to_string();
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, spoof.as_bytes(), |_| {}).await, StatusCode::BAD_REQUEST);

    // Broken JSON, genuinely signed.
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, b"{\"type\": ", |_| {}).await, StatusCode::BAD_REQUEST);
    // Too deep.
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, deep.as_bytes(), |_| {}).await, StatusCode::BAD_REQUEST);
    // Too large.
    let large = format!("{{\"content\": \"{}\"}}", "x".repeat(600 * 1024));
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, large.as_bytes(), |_| {}).await, StatusCode::PAYLOAD_TOO_LARGE);

    // An unknown activity type is accepted and journaled as ignored, never a 500.
    let odd = json!({ "id": format!("http://{}/activities/odd", domain(&hub_b)), "type": "Dance", "actor": b_id })
        .to_string();
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, odd.as_bytes(), |_| {}).await, StatusCode::ACCEPTED);

    eventually("both accepted activities are processed", || async {
        count(&hub_a, "SELECT COUNT(*) FROM inbox_activities WHERE status = 'ignored'").await == 2
    })
    .await;
    let reasons: Vec<String> = sqlx::query_scalar("SELECT reason FROM inbox_activities ORDER BY id")
        .fetch_all(hub_a.db().pool())
        .await
        .unwrap();
    assert_eq!(reasons, ["a post that addresses none of our categories", "Dance is not handled by this hub"]);
}

#[tokio::test]
async fn a_blocked_instance_is_refused_both_ways() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    hub_a.member("alice", Role::Member).await;
    instances::set_policy(fed(&hub_a), &domain(&hub_b), instances::Policy::Blocked).await.unwrap();
    let b_actor = actors::instance_actor(fed(&hub_b)).await.unwrap();
    let follow = json!({
        "id": format!("http://{}/activities/f", domain(&hub_b)), "type": "Follow",
        "actor": b_actor.ap_id(fed(&hub_b)), "object": format!("http://{}/u/alice", domain(&hub_a)),
    })
    .to_string();
    assert_eq!(
        post_signed(&hub_b, &b_actor, &hub_a.at("/inbox"), follow.as_bytes(), |_| {}).await,
        StatusCode::FORBIDDEN
    );

    let alice = actors::person_actor(fed(&hub_a), "alice").await.unwrap().unwrap();
    let activity =
        json!({ "id": activities::new_activity_id(fed(&hub_a)), "type": "Update", "actor": alice.ap_id(fed(&hub_a)) });
    let inbox = format!("http://{}/inbox", domain(&hub_b));
    delivery::publish_now(fed(&hub_a), &alice, &activity, &BTreeSet::from([inbox])).await.unwrap();
    eventually("the delivery to the blocked hub is refused", || async {
        count(&hub_a, "SELECT COUNT(*) FROM deliveries WHERE status = 'failed' AND last_error = 'instance blocked'")
            .await
            == 1
    })
    .await;
    assert_eq!(count(&hub_b, "SELECT COUNT(*) FROM inbox_activities").await, 0);
}

/// A port that is free now, to start a hub on later.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn deliveries_survive_a_down_peer_and_a_restart_of_the_sender() {
    let database_a = maillage_core::testing::TestDatabase::create().await;
    let port_a = free_port();
    let hub_a = common::serve_hub(&database_a, port_a, |_| {}).await;
    let fed_a = hub_a.state.fed.clone();
    maillage_core::accounts::create_user(&fed_a.ctx.db, "alice", common::PASSWORD, Role::Member).await.unwrap();
    let alice = actors::person_actor(&fed_a, "alice").await.unwrap().unwrap();

    // Three receiving hubs are up; two will come up only later.
    let up = [TestHub::start().await, TestHub::start().await, TestHub::start().await];
    let later_ports = [free_port(), free_port()];
    let mut inboxes: BTreeSet<String> = up.iter().map(|h| format!("http://{}/inbox", domain(h))).collect();
    inboxes.extend(later_ports.iter().map(|p| format!("http://localhost:{p}/inbox")));
    // Every receiver must be able to fetch alice's key: it is served by hub A.
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activities::new_activity_id(&fed_a), "type": "Announce", "actor": alice.ap_id(&fed_a),
        "object": alice.ap_id(&fed_a), "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    delivery::publish_now(&fed_a, &alice, &activity, &inboxes).await.unwrap();
    let pool_a = fed_a.ctx.db.pool().clone();
    let done = || {
        let pool = pool_a.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM deliveries WHERE status = 'done'")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    eventually("the three live hubs receive it", || async { done().await == 3 }).await;
    let retrying: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts = 1")
        .fetch_one(&pool_a)
        .await
        .unwrap();
    assert_eq!(retrying, 2, "the two down hubs are scheduled for a retry");

    // The sender stops (as in a crash or an upgrade) while two deliveries wait.
    hub_a.stop().await;
    fed_a.ctx.db.close().await;

    // The two peers come up; time passes until their retry is due.
    let mut late_hubs = Vec::new();
    for port in later_ports {
        let database = maillage_core::testing::TestDatabase::create().await;
        late_hubs.push((common::serve_hub(&database, port, |_| {}).await, database));
    }
    let hub_a = common::serve_hub(&database_a, port_a, |_| {}).await;
    let pool_a = hub_a.state.ctx.db.pool().clone();
    sqlx::query("UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'pending'").execute(&pool_a).await.unwrap();
    sqlx::query("UPDATE instances SET paused_until = 0").execute(&pool_a).await.unwrap();
    hub_a.state.fed.wake_delivery.notify_one();
    let done = || {
        let pool = pool_a.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM deliveries WHERE status = 'done'")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    eventually("every delivery happened after the restart", || async { done().await == 5 }).await;
    for (hub, _) in &late_hubs {
        let received: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_activities")
            .fetch_one(hub.state.ctx.db.pool())
            .await
            .unwrap();
        assert_eq!(received, 1);
    }
    let healthy: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM instances WHERE consecutive_failures = 0 AND last_success_at > 0")
            .fetch_one(&pool_a)
            .await
            .unwrap();
    assert_eq!(healthy, 5, "every peer is healthy again");
    hub_a.stop().await;
}

#[tokio::test]
async fn allowlist_only_mode_federates_only_with_allowed_servers() {
    let database = maillage_core::testing::TestDatabase::create().await;
    let hub_a = common::serve_hub(&database, 0, |config| config.federation_allowlist_only = true).await;
    let port = hub_a.addr.port();
    let hub_b = TestHub::start().await;
    let b_actor = actors::instance_actor(fed(&hub_b)).await.unwrap();
    let follow = |n: u32| {
        json!({
            "id": format!("http://{}/activities/f{n}", domain(&hub_b)), "type": "Follow",
            "actor": b_actor.ap_id(fed(&hub_b)), "object": format!("http://localhost:{port}/actor"),
        })
        .to_string()
    };
    let inbox = format!("http://127.0.0.1:{port}/inbox");
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, follow(1).as_bytes(), |_| {}).await, StatusCode::FORBIDDEN);
    instances::set_policy(&hub_a.state.fed, &domain(&hub_b), instances::Policy::Allowed).await.unwrap();
    assert_eq!(post_signed(&hub_b, &b_actor, &inbox, follow(2).as_bytes(), |_| {}).await, StatusCode::ACCEPTED);
    hub_a.stop().await;
}

#[tokio::test]
async fn a_member_who_leaves_is_deleted_on_the_servers_that_follow_them() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    let carla = hub_a.signed_in("carla", Role::Member).await;
    let b_actor = actors::instance_actor(fed(&hub_b)).await.unwrap();
    let carla_id = format!("http://{}/u/carla", domain(&hub_a));
    let carla_remote = actors::fetch_remote(fed(&hub_b), &carla_id).await.unwrap();
    activities::follow(fed(&hub_b), &b_actor, &carla_remote).await.unwrap();
    eventually("B follows carla", || async {
        activities::following_status(fed(&hub_b), &b_actor, &carla_remote).await.unwrap().as_deref() == Some("accepted")
    })
    .await;

    let response = carla.submit("/settings/delete", "/settings/delete", &[("password", common::PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    eventually("hub B received the Delete and forgot carla", || async {
        actors::remote_by_ap_id(fed(&hub_b), &carla_id).await.unwrap().is_none()
    })
    .await;
    let gone = reqwest::Client::new()
        .get(hub_a.at("/u/carla"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::GONE);
    let tombstone: Value = gone.json().await.unwrap();
    assert_eq!(tombstone["type"], "Tombstone");
}

/// A server that serves a thread of notes: `/notes/{n}` answers `/notes/{n-1}`, and
/// `/loop/a` and `/loop/b` answer each other.
async fn start_thread_server() -> u16 {
    use axum::extract::Path;
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://localhost:{port}");
    let note = move |id: String, reply: Option<String>| {
        axum::response::Response::builder()
            .header("content-type", "application/activity+json")
            .body(axum::body::Body::from(
                json!({ "id": id, "type": "Note", "content": "…", "inReplyTo": reply }).to_string(),
            ))
            .unwrap()
    };
    let (b1, b2, b3) = (base.clone(), base.clone(), base.clone());
    let app = axum::Router::new()
        .route(
            "/notes/{n}",
            get(move |Path(n): Path<u32>| {
                let base = b1.clone();
                async move { note(format!("{base}/notes/{n}"), (n > 0).then(|| format!("{base}/notes/{}", n - 1))) }
            }),
        )
        .route(
            "/loop/{name}",
            get(move |Path(name): Path<String>| {
                let base = b2.clone();
                async move {
                    let other = if name == "a" { "b" } else { "a" };
                    note(format!("{base}/loop/{name}"), Some(format!("{base}/loop/{other}")))
                }
            }),
        )
        .route(
            "/liar",
            get(move || {
                let base = b3.clone();
                async move { note("http://elsewhere.example/notes/1".into(), Some(format!("{base}/notes/1"))) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

#[tokio::test]
async fn reply_chains_are_fetched_within_a_depth_limit() {
    let hub = TestHub::start().await;
    let port = start_thread_server().await;
    let base = format!("http://localhost:{port}");
    let fed = fed(&hub);
    let start = json!({ "id": "https://x.example/reply", "inReplyTo": format!("{base}/notes/100") });
    let chain = maillage_federation::objects::fetch_reply_chain(
        fed,
        &start,
        maillage_federation::objects::MAX_REPLY_DEPTH,
        |_| false,
    )
    .await;
    assert_eq!(chain.len(), 16, "a hundred-deep thread stops at the limit");
    assert_eq!(chain[0]["id"], format!("{base}/notes/100"));
    assert_eq!(chain[15]["id"], format!("{base}/notes/85"));

    // An object we already have ends the walk.
    let known = format!("{base}/notes/98");
    let chain = maillage_federation::objects::fetch_reply_chain(fed, &start, 16, |id| id == known).await;
    assert_eq!(chain.len(), 2);

    // A loop ends too.
    let start = json!({ "id": format!("{base}/loop/a"), "inReplyTo": format!("{base}/loop/b") });
    let chain = maillage_federation::objects::fetch_reply_chain(fed, &start, 16, |_| false).await;
    assert_eq!(chain.len(), 1);

    // A server that serves someone else's object is refused.
    let err = maillage_federation::objects::fetch_object(fed, &format!("{base}/liar")).await.unwrap_err();
    assert!(err.to_string().contains("from elsewhere"), "{err}");
}

#[tokio::test]
async fn two_server_processes_share_one_queue_and_deliver_each_activity_once() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    // A receiver that counts what each inbox got.
    let received: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/inbox/{n}",
        axum::routing::post(move |axum::extract::Path(n): axum::extract::Path<String>| {
            let counter = counter.clone();
            async move {
                *counter.lock().unwrap().entry(n).or_default() += 1;
                StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    // Two processes of the same hub: one database, one public address, two listeners.
    let database = maillage_core::testing::TestDatabase::create().await;
    let public_port = free_port();
    let mut processes = Vec::new();
    for _ in 0..2 {
        let mut config = database.config();
        config.public_url = format!("http://localhost:{public_port}").parse().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        processes
            .push(maillage_server::serve(maillage_core::Context::open(config).await.unwrap(), listener).await.unwrap());
    }
    let first = &processes[0].state.fed;
    maillage_core::accounts::create_user(&first.ctx.db, "dana", common::PASSWORD, Role::Member).await.unwrap();
    let dana = actors::person_actor(first, "dana").await.unwrap().unwrap();
    let inboxes: BTreeSet<String> = (0..60).map(|n| format!("http://localhost:{receiver_port}/inbox/{n}")).collect();
    for i in 0..3 {
        let activity = json!({ "id": format!("{}/activities/shared-{i}", first.url("")), "type": "Update", "actor": dana.ap_id(first) });
        delivery::publish_now(first, &dana, &activity, &inboxes).await.unwrap();
        // Both processes wake up: they compete for the same rows.
        processes[1].state.fed.wake_delivery.notify_one();
    }
    eventually("all 180 deliveries are done", || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM deliveries WHERE status = 'done'")
            .fetch_one(first.ctx.db.pool())
            .await
            .unwrap()
            == 180
    })
    .await;
    let counts = received.lock().unwrap().clone();
    assert_eq!(counts.len(), 60);
    assert!(counts.values().all(|n| *n == 3), "every inbox got each of the 3 activities exactly once: {counts:?}");
    for process in processes {
        process.stop().await;
    }
}

#[tokio::test]
async fn a_feature_group_is_followable_from_another_hub() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    // What a feature does when it opens a group (the calendar and the library have their own).
    let profile = actors::GroupProfile {
        display_name: "Ateliers du Jura".into(),
        summary_html: "<p>Ateliers et cafés numériques</p>".into(),
        page_path: "/ateliers".into(),
    };
    let calendar = actors::ensure_group(fed(&hub_a), "ateliers", &profile).await.unwrap();
    assert_eq!(actors::ensure_group(fed(&hub_a), "ateliers", &profile).await.unwrap().id, calendar.id, "created once");

    let group_id = webfinger::resolve(fed(&hub_b), &format!("@ateliers@{}", domain(&hub_a))).await.unwrap();
    assert_eq!(group_id, format!("http://{}/g/ateliers", domain(&hub_a)));
    let group = actors::fetch_remote(fed(&hub_b), &group_id).await.unwrap();
    assert_eq!((group.kind.as_str(), group.name.as_str()), ("Group", "Ateliers du Jura"));
    hub_b.member("mona", Role::Member).await;
    let mona = actors::person_actor(fed(&hub_b), "mona").await.unwrap().unwrap();
    activities::follow(fed(&hub_b), &mona, &group).await.unwrap();
    eventually("mona follows the calendar", || async {
        activities::following_status(fed(&hub_b), &mona, &group).await.unwrap().as_deref() == Some("accepted")
    })
    .await;
    // A hub's own actors list their followers.
    let page: Value = reqwest::Client::new()
        .get(hub_a.at("/g/ateliers/followers?page=1"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["orderedItems"], json!([mona.ap_id(fed(&hub_b))]));
    let inboxes = delivery::follower_inboxes(fed(&hub_a), &calendar).await.unwrap();
    assert_eq!(inboxes, BTreeSet::from([format!("http://{}/inbox", domain(&hub_b))]));
    // A browser is sent to the calendar's page.
    let response = hub_a.browser().client.get(hub_a.at("/g/ateliers")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/ateliers");
    assert_eq!(hub_a.browser().get("/g/nothing-here").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_follows_and_blocks_from_the_federation_page() {
    let hub_a = TestHub::start().await;
    let hub_b = TestHub::start().await;
    hub_b.member("agnes", Role::Member).await;
    let admin = hub_a.signed_in("hub_admin", Role::Admin).await;
    let handle = format!("@agnes@{}", domain(&hub_b));
    let response = admin.submit("/admin/federation", "/admin/federation/follow", &[("actor", &handle)]).await;
    assert_eq!(common::location(&response), "/admin/federation?followed=1");
    eventually("the follow is accepted and shown", || async {
        let (_, html) = admin.get_text("/admin/federation").await;
        html.contains(&handle) && html.contains("Accepté")
    })
    .await;
    // An unknown account is explained on the page, tied to the field.
    let response =
        admin.submit("/admin/federation", "/admin/federation/follow", &[("actor", "@nobody@localhost:9")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common::body(response).await.contains("Impossible de trouver ce compte."));

    let response = admin
        .submit(
            "/admin/federation",
            "/admin/federation/instances",
            &[("domain", &domain(&hub_b)), ("policy", "blocked")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(instances::refusal(fed(&hub_a), &domain(&hub_b)).await.unwrap().is_some());
    let response = admin
        .submit("/admin/federation", "/admin/federation/instances", &[("domain", "not a host/"), ("policy", "blocked")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Members cannot.
    let member = hub_a.signed_in("plain", Role::Member).await;
    assert_eq!(member.get("/admin/federation").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_keys_from_one_server_are_fetched_at_a_bounded_rate() {
    let hub = TestHub::start().await;
    let (_, private) = signatures::generate_keypair().unwrap();
    let inbox = Url::parse(&hub.at("/inbox")).unwrap();
    let body = br#"{"type":"Like"}"#;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    // Keys on a server that does not answer: each one would cost us a fetch.
    for n in 0..61 {
        let key =
            signatures::SigningKey::from_pem(&format!("http://localhost:9/u/junk{n}#main-key"), &private).unwrap();
        let mut headers = HeaderMap::new();
        sign_request(&Method::POST, &inbox, &mut headers, Some(body), &key).unwrap();
        statuses.push(client.post(inbox.clone()).headers(headers).body(body.to_vec()).send().await.unwrap().status());
    }
    assert!(statuses[..60].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert_eq!(statuses[60], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_activity_that_fails_for_a_passing_reason_is_retried_soon_with_the_reason() {
    let hub = TestHub::start().await;
    // A sender whose server does not answer (nothing listens on port 9 here).
    let now = maillage_core::time::now_ms();
    sqlx::query(
        "INSERT INTO inbox_activities (activity_id, actor, activity_type, payload, status, received_at) \
         VALUES ('http://127.0.0.1:9/a/1', 'http://127.0.0.1:9/actor', 'Like', $1, 'pending', $2)",
    )
    .bind(json!({ "id": "http://127.0.0.1:9/a/1", "type": "Like", "actor": "http://127.0.0.1:9/actor" }).to_string())
    .bind(now)
    .execute(hub.db().pool())
    .await
    .unwrap();
    // The hub's own worker may be first; either way the outcome is the same.
    maillage_federation::inbox::process_pending(fed(&hub)).await.unwrap();
    eventually("the failure is recorded", || async {
        count(&hub, "SELECT COUNT(*) FROM inbox_activities WHERE reason LIKE 'will be retried:%'").await == 1
    })
    .await;
    let (status, locked_until, attempts): (String, i64, i64) = sqlx::query_as(
        "SELECT status, locked_until, attempts FROM inbox_activities WHERE activity_id = 'http://127.0.0.1:9/a/1'",
    )
    .fetch_one(hub.db().pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    let pause = locked_until - maillage_core::time::now_ms();
    assert!((0..=6_000).contains(&pause), "tried again within seconds, not after the 10-minute claim: {pause} ms");
}

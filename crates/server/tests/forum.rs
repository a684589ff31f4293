//! The forum between real hubs on 127.0.0.1 ports: categories followed from another hub,
//! topics and replies that travel both ways, the solution, edits, deletions and likes, replies
//! from Mastodon and posts from Lemmy, NodeBB and Discourse (real payloads of the corpus,
//! re-signed), and what the forum refuses.

mod common;

use common::{TestHub, body, domain, eventually, fed, location, post_signed};
use maillage_core::accounts::{self, Role, User};
use maillage_federation::actors;
use maillage_federation::forum as fed_forum;
use maillage_forum::categories::{self, CategoryInput};
use maillage_forum::posts;
use maillage_forum::topics::{self, TopicInput};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn user(hub: &TestHub, name: &str) -> User {
    accounts::user_by_username(hub.db(), name).await.unwrap().unwrap()
}

async fn category(hub: &TestHub, slug: &str, name: &str) -> categories::Category {
    fed_forum::create_category(
        fed(hub),
        &CategoryInput {
            slug: slug.into(),
            name: name.into(),
            description: "Entraide entre pairs".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Waits until `user_id` has a notification of `kind` whose link contains `link_part`
/// (notifications are written once the post that causes them is stored).
async fn has_notification(hub: &TestHub, user_id: i64, kind: &str, link_part: &str) {
    eventually(&format!("a {kind} notification"), || async {
        let notes = maillage_core::notifications::list(hub.db(), user_id, 20).await.unwrap();
        notes.iter().any(|n| n.kind == kind && n.link.contains(link_part))
    })
    .await;
}

/// The post a hub stores under `ap_id`, once it arrived.
async fn arrived(hub: &TestHub, what: &str, ap_id: &str) -> posts::Post {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Some(post) = posts::by_ap_id(hub.db(), ap_id).await.unwrap() {
            return post;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // What the hub's inbox made of what it received, to say why.
    let journal: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT activity_id, status, COALESCE(reason, ''), attempts FROM inbox_activities ORDER BY id")
            .fetch_all(hub.db().pool())
            .await
            .unwrap_or_default();
    panic!("timed out waiting until {what}; inbox journal: {journal:#?}");
}

/// A member of `hub` follows `slug@origin` and waits for the Accept.
async fn follow_category(hub: &TestHub, member: &User, origin: &TestHub, slug: &str) -> categories::Category {
    let handle = format!("@{slug}@{}", domain(origin));
    let category = fed_forum::follow_category(fed(hub), member, &handle).await.unwrap();
    eventually("the category accepts the follow", || async {
        fed_forum::follow_status(fed(hub), member, &category).await.unwrap().as_deref() == Some("accepted")
    })
    .await;
    category
}

#[tokio::test]
async fn a_question_travels_across_three_hubs_and_its_solution_follows() {
    let (hub_a, hub_b, hub_c) = tokio::join!(TestHub::start(), TestHub::start(), TestHub::start());
    hub_a.member("alice", Role::Member).await;
    hub_b.member("bruno", Role::Member).await;
    hub_c.member("chloe", Role::Member).await;
    let (alice, bruno, chloe) = (user(&hub_a, "alice").await, user(&hub_b, "bruno").await, user(&hub_c, "chloe").await);
    let entraide = category(&hub_a, "entraide", "Entraide").await;

    // B and C follow A's category, as their members.
    let on_b = follow_category(&hub_b, &bruno, &hub_a, "entraide").await;
    follow_category(&hub_c, &chloe, &hub_a, "entraide").await;
    assert_eq!(on_b.slug, format!("entraide@{}", domain(&hub_a)));

    // Alice asks; both hubs see the topic in their copy of the category, title and tags kept.
    let input = TopicInput {
        title: "Aider quelqu'un sans adresse e-mail à faire sa demande CAF ?".into(),
        body: "Une personne n'a **pas d'e-mail**. Comment l'aider pour la CAF ?".into(),
        tags: "CAF, e-mail".into(),
    };
    let (topic_a, opening_a) = fed_forum::create_topic(fed(&hub_a), &alice, &entraide, &input).await.unwrap();
    let opening_ap_id = posts::by_id(hub_a.db(), opening_a).await.unwrap().unwrap().ap_id;
    let opening_b = arrived(&hub_b, "hub B receives the topic", &opening_ap_id).await;
    let opening_c = arrived(&hub_c, "hub C receives the topic", &opening_ap_id).await;
    let topic_b = topics::view(hub_b.db(), opening_b.topic_id).await.unwrap().unwrap();
    assert_eq!(topic_b.topic.title, input.title);
    assert_eq!(topic_b.category.id, on_b.id);
    assert_eq!(topic_b.tags, ["caf", "e-mail"]);
    assert!(opening_b.content_html.contains("<strong>pas d'e-mail</strong>"), "{}", opening_b.content_html);
    assert_eq!(opening_b.author_handle, format!("@alice@{}", domain(&hub_a)));
    assert_eq!(opening_c.topic_id, topics::view(hub_c.db(), opening_c.topic_id).await.unwrap().unwrap().topic.id);

    // Bruno answers from B: A stores it in the topic, and C gets it through A's category.
    let reply_b = fed_forum::reply(
        fed(&hub_b),
        &bruno,
        opening_b.topic_id,
        Some(opening_b.id),
        "Le **point d'accueil CAF** peut créer un compte sans e-mail.",
    )
    .await
    .unwrap();
    let reply_ap_id = posts::by_id(hub_b.db(), reply_b).await.unwrap().unwrap().ap_id;
    let reply_on_a = arrived(&hub_a, "hub A receives Bruno's answer", &reply_ap_id).await;
    assert_eq!(reply_on_a.topic_id, topic_a);
    assert_eq!(reply_on_a.in_reply_to_id, Some(opening_a));
    let reply_on_c = arrived(&hub_c, "hub C receives Bruno's answer through A", &reply_ap_id).await;
    assert_eq!(reply_on_c.topic_id, opening_c.topic_id);
    // Alice is told about the answer (notifications follow the stored post).
    has_notification(&hub_a, alice.id, "reply_to_topic", "").await;

    // Alice marks it as the solution: A shows it, B and C show the same, Bruno is told.
    fed_forum::mark_solution(fed(&hub_a), &alice, topic_a, Some(reply_on_a.id)).await.unwrap();
    eventually("hub B shows the solution", || async {
        topics::by_id(hub_b.db(), opening_b.topic_id).await.unwrap().unwrap().solution_post_id == Some(reply_b)
    })
    .await;
    eventually("hub C shows the solution", || async {
        topics::by_id(hub_c.db(), opening_c.topic_id).await.unwrap().unwrap().solution_post_id == Some(reply_on_c.id)
    })
    .await;
    has_notification(&hub_b, bruno.id, "solution", "").await;
    let (_, page) = hub_b.browser().get_text(&format!("/forum/t/{}", opening_b.topic_id)).await;
    assert!(page.contains("Résolu") && page.contains("point d'accueil CAF"), "{page}");
    // Filters agree on both hubs.
    let solved_b =
        topics::list(hub_b.db(), &topics::ListQuery { filter: topics::Filter::Solved, page: 1, ..Default::default() })
            .await
            .unwrap();
    assert_eq!(solved_b.total, 1);

    // Alice edits: the new title and text reach B.
    fed_forum::edit(
        fed(&hub_a),
        &alice,
        opening_a,
        &posts::EditInput {
            title: Some("Demande CAF sans e-mail".into()),
            body: "Texte précisé.".into(),
            tags: Some("caf".into()),
        },
    )
    .await
    .unwrap();
    eventually("hub B shows the edit", || async {
        let view = topics::view(hub_b.db(), opening_b.topic_id).await.unwrap().unwrap();
        view.topic.title == "Demande CAF sans e-mail"
            && view.posts[0].content_html.contains("Texte précisé")
            && view.posts[0].edited_at > 0
    })
    .await;

    // Alice likes Bruno's answer: counted on B, where Bruno is told.
    assert!(fed_forum::toggle_like(fed(&hub_a), &alice, reply_on_a.id).await.unwrap());
    eventually("hub B counts the like", || async {
        posts::by_id(hub_b.db(), reply_b).await.unwrap().unwrap().like_count == 1
    })
    .await;

    // Bruno deletes his answer: A and C keep a tombstone, and the topic is no longer solved.
    fed_forum::delete(fed(&hub_b), &bruno, reply_b).await.unwrap();
    eventually("hub A and C show the deletion", || async {
        posts::by_id(hub_a.db(), reply_on_a.id).await.unwrap().unwrap().deleted_at > 0
            && posts::by_id(hub_c.db(), reply_on_c.id).await.unwrap().unwrap().deleted_at > 0
    })
    .await;
    let topic = topics::by_id(hub_a.db(), topic_a).await.unwrap().unwrap();
    assert_eq!((topic.reply_count, topic.solution_post_id), (0, None));
}

/// A real Mastodon reply from the corpus, its ids rewritten to an actor of `from` and pointed at
/// `in_reply_to`; signed by that actor and posted to `to`'s shared inbox.
async fn mastodon_reply(
    from: &TestHub,
    actor_name: &str,
    to: &TestHub,
    in_reply_to: &str,
    content: &str,
) -> (StatusCode, String) {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/interop/mastodon/activities/create_note_reply.json"
    ))
    .expect("the interop corpus in ../shared");
    let mut activity: Value = serde_json::from_str(&raw).unwrap();
    let actor = actors::person_actor(fed(from), actor_name).await.unwrap().unwrap();
    let actor_id = actor.ap_id(fed(from));
    let note_id = format!("{actor_id}/statuses/{}", maillage_core::token::random_token());
    activity["id"] = json!(format!("{note_id}/activity"));
    activity["actor"] = json!(actor_id);
    activity["object"]["id"] = json!(note_id);
    activity["object"]["attributedTo"] = json!(actor_id);
    activity["object"]["inReplyTo"] = json!(in_reply_to);
    activity["object"]["content"] = json!(content);
    let body = activity.to_string();
    let status = post_signed(from, &actor, &to.at("/inbox"), body.as_bytes(), |_| {}).await;
    (status, note_id)
}

#[tokio::test]
async fn a_mastodon_reply_lands_in_the_right_topic_and_hostile_html_is_cleaned() {
    let (hub_a, masto) = tokio::join!(TestHub::start(), TestHub::start());
    hub_a.member("alice", Role::Member).await;
    masto.member("felix", Role::Member).await;
    let alice = user(&hub_a, "alice").await;
    let entraide = category(&hub_a, "entraide", "Entraide").await;
    let (topic, opening) = fed_forum::create_topic(
        fed(&hub_a),
        &alice,
        &entraide,
        &TopicInput { title: "Arnaque par SMS".into(), body: "Que conseiller ?".into(), tags: String::new() },
    )
    .await
    .unwrap();
    let opening_ap_id = posts::by_id(hub_a.db(), opening).await.unwrap().unwrap().ap_id;

    let hostile = "<p>Ne cliquez pas <script>alert(1)</script><img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">ici</a></p>";
    let (status, note_id) = mastodon_reply(&masto, "felix", &hub_a, &opening_ap_id, hostile).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reply = arrived(&hub_a, "the Mastodon reply is stored", &note_id).await;
    assert_eq!(reply.topic_id, topic);
    assert!(reply.content_html.contains("Ne cliquez pas"));
    for bad in ["<script", "onerror", "javascript:", "<img"] {
        assert!(!reply.content_html.contains(bad), "{}", reply.content_html);
    }
    has_notification(&hub_a, alice.id, "reply_to_topic", &format!("#p{}", reply.id)).await;

    // A reply to something nobody here has, on a server that does not serve it: refused, kept
    // in the journal with the reason.
    let (status, lost_id) =
        mastodon_reply(&masto, "felix", &hub_a, &format!("{}/nowhere/1", masto.url), "<p>perdu</p>").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    eventually("the orphan reply is journaled as ignored", || async {
        let reason: Option<String> =
            sqlx::query_scalar("SELECT reason FROM inbox_activities WHERE activity_id = $1 AND status = 'ignored'")
                .bind(format!("{lost_id}/activity"))
                .fetch_optional(hub_a.db().pool())
                .await
                .unwrap();
        reason.is_some_and(|r| r.contains("conversation this hub does not have"))
    })
    .await;
    assert!(posts::by_ap_id(hub_a.db(), &lost_id).await.unwrap().is_none());

    // A locked topic takes no more replies, from here or from elsewhere.
    let moderator = hub_a.member("mod", Role::Moderator).await;
    fed_forum::set_topic_flag(fed(&hub_a), &moderator, topic, fed_forum::TopicFlag::Locked, true).await.unwrap();
    let (_, late_id) = mastodon_reply(&masto, "felix", &hub_a, &opening_ap_id, "<p>trop tard</p>").await;
    eventually("the late reply is ignored", || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM inbox_activities WHERE activity_id = $1")
            .bind(format!("{late_id}/activity"))
            .fetch_optional(hub_a.db().pool())
            .await
            .unwrap()
            .as_deref()
            == Some("ignored")
    })
    .await;
    let err = fed_forum::reply(fed(&hub_a), &alice, topic, None, "moi aussi").await.unwrap_err();
    assert!(err.to_string().contains("topic_locked"), "{err}");
}

#[tokio::test]
async fn a_mastodon_post_mentioning_a_category_starts_a_topic() {
    let (hub_a, masto) = tokio::join!(TestHub::start(), TestHub::start());
    masto.member("felix", Role::Member).await;
    category(&hub_a, "entraide", "Entraide").await;
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/interop/mastodon/activities/create_note_public.json"
    ))
    .unwrap();
    let mut activity: Value = serde_json::from_str(&raw).unwrap();
    let actor = actors::person_actor(fed(&masto), "felix").await.unwrap().unwrap();
    let actor_id = actor.ap_id(fed(&masto));
    let group = format!("http://{}/g/entraide", domain(&hub_a));
    let note_id = format!("{actor_id}/statuses/1");
    activity["id"] = json!(format!("{note_id}/activity"));
    activity["actor"] = json!(actor_id);
    let object = activity["object"].as_object_mut().unwrap();
    object.insert("id".into(), json!(note_id));
    object.insert("attributedTo".into(), json!(actor_id));
    object.insert("inReplyTo".into(), Value::Null);
    object.insert("cc".into(), json!([group]));
    object.insert("to".into(), json!(["https://www.w3.org/ns/activitystreams#Public"]));
    object.insert(
        "content".into(),
        json!(format!("<p><span class=\"h-card\"><a href=\"{group}\" class=\"u-url mention\">@<span>entraide</span></a></span> Quel atelier pour les seniors ?</p><p>Merci !</p>")),
    );
    object.insert("tag".into(), json!([{ "type": "Mention", "href": group, "name": "@entraide" }, { "type": "Hashtag", "name": "#Seniors", "href": "https://m/tags/seniors" }]));
    let body = activity.to_string();
    assert_eq!(post_signed(&masto, &actor, &hub_a.at("/inbox"), body.as_bytes(), |_| {}).await, StatusCode::ACCEPTED);
    let post = arrived(&hub_a, "the mention starts a topic", &note_id).await;
    let view = topics::view(hub_a.db(), post.topic_id).await.unwrap().unwrap();
    assert_eq!(view.topic.title, "Quel atelier pour les seniors ?");
    assert_eq!(view.category.slug, "entraide");
    assert_eq!(view.tags, ["seniors"]);
}

#[tokio::test]
async fn asking_answering_and_searching_through_the_pages() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("coordination", Role::Admin).await;
    let response = admin
        .submit(
            "/admin/forum",
            "/admin/forum",
            &[("name", "Démarches en ligne"), ("slug", "demarches"), ("description", "CAF, impôts…")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A reserved or malformed slug is refused next to its field.
    let response = admin.submit("/admin/forum", "/admin/forum", &[("name", "X"), ("slug", "Agenda!")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let lea = hub.signed_in("lea", Role::Member).await;
    // Bad input: empty title, a title over 200 characters, a body over 100 KB.
    let long_title = "a".repeat(201);
    let big_body = "b".repeat(100 * 1024 + 1);
    for (title, text, error) in [
        ("", "du texte", "Ce champ est obligatoire."),
        (long_title.as_str(), "du texte", "200 caractères"),
        ("Titre", big_body.as_str(), "100 Ko"),
    ] {
        let response = lea
            .submit(
                "/forum/c/demarches/new",
                "/forum/c/demarches/new",
                &[("title", title), ("body", text), ("tags", "")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(response).await;
        assert!(html.contains(error) && html.contains("aria-invalid=\"true\""), "{error}");
    }
    let response = lea
        .submit(
            "/forum/c/demarches/new",
            "/forum/c/demarches/new",
            &[
                ("title", "Inscriptions à France Travail sans smartphone"),
                ("body", "Quelles solutions ? @coordination"),
                ("tags", "emploi"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let topic_path = location(&response);
    assert!(topic_path.starts_with("/forum/t/"));
    // The admin was mentioned.
    let (_, notifications) = admin.get_text("/notifications").await;
    assert!(notifications.contains("vous a mentionné"), "{notifications}");

    let response = admin
        .submit(
            &topic_path,
            &format!("{topic_path}/reply"),
            &[("body", "Le conseiller numérique de la médiathèque peut aider.")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = lea.get_text(&topic_path).await;
    assert!(page.contains("Marquer comme solution"));
    let (_, home) = lea.get_text("/").await;
    assert!(home.contains("class=\"badge\""), "Léa has an unread notification");

    // Search: stemmed and accent-folded, on titles and replies.
    for (query, expected) in
        [("inscription", 1), ("mediatheque", 1), ("smartphones", 1), ("conseillers numeriques", 1), ("piscine", 0)]
    {
        let (_, html) = lea.get_text(&format!("/forum/search?q={query}")).await;
        assert!(html.contains(&format!("{expected} résultat(s)")), "{query}: {html}");
    }
    // Feeds are XML a reader accepts, with the topic.
    let response = lea.get("/forum/c/demarches/feed.atom").await;
    assert_eq!(response.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let atom = response.text().await.unwrap();
    assert!(atom.starts_with("<?xml") && atom.contains("<entry>") && atom.contains("France Travail"));
    let rss = lea.get("/forum/tags/emploi/feed.rss").await.text().await.unwrap();
    assert!(rss.contains("<item>") && rss.contains("France Travail"));

    // The topic's Note, as servers fetch it.
    let post_id = page.split("id=\"p").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let note: Value = reqwest::Client::new()
        .get(hub.at(&format!("/forum/p/{post_id}")))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(note["type"], "Note");
    assert_eq!(note["name"], "Inscriptions à France Travail sans smartphone");
    assert!(note["content"].as_str().unwrap().starts_with("<p><strong>Inscriptions"));
    assert_eq!(note["source"]["mediaType"], "text/markdown");
    assert_eq!(note["audience"], format!("http://{}/g/demarches", domain(&hub)));
    assert!(note["tag"].as_array().unwrap().iter().any(|t| t["type"] == "Hashtag" && t["name"] == "#emploi"));
}

/// A corpus payload of Lemmy (or Mastodon), its hosts moved onto the hub `from` (whose member
/// `lemmy_alpha` plays the Lemmy user) and its community onto `group`; signed and delivered.
async fn replay(from: &TestHub, to: &TestHub, file: &str, group: &str, edit: impl FnOnce(&mut Value)) -> StatusCode {
    let raw =
        std::fs::read_to_string(format!("{}/../../../shared/interop/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let raw = raw
        .replace("https://enterprise.lemmy.ml/c/main", group)
        .replace("http://enterprise.lemmy.ml/c/main", group)
        .replace("https://enterprise.lemmy.ml/c/tenforward", group)
        .replace("http://ds9.lemmy.ml", &format!("http://{}", domain(from)));
    let mut activity: Value = serde_json::from_str(&raw).unwrap();
    edit(&mut activity);
    let actor = actors::person_actor(fed(from), "lemmy_alpha").await.unwrap().unwrap();
    post_signed(from, &actor, &to.at("/inbox"), activity.to_string().as_bytes(), |_| {}).await
}

#[tokio::test]
async fn lemmy_posts_edits_likes_and_reports_from_the_corpus() {
    let (hub_a, lemmy) = tokio::join!(TestHub::start(), TestHub::start());
    lemmy.member("lemmy_alpha", Role::Member).await;
    category(&hub_a, "entraide", "Entraide").await;
    let group = format!("http://{}/g/entraide", domain(&hub_a));
    let post_id = format!("http://{}/post/1", domain(&lemmy));

    // A Lemmy post (a Page) addressed to our category starts a topic, with its title and Markdown.
    assert_eq!(replay(&lemmy, &hub_a, "lemmy/activities/create_page.json", &group, |_| {}).await, StatusCode::ACCEPTED);
    let post = arrived(&hub_a, "the Lemmy post starts a topic", &post_id).await;
    let view = topics::view(hub_a.db(), post.topic_id).await.unwrap().unwrap();
    assert_eq!((view.topic.title.as_str(), view.category.slug.as_str()), ("test post", "entraide"));
    assert_eq!(post.source, "test body");
    assert!(
        post.content_html.contains("test body") && post.content_html.contains("pictrs/image"),
        "{}",
        post.content_html
    );

    // Its edit renames the topic; the Group passes both on to its followers (none here).
    assert_eq!(replay(&lemmy, &hub_a, "lemmy/activities/update_page.json", &group, |_| {}).await, StatusCode::ACCEPTED);
    eventually("the edit is applied", || async {
        topics::by_id(hub_a.db(), post.topic_id).await.unwrap().unwrap().title == "test post 1"
    })
    .await;

    // A like, and a report (Mastodon's Flag shape) of the post.
    let liked = post_id.clone();
    let status =
        replay(&lemmy, &hub_a, "lemmy/activities/like_note.json", &group, |a| a["object"] = json!(liked)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    eventually("the like is counted", || async {
        posts::by_id(hub_a.db(), post.id).await.unwrap().unwrap().like_count == 1
    })
    .await;
    let reported = post_id.clone();
    let actor_id = format!("http://{}/u/lemmy_alpha", domain(&lemmy));
    let flag_id = format!("http://{}/flags/1", domain(&lemmy));
    let status = replay(&lemmy, &hub_a, "mastodon/activities/flag.json", &group, |a| {
        a["id"] = json!(flag_id);
        a["actor"] = json!(actor_id);
        a["object"] = json!([actor_id, reported]);
    })
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    eventually("the report is filed", || async {
        maillage_forum::reports::open(hub_a.db())
            .await
            .unwrap()
            .iter()
            .any(|r| r.post_id == post.id && r.reason.contains("take a look"))
    })
    .await;
}

/// A corpus payload with its hosts and actors moved onto test hubs: each `(from, to)` of
/// `moves` is replaced in the raw text, in order (so specific ids before their host).
fn corpus(file: &str, moves: &[(&str, String)]) -> Value {
    let mut raw =
        std::fs::read_to_string(format!("{}/../../../shared/interop/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for (from, to) in moves {
        raw = raw.replace(from, to);
    }
    serde_json::from_str(&raw).unwrap()
}

/// `activity`, signed by the member `actor_name` of `from` and posted to `to`'s shared inbox.
async fn deliver(from: &TestHub, actor_name: &str, to: &TestHub, activity: &Value) -> StatusCode {
    let actor = actors::person_actor(fed(from), actor_name).await.unwrap().unwrap();
    post_signed(from, &actor, &to.at("/inbox"), activity.to_string().as_bytes(), |_| {}).await
}

/// What the inbox worker of `hub` did with the activity `id`: its status and reason.
async fn journaled(hub: &TestHub, id: &str) -> (String, String) {
    let row = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT status, COALESCE(reason, '') FROM inbox_activities WHERE activity_id = $1",
        )
        .bind(id)
        .fetch_optional(hub.db().pool())
        .await
        .unwrap()
    };
    eventually("the activity is processed", || async { row().await.is_some_and(|(status, _)| status != "pending") })
        .await;
    row().await.unwrap()
}

/// Serves JSON documents at fixed paths on a new 127.0.0.1 port, as another server would.
/// `documents` is given the server's base URL (`http://localhost:{port}`).
async fn serve_documents(documents: impl FnOnce(&str) -> Vec<(String, Value)>) -> String {
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let documents: std::collections::HashMap<String, String> =
        documents(&base).into_iter().map(|(path, doc)| (path, doc.to_string())).collect();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let document = documents.get(uri.path()).cloned();
        async move {
            match document {
                Some(body) => ([("content-type", "application/activity+json")], body).into_response(),
                None => axum::http::StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn nodebb_and_discourse_topics_replies_and_likes_from_the_corpus() {
    let (hub_a, nodebb, discourse, fedi) =
        tokio::join!(TestHub::start(), TestHub::start(), TestHub::start(), TestHub::start());
    hub_a.member("alice", Role::Member).await;
    // NodeBB authors: uid/14929 of community.nodebb.org asked the question; julian is uid/2 there
    // and uid/1 of bb.devnull.land (`nodebb/objects/person.json`).
    nodebb.member("nodebb_asker", Role::Member).await;
    nodebb.member("julian", Role::Member).await;
    discourse.member("socialhub_member", Role::Member).await;
    // The users of other software who liked NodeBB posts: sabreW4K3 of lazysoci.al (Lemmy) and
    // julian of fietkau.social (Mastodon).
    fedi.member("sabre", Role::Member).await;
    fedi.member("julian", Role::Member).await;
    let alice = user(&hub_a, "alice").await;
    let entraide = category(&hub_a, "entraide", "Entraide").await;
    let group = format!("http://{}/g/entraide", domain(&hub_a));
    // Where the hubs say they are (`TestHub::url` is the 127.0.0.1 address they listen on).
    let (nodebb_url, discourse_url) = (format!("http://{}", domain(&nodebb)), format!("http://{}", domain(&discourse)));
    let person = |hub: &TestHub, name: &str| format!("http://{}/u/{name}", domain(hub));
    let fedi_url = format!("http://{}", domain(&fedi));
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

    // The only changes made to the payloads: the NodeBB and Discourse categories (`audience`, `to`)
    // become our category's Group, their authors and the likers become members of the test hubs
    // (so that their HTTP signatures are real), and every other URL of those servers (post ids,
    // `context`, tags, uploads) moves to the hub that plays it. Other servers' ids (mentioned
    // Mastodon users, links to third parties in the text) stay.
    let moves = [
        ("https://community.nodebb.org/category/30", group.clone()),
        ("https://bb.devnull.land/category/2", group.clone()),
        ("https://community.nodebb.org/uid/14929", person(&nodebb, "nodebb_asker")),
        ("https://community.nodebb.org/uid/2", person(&nodebb, "julian")),
        ("https://bb.devnull.land/uid/1", person(&nodebb, "julian")),
        ("https://community.nodebb.org", nodebb_url.clone()),
        ("https://bb.devnull.land", nodebb_url.clone()),
        ("https://lazysoci.al/u/sabreW4K3", person(&fedi, "sabre")),
        ("https://lazysoci.al", fedi_url.clone()),
        ("https://fietkau.social/users/julian", person(&fedi, "julian")),
        ("https://fietkau.social", fedi_url.clone()),
    ];
    let discourse_moves = |host: &str, author: &str| {
        [
            ("https://socialhub.activitypub.rocks/ap/actor/797217cf18c0e819dfafc52425590146", group.clone()),
            ("https://socialhub.activitypub.rocks/ap/actor/495843076e9e469fbd35ccf467ae9fb1", author.to_owned()),
            ("https://socialhub.activitypub.rocks", host.to_owned()),
        ]
    };
    // The corpus has NodeBB's Create only inside its category's Announce; when NodeBB has a post
    // to deliver itself it uses the same envelope: `{post}#activity/create/{ms}`, the post's
    // author, `to` and `cc`. This builds it around a NodeBB post that came without one.
    let announced = corpus("nodebb/activities/announce_create_note.json", &moves);
    let nodebb_create = |post: &Value| {
        let published = chrono::DateTime::parse_from_rfc3339(post["published"].as_str().unwrap()).unwrap();
        let mut create = announced["object"].clone();
        create["id"] =
            json!(format!("{}#activity/create/{}", post["id"].as_str().unwrap(), published.timestamp_millis()));
        create["actor"] = post["attributedTo"].clone();
        create["to"] = post["to"].clone();
        create["cc"] = post["cc"].clone();
        create["object"] = post.clone();
        create
    };

    // (a) A NodeBB topic: a Note with `name`, markdown `source`, `context` (its topic, which
    // NodeBB serves as a Conversation), `audience` (the category) and an image attachment.
    // NodeBB's category wraps the Create in an Announce for *its* followers; a NodeBB user posting
    // in *our* category sends us the Create itself: that inner Create is replayed as it came.
    let create = announced["object"].clone();
    assert_eq!(deliver(&nodebb, "nodebb_asker", &hub_a, &create).await, StatusCode::ACCEPTED);
    let question = arrived(&hub_a, "the NodeBB topic is stored", &format!("{}/post/102840", nodebb_url)).await;
    let view = topics::view(hub_a.db(), question.topic_id).await.unwrap().unwrap();
    assert_eq!(view.topic.title, "Is ActivityPub too complicated?");
    assert_eq!(view.category.id, entraide.id);
    assert_eq!(view.topic.context, format!("{}/topic/18563", nodebb_url));
    assert_eq!(view.tags, ["activitypub", "nodebb-4-0"], "NodeBB's tag `#nodebb 4.0` has a space");
    assert_eq!(question.author_handle, format!("@nodebb_asker@{}", domain(&nodebb)));
    assert!(question.source.starts_with("![767e2ed4-8089"), "{}", question.source);
    // (d) Its `<p><img /></p>` is dropped; its link stays, with our `rel`; the attachment, an
    // image we do not show inline, is kept as a link to the file.
    let html = &question.content_html;
    assert!(html.contains("Who can help?") && !html.contains("<img"), "{html}");
    assert!(html.contains("<a href=\"https://nrw.social/@FrankM\" rel=\"nofollow noopener ugc\">"), "{html}");
    assert!(html.contains(&format!("{}/assets/uploads/files/1737616265042-767e2ed4", nodebb_url)), "{html}");

    // A NodeBB topic as an Article (newer NodeBB): the category in `to` and `audience`, a
    // `summary` and a `preview` repeating the text. The corpus has the Article alone (as fetched):
    // it is delivered here in NodeBB's Create envelope, the Article unchanged.
    let article = corpus("nodebb/objects/article_topic.json", &moves);
    assert_eq!(deliver(&nodebb, "julian", &hub_a, &nodebb_create(&article)).await, StatusCode::ACCEPTED);
    let welcome = arrived(&hub_a, "the NodeBB Article is stored", &format!("{}/post/1", nodebb_url)).await;
    let view = topics::view(hub_a.db(), welcome.topic_id).await.unwrap().unwrap();
    assert_eq!((view.topic.title.as_str(), view.category.id), ("Welcome to your NodeBB!", entraide.id));
    // (d) Headings lose their markup, not their text; lists and links stay; the `summary` and
    // `preview` copies are not added to the post.
    let html = &welcome.content_html;
    for gone in ["<h3", "<h4", "nofollow ugc\""] {
        assert!(!html.contains(gone), "{gone}: {html}");
    }
    assert!(html.contains("Welcome to your brand new NodeBB forum!") && html.contains("Additional Resources"));
    assert!(html.contains("<li><a href=\"https://docs.nodebb.org/\" rel=\"nofollow noopener ugc\">"), "{html}");
    assert_eq!(html.matches("Welcome to your brand new").count(), 1, "{html}");

    // (b) Replies from NodeBB and Discourse to a post of ours land in its topic.
    let (topic, opening) = fed_forum::create_topic(
        fed(&hub_a),
        &alice,
        &entraide,
        &TopicInput {
            title: "Un forum fédéré pour le réseau ?".into(),
            body: "Qui utilise NodeBB ou Discourse ?".into(),
            tags: String::new(),
        },
    )
    .await
    .unwrap();
    let opening_ap_id = posts::by_id(hub_a.db(), opening).await.unwrap().unwrap().ap_id;

    // NodeBB: the corpus has no NodeBB reply, only topic starters; this one (post 103075, inside
    // the Mastodon user's Like) gets `inReplyTo` Alice's post, and is otherwise as NodeBB sent it:
    // its `context` still names its own NodeBB topic and its `name` stays (it must not rename
    // Alice's topic). Placement goes by `inReplyTo`.
    let liked_by_mastodon = corpus("nodebb/activities/announce_like_from_mastodon.json", &moves);
    let mut note = liked_by_mastodon["object"]["object"].clone();
    note["inReplyTo"] = json!(opening_ap_id);
    assert_eq!(deliver(&nodebb, "julian", &hub_a, &nodebb_create(&note)).await, StatusCode::ACCEPTED);
    let nodebb_reply = arrived(&hub_a, "the NodeBB reply is stored", &format!("{}/post/103075", nodebb_url)).await;
    assert_eq!((nodebb_reply.topic_id, nodebb_reply.in_reply_to_id), (topic, Some(opening)));
    assert!(nodebb_reply.content_html.contains("long form peeps") && !nodebb_reply.content_html.contains("<img"));

    // Discourse: the corpus Note is a topic's first post as Discourse served it in April 2024 —
    // `audience` (its category), `context`, `name`, and no `to` or `cc` at all. It gets
    // `inReplyTo` Alice's post. Discourse delivers it in a Create addressed the way its
    // activity model then did (discourse-activity-pub 784dd3c: `to` the audience, `cc` Public);
    // the envelope is built here, the Note is unchanged.
    let mut note = corpus(
        "discourse/objects/note_topic.json",
        &discourse_moves(&discourse_url, &person(&discourse, "socialhub_member")),
    );
    note["inReplyTo"] = json!(opening_ap_id);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/ap/activity/5b3a7c1d9e2f40a6b8c0d1e2f3a4b5c6", discourse_url),
        "type": "Create",
        "audience": note["audience"],
        "to": note["audience"],
        "cc": [PUBLIC],
        "published": note["published"],
        "updated": note["updated"],
        "actor": note["attributedTo"],
        "object": note,
    });
    assert_eq!(deliver(&discourse, "socialhub_member", &hub_a, &create).await, StatusCode::ACCEPTED);
    let discourse_id = format!("{}/ap/object/1899f65c062200daec50a4c89ed76dc9", discourse_url);
    let discourse_reply = arrived(&hub_a, "the Discourse reply is stored", &discourse_id).await;
    assert_eq!((discourse_reply.topic_id, discourse_reply.in_reply_to_id), (topic, Some(opening)));
    assert_eq!(discourse_reply.url, format!("{}/t/our-next-meeting/4079/1", discourse_url));
    // (d) Headings go, the recording link stays; Discourse cut the text inside an `<a href="…`,
    // which is dropped rather than left open.
    let html = &discourse_reply.content_html;
    assert!(!html.contains("<h3") && !html.contains("<h4") && html.contains("Last Meeting"), "{html}");
    assert!(html.contains("<a href=\"https://us06web.zoom.us/rec/share/"), "{html}");
    assert!(!html.contains("17949/minutes"), "{html}");
    let view = topics::view(hub_a.db(), topic).await.unwrap().unwrap();
    assert_eq!((view.topic.title.as_str(), view.topic.reply_count), ("Un forum fédéré pour le réseau ?", 2));
    // Notifications follow the stored post.
    eventually("Alice is notified of both replies", || async {
        let notes = maillage_core::notifications::list(hub_a.db(), alice.id, 10).await.unwrap();
        notes.iter().filter(|n| n.kind == "reply_to_topic").count() == 2
    })
    .await;

    // (c) Likes. NodeBB's category relays the Likes it gets in an Announce to its followers; the
    // liker's server sends the Like itself to the post's audience, here our Group: that inner
    // Like is replayed as it came, the liked Note embedded (Lemmy's has `audience` too).
    let liked_by_lemmy = corpus("nodebb/activities/announce_like_from_lemmy.json", &moves);
    assert_eq!(deliver(&fedi, "sabre", &hub_a, &liked_by_lemmy["object"]).await, StatusCode::ACCEPTED);
    assert_eq!(deliver(&fedi, "julian", &hub_a, &liked_by_mastodon["object"]).await, StatusCode::ACCEPTED);
    eventually("both likes are counted", || async {
        posts::by_id(hub_a.db(), question.id).await.unwrap().unwrap().like_count == 1
            && posts::by_id(hub_a.db(), nodebb_reply.id).await.unwrap().unwrap().like_count == 1
    })
    .await;
    // The corpus has no Update, Delete or Undo from NodeBB or Discourse.

    // A Discourse post we only get by fetching it (here, the parent of a Mastodon reply), served
    // by a "Discourse" on 127.0.0.1 exactly as the corpus has it (hosts moved; `inReplyTo` Alice's
    // post), next to a copy that only adds `"to": [Public]`; its author is a real actor document.
    let member = actors::person_actor(fed(&discourse), "socialhub_member").await.unwrap().unwrap();
    let author_doc = actors::actor_document(fed(&discourse), &member).await.unwrap().to_string();
    let (as_served, addressed) = ("/ap/object/1899f65c062200daec50a4c89ed76dc9", "/ap/object/addressed");
    let socialhub = serve_documents(|base| {
        let author = format!("{base}/ap/actor/495843076e9e469fbd35ccf467ae9fb1");
        let mut note = corpus("discourse/objects/note_topic.json", &discourse_moves(base, &author));
        note["inReplyTo"] = json!(opening_ap_id);
        let mut with_to = note.clone();
        with_to["id"] = json!(format!("{base}{addressed}"));
        with_to["to"] = json!([PUBLIC]);
        let author_doc =
            author_doc.replace(&person(&discourse, "socialhub_member"), &author).replace(&discourse_url, base);
        vec![
            ("/ap/actor/495843076e9e469fbd35ccf467ae9fb1".into(), serde_json::from_str(&author_doc).unwrap()),
            (as_served.into(), note),
            (addressed.into(), with_to),
        ]
    })
    .await;
    let (status, via_addressed) =
        mastodon_reply(&fedi, "julian", &hub_a, &format!("{socialhub}{addressed}"), "<p>Merci !</p>").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Processed first (fetching its parent from the Discourse host), with what became of it.
    assert_eq!(journaled(&hub_a, &format!("{via_addressed}/activity")).await, ("done".into(), String::new()));
    let answer = arrived(&hub_a, "a reply to a fetched, addressed Discourse post", &via_addressed).await;
    let parent = posts::by_ap_id(hub_a.db(), &format!("{socialhub}{addressed}")).await.unwrap().unwrap();
    assert_eq!(
        (answer.topic_id, answer.in_reply_to_id, parent.in_reply_to_id),
        (topic, Some(parent.id), Some(opening))
    );

    // The Note as Discourse served it, with `audience` but no `to`/`cc`: public too.
    let (status, via_as_served) =
        mastodon_reply(&fedi, "julian", &hub_a, &format!("{socialhub}{as_served}"), "<p>Merci !</p>").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let answer = arrived(&hub_a, "a reply to a fetched Discourse post without to/cc", &via_as_served).await;
    let parent = posts::by_ap_id(hub_a.db(), &format!("{socialhub}{as_served}")).await.unwrap().unwrap();
    assert_eq!((answer.topic_id, answer.in_reply_to_id), (topic, Some(parent.id)));
}

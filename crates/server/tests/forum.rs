//! The forum between real hubs on 127.0.0.1 ports: categories followed from another hub,
//! topics and replies that travel both ways, the solution, edits, deletions and likes, replies
//! from Mastodon (a real payload of the corpus, re-signed), and what the forum refuses.

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

/// The post a hub stores under `ap_id`, once it arrived.
async fn arrived(hub: &TestHub, what: &str, ap_id: &str) -> posts::Post {
    eventually(what, || async { posts::by_ap_id(hub.db(), ap_id).await.unwrap().is_some() }).await;
    posts::by_ap_id(hub.db(), ap_id).await.unwrap().unwrap()
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
    // Alice is told about the answer.
    let alice_notes = maillage_core::notifications::list(hub_a.db(), alice.id, 10).await.unwrap();
    assert!(alice_notes.iter().any(|n| n.kind == "reply_to_topic"), "{alice_notes:?}");

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
    let bruno_notes = maillage_core::notifications::list(hub_b.db(), bruno.id, 10).await.unwrap();
    assert!(bruno_notes.iter().any(|n| n.kind == "solution"), "{bruno_notes:?}");
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
    let notes = maillage_core::notifications::list(hub_a.db(), alice.id, 10).await.unwrap();
    assert!(notes.iter().any(|n| n.kind == "reply_to_topic" && n.link.contains(&format!("#p{}", reply.id))));

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

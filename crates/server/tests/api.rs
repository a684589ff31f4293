//! The JSON API over real HTTP, and its OpenAPI description.

mod common;

use common::{PASSWORD, TestHub};
use maillage_core::accounts::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn token(hub: &TestHub, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(hub.at("/api/v1/tokens"))
        .json(&json!({ "username": username, "password": PASSWORD, "label": "tests" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn register_get_a_token_edit_the_profile_and_find_oneself() {
    let hub = TestHub::start().await;
    let admin = hub.member("hub_admin", Role::Admin).await;
    let admin_token = token(&hub, &admin.username).await;
    let client = reqwest::Client::new();
    let identity = json!({
        "name": "MedNum BFC", "region": "Bourgogne-Franche-Comté", "registration_mode": "open",
        "default_timezone": "Europe/Paris", "default_language": "fr"
    });
    let response =
        client.put(hub.at("/api/v1/admin/hub")).bearer_auth(&admin_token).json(&identity).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let hub_info: Value = client.get(hub.at("/api/v1/hub")).send().await.unwrap().json().await.unwrap();
    assert_eq!(hub_info["name"], "MedNum BFC");
    assert_eq!(hub_info["registration_mode"], "open");

    let response = client
        .post(hub.at("/api/v1/accounts"))
        .json(&json!({ "username": "nora", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["status"], "active");
    assert!(created.get("email").is_none() && created.get("password_hash").is_none());

    let nora = token(&hub, "nora").await;
    let profile = json!({ "display_name": "Nora", "organisation": "France services Dole", "territory": "Jura", "skills": ["ANTS", "impots.gouv"], "email": "nora@example.org" });
    let response = client.put(hub.at("/api/v1/me/profile")).bearer_auth(&nora).json(&profile).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = client.get(hub.at("/api/v1/me")).bearer_auth(&nora).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "nora@example.org");
    assert_eq!(me["skills"], json!(["ANTS", "impots.gouv"]));

    let found: Value = client.get(hub.at("/api/v1/members?skill=ants")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["members"][0]["username"], "nora");
    assert!(found["members"][0].get("email").is_none(), "emails stay private");
    let public: Value = client.get(hub.at("/api/v1/members/nora")).send().await.unwrap().json().await.unwrap();
    assert_eq!(public["organisation"], "France services Dole");

    // Revoking the token ends it.
    let response = client.delete(hub.at("/api/v1/tokens/current")).bearer_auth(&nora).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        client.get(hub.at("/api/v1/me")).bearer_auth(&nora).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn admin_endpoints_refuse_members_and_anonymous() {
    let hub = TestHub::start().await;
    hub.member("plain", Role::Member).await;
    let member = token(&hub, "plain").await;
    let client = reqwest::Client::new();
    let anonymous = client.get(hub.at("/api/v1/admin/registrations")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    for (method, path) in [
        ("GET", "/api/v1/admin/registrations"),
        ("GET", "/api/v1/admin/invitations"),
        ("POST", "/api/v1/admin/registrations/1/approve"),
    ] {
        let response = client.request(method.parse().unwrap(), hub.at(path)).bearer_auth(&member).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    let response = client.get(hub.at("/api/v1/me")).bearer_auth("not-a-real-token").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn approval_and_invitations_through_the_api() {
    let hub = TestHub::start().await;
    hub.member("hub_admin", Role::Admin).await;
    let admin = token(&hub, "hub_admin").await;
    let client = reqwest::Client::new();
    let response = client
        .post(hub.at("/api/v1/accounts"))
        .json(&json!({ "username": "olga", "password": PASSWORD, "registration_note": "Aidante à Nevers" }))
        .send()
        .await
        .unwrap();
    let olga: Value = response.json().await.unwrap();
    assert_eq!(olga["status"], "pending");
    let login = client
        .post(hub.at("/api/v1/tokens"))
        .json(&json!({ "username": "olga", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let pending: Value = client
        .get(hub.at("/api/v1/admin/registrations"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending[0]["registration_note"], "Aidante à Nevers");
    let id = pending[0]["id"].as_i64().unwrap();
    let response = client
        .post(hub.at(&format!("/api/v1/admin/registrations/{id}/approve")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    token(&hub, "olga").await;

    let invitation: Value = client
        .post(hub.at("/api/v1/admin/invitations"))
        .bearer_auth(&admin)
        .json(&json!({ "max_uses": 2, "valid_days": 3 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invitation["uses"], 0);
    let bad = client
        .post(hub.at("/api/v1/admin/invitations"))
        .bearer_auth(&admin)
        .json(&json!({ "max_uses": 0, "valid_days": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "max_uses");
    assert_eq!(body["fields"][0]["code"], "error.out_of_range");
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let hub = TestHub::start().await;
    let client = reqwest::Client::new();
    let broken = client
        .post(hub.at("/api/v1/tokens"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    let wrong_type = client.post(hub.at("/api/v1/tokens")).body("username=x").send().await.unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!("{{\"username\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let too_large = client
        .post(hub.at("/api/v1/tokens"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let invalid = client
        .post(hub.at("/api/v1/accounts"))
        .json(&json!({ "username": "x y", "password": "short" }))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = invalid.json().await.unwrap();
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["username", "password"]);
    assert_eq!(client.get(hub.at("/api/v1/members/nobody")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // A NUL character: PostgreSQL would refuse it, so it is refused on both engines, clearly.
    let nul = client
        .post(hub.at("/api/v1/accounts"))
        .json(&json!({ "username": "zoe", "password": PASSWORD, "display_name": "Zo\u{0}e" }))
        .send()
        .await
        .unwrap();
    assert_eq!(nul.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = nul.json().await.unwrap();
    assert_eq!(body["fields"][0]["code"], "error.invalid_characters");
}

#[tokio::test]
async fn wrong_passwords_are_throttled_on_the_api_too() {
    let hub = TestHub::start().await;
    hub.member("paul", Role::Member).await;
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let response = client
            .post(hub.at("/api/v1/tokens"))
            .json(&json!({ "username": "paul", "password": "wrong wrong wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = client
        .post(hub.at("/api/v1/tokens"))
        .json(&json!({ "username": "paul", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let hub = TestHub::start().await;
    let document: Value = reqwest::get(hub.at("/api/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/hub", &["get"][..]),
        ("/api/v1/accounts", &["post"]),
        ("/api/v1/tokens", &["post"]),
        ("/api/v1/tokens/current", &["delete"]),
        ("/api/v1/me", &["get", "delete"]),
        ("/api/v1/me/profile", &["put"]),
        ("/api/v1/me/password", &["post"]),
        ("/api/v1/members", &["get"]),
        ("/api/v1/members/{username}", &["get"]),
        ("/api/v1/admin/hub", &["put"]),
        ("/api/v1/admin/registrations", &["get"]),
        ("/api/v1/admin/invitations", &["get", "post"]),
        ("/api/v1/admin/members/{id}/role", &["put"]),
        ("/api/v1/admin/forum/categories", &["post"]),
        ("/api/v1/forum/categories", &["get"]),
        ("/api/v1/forum/categories/{slug}/topics", &["get", "post"]),
        ("/api/v1/forum/topics", &["get"]),
        ("/api/v1/forum/topics/{id}", &["get"]),
        ("/api/v1/forum/topics/{id}/replies", &["post"]),
        ("/api/v1/forum/topics/{id}/solution", &["put"]),
        ("/api/v1/forum/topics/{id}/locked", &["put"]),
        ("/api/v1/forum/posts/{id}", &["patch", "delete"]),
        ("/api/v1/forum/posts/{id}/like", &["post"]),
        ("/api/v1/forum/search", &["get"]),
        ("/api/v1/notifications", &["get"]),
        ("/api/v1/events", &["get", "post"]),
        ("/api/v1/events/{id}", &["get", "put", "delete"]),
        ("/api/v1/events/{id}/registration", &["post", "delete"]),
        ("/api/v1/events/{id}/registrations", &["get"]),
        ("/api/v1/resources", &["get", "post"]),
        ("/api/v1/resources/{id}", &["get", "put", "delete"]),
        ("/api/v1/resources/{id}/versions", &["get"]),
        ("/api/v1/resources/vocabulary", &["get"]),
        ("/api/v1/admin/resources/vocabulary", &["post"]),
    ] {
        for method in methods {
            assert!(paths.get(path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not described");
        }
    }
    assert!(document["components"]["securitySchemes"]["token"].is_object());
    // Every described path answers (not 404/405) on the real router.
    let client = reqwest::Client::new();
    for (path, methods) in paths {
        let concrete = path.replace("{username}", "nobody").replace("{id}", "999999").replace("{slug}", "none");
        for method in methods.as_object().unwrap().keys() {
            let response =
                client.request(method.to_uppercase().parse().unwrap(), hub.at(&concrete)).send().await.unwrap();
            assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("Page introuvable"), "{method} {path} is not routed");
        }
    }
}

#[tokio::test]
async fn the_forum_through_the_api_ask_answer_solve_moderate() {
    let hub = TestHub::start().await;
    hub.member("coordination", Role::Admin).await;
    hub.member("nora", Role::Member).await;
    hub.member("karim", Role::Member).await;
    hub.member("modo", Role::Moderator).await;
    let (admin, nora, karim, modo) = (
        token(&hub, "coordination").await,
        token(&hub, "nora").await,
        token(&hub, "karim").await,
        token(&hub, "modo").await,
    );
    let client = reqwest::Client::new();

    // Only admins create categories.
    let category = json!({ "slug": "demarches", "name": "Démarches en ligne", "description": "CAF, ANTS, impôts" });
    let refused = client.post(hub.at("/api/v1/admin/forum/categories")).bearer_auth(&nora).json(&category);
    assert_eq!(refused.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let response =
        client.post(hub.at("/api/v1/admin/forum/categories")).bearer_auth(&admin).json(&category).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let bad = json!({ "slug": "x y", "name": "" });
    let response =
        client.post(hub.at("/api/v1/admin/forum/categories")).bearer_auth(&admin).json(&bad).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Ask: anonymous refused, bad input explained, then the question.
    let question = json!({
        "title": "Sans adresse e-mail, comment faire pour la CAF ?",
        "body": "Une personne **sans e-mail** doit déclarer ses ressources. Des idées ?",
        "tags": "caf, email"
    });
    let url = hub.at("/api/v1/forum/categories/demarches/topics");
    assert_eq!(client.post(&url).json(&question).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let empty = client.post(&url).bearer_auth(&nora).json(&json!({ "title": "", "body": "" })).send().await.unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Value = empty.json().await.unwrap();
    let named: Vec<&str> = fields["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(named.contains(&"title") && named.contains(&"body"), "{fields}");
    let broken = client.post(&url).bearer_auth(&nora).header("content-type", "application/json").body("{\"title\":");
    assert_eq!(broken.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    let response = client.post(&url).bearer_auth(&nora).json(&question).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let topic_id = created["topic_id"].as_i64().unwrap();
    assert!(created["url"].as_str().unwrap().ends_with(&format!("/forum/p/{}", created["post_id"])), "{created}");

    // Answer, with hostile HTML that comes back sanitised.
    let replies = hub.at(&format!("/api/v1/forum/topics/{topic_id}/replies"));
    let answer = json!({ "body": "FranceConnect via **La Poste** marche sans e-mail. <script>alert(1)</script>" });
    let response = client.post(&replies).bearer_auth(&karim).json(&answer).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer_id = response.json::<Value>().await.unwrap()["post_id"].as_i64().unwrap();

    // The topic, readable without a token.
    let topic: Value =
        client.get(hub.at(&format!("/api/v1/forum/topics/{topic_id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(topic["topic"]["title"], "Sans adresse e-mail, comment faire pour la CAF ?");
    assert_eq!(topic["tags"], json!(["caf", "email"]));
    assert_eq!(topic["posts"].as_array().unwrap().len(), 2);
    let html = topic["posts"][1]["content_html"].as_str().unwrap();
    assert!(html.contains("<strong>La Poste</strong>") && !html.contains("<script"), "{html}");

    // Only the topic's author (or a moderator) marks the solution.
    let solution = hub.at(&format!("/api/v1/forum/topics/{topic_id}/solution"));
    let by_karim =
        client.put(&solution).bearer_auth(&karim).json(&json!({ "post_id": answer_id })).send().await.unwrap();
    assert_eq!(by_karim.status(), StatusCode::FORBIDDEN);
    let by_nora = client.put(&solution).bearer_auth(&nora).json(&json!({ "post_id": answer_id })).send().await.unwrap();
    assert_eq!(by_nora.status(), StatusCode::NO_CONTENT);
    let solved: Value =
        client.get(hub.at("/api/v1/forum/topics?filter=solved")).send().await.unwrap().json().await.unwrap();
    assert_eq!(solved["total"], 1);
    let unsolved = client.get(hub.at("/api/v1/forum/categories/demarches/topics?filter=unsolved")).send().await;
    assert_eq!(unsolved.unwrap().json::<Value>().await.unwrap()["total"], 0);
    let notes: Value =
        client.get(hub.at("/api/v1/notifications")).bearer_auth(&karim).send().await.unwrap().json().await.unwrap();
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "solution"), "{notes}");

    // Like, twice = take it back.
    let like = hub.at(&format!("/api/v1/forum/posts/{answer_id}/like"));
    let liked: Value = client.post(&like).bearer_auth(&nora).send().await.unwrap().json().await.unwrap();
    assert_eq!(liked, json!({ "liked": true, "like_count": 1 }));
    let unliked: Value = client.post(&like).bearer_auth(&nora).send().await.unwrap().json().await.unwrap();
    assert_eq!(unliked, json!({ "liked": false, "like_count": 0 }));

    // Edit: only the author.
    let post = hub.at(&format!("/api/v1/forum/posts/{answer_id}"));
    let edit = json!({ "body": "FranceConnect via l'identité numérique La Poste." });
    assert_eq!(
        client.patch(&post).bearer_auth(&nora).json(&edit).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let edited: Value = client.patch(&post).bearer_auth(&karim).json(&edit).send().await.unwrap().json().await.unwrap();
    assert!(edited["edited_at"].as_i64().unwrap() > 0);

    // Search finds it by a stemmed, accent-free word.
    let hits: Value = client.get(hub.at("/api/v1/forum/search?q=identite")).send().await.unwrap().json().await.unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");

    // Report, then moderation: members may not lock; moderators lock, and replies are refused.
    let report = hub.at(&format!("/api/v1/forum/posts/{answer_id}/reports"));
    let empty_reason = client.post(&report).bearer_auth(&nora).json(&json!({ "reason": " " })).send().await.unwrap();
    assert_eq!(empty_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reported = client.post(&report).bearer_auth(&nora).json(&json!({ "reason": "hors sujet" })).send().await;
    assert_eq!(reported.unwrap().status(), StatusCode::CREATED);
    let lock = hub.at(&format!("/api/v1/forum/topics/{topic_id}/locked"));
    assert_eq!(
        client.put(&lock).bearer_auth(&nora).json(&json!({ "on": true })).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        client.put(&lock).bearer_auth(&modo).json(&json!({ "on": true })).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let late = client.post(&replies).bearer_auth(&karim).json(&json!({ "body": "Encore une idée" })).send().await;
    assert_eq!(late.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A removal hides the text from others but shows the author why.
    let removal = hub.at(&format!("/api/v1/forum/posts/{answer_id}/removal"));
    let removed = client.post(&removal).bearer_auth(&modo).json(&json!({ "reason": "Données personnelles" })).send();
    assert_eq!(removed.await.unwrap().status(), StatusCode::NO_CONTENT);
    let topic_url = hub.at(&format!("/api/v1/forum/topics/{topic_id}"));
    let public: Value = client.get(&topic_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(public["posts"][1]["content_html"], "");
    assert_eq!(public["posts"][1]["removed_reason"], "removed");
    let own: Value = client.get(&topic_url).bearer_auth(&karim).send().await.unwrap().json().await.unwrap();
    assert_eq!(own["posts"][1]["removed_reason"], "Données personnelles");
    assert_ne!(own["posts"][1]["content_html"], "");

    // Deleting one's own question leaves nothing to read.
    let opening = topic["posts"][0]["id"].as_i64().unwrap();
    let delete = client.delete(hub.at(&format!("/api/v1/forum/posts/{opening}"))).bearer_auth(&karim).send().await;
    assert_eq!(delete.unwrap().status(), StatusCode::FORBIDDEN);
    let delete = client.delete(hub.at(&format!("/api/v1/forum/posts/{opening}"))).bearer_auth(&nora).send().await;
    assert_eq!(delete.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(client.get(&topic_url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let read = client.post(hub.at("/api/v1/notifications/read")).bearer_auth(&karim).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_library_through_the_api() {
    let hub = TestHub::start().await;
    hub.member("coordination", Role::Admin).await;
    hub.member("nora", Role::Member).await;
    hub.member("karim", Role::Member).await;
    let (admin, nora, karim) =
        (token(&hub, "coordination").await, token(&hub, "nora").await, token(&hub, "karim").await);
    let client = reqwest::Client::new();

    let vocab: Value = client.get(hub.at("/api/v1/resources/vocabulary")).send().await.unwrap().json().await.unwrap();
    assert_eq!(vocab["themes"].as_array().unwrap().len(), 29);
    assert!(vocab["licences"].as_array().unwrap().iter().any(|l| l["id"] == "etalab-2.0"));
    let term = json!({ "kind": "public", "label": "Personnes détenues" });
    let url = hub.at("/api/v1/admin/resources/vocabulary");
    assert_eq!(client.post(&url).bearer_auth(&nora).json(&term).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let added = client.post(&url).bearer_auth(&admin).json(&term).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(added.json::<Value>().await.unwrap()["key"], "personnes_detenues");

    let theme = vocab["themes"][0]["key"].as_str().unwrap();
    let resource = json!({
        "title": "Guide : repérer les arnaques par SMS",
        "summary": "Une fiche à imprimer pour reconnaître les faux messages de livraison et de CPF.",
        "body": "## Les signes\n\nUn lien raccourci, une urgence.",
        "resource_type": "resource_pedagogique",
        "themes": [theme],
        "publics": ["personnes_detenues"],
    });
    let response = client.post(hub.at("/api/v1/resources")).json(&resource).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let bad = client.post(hub.at("/api/v1/resources")).bearer_auth(&nora).json(&json!({ "title": "" })).send().await;
    assert_eq!(bad.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = client.post(hub.at("/api/v1/resources")).bearer_auth(&nora).json(&resource).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let detail: Value =
        client.get(hub.at(&format!("/api/v1/resources/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["resource"]["licence"], "etalab-2.0", "Etalab 2.0 by default");
    assert_eq!(detail["licence"]["derivatives"], true);
    let mut edit = resource.clone();
    edit["change_note"] = json!("Ajout des arnaques au CPF");
    edit["summary"] = json!("Une fiche mise à jour : livraisons, CPF, impôts.");
    let updated = client.put(hub.at(&format!("/api/v1/resources/{id}"))).bearer_auth(&nora).json(&edit).send().await;
    assert_eq!(updated.unwrap().json::<Value>().await.unwrap()["version"], 2);
    let versions: Value =
        client.get(hub.at(&format!("/api/v1/resources/{id}/versions"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let found: Value = client.get(hub.at("/api/v1/resources?q=arnaque")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["facets"]["publics"][0]["key"], "personnes_detenues");
    let deleted = client.delete(hub.at(&format!("/api/v1/resources/{id}"))).bearer_auth(&karim).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::FORBIDDEN, "only its publisher or a moderator");
    let deleted = client.delete(hub.at(&format!("/api/v1/resources/{id}"))).bearer_auth(&nora).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        client.get(hub.at(&format!("/api/v1/resources/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sign_ups_from_one_address_are_limited_but_a_workshop_room_fits() {
    let hub = TestHub::start().await;
    let client = reqwest::Client::new();
    let signup = |n: i64| {
        client
            .post(hub.at("/api/v1/accounts"))
            .json(&json!({ "username": format!("atelier{n}"), "password": PASSWORD }))
            .send()
    };
    for n in 0..maillage_core::accounts::SIGNUPS_PER_ADDRESS_PER_HOUR {
        assert_eq!(signup(n).await.unwrap().status(), StatusCode::CREATED, "sign-up {n}");
    }
    assert_eq!(signup(99).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}

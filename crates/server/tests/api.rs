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
    ] {
        for method in methods {
            assert!(paths.get(path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not described");
        }
    }
    assert!(document["components"]["securitySchemes"]["token"].is_object());
    // Every described path answers (not 404/405) on the real router.
    let client = reqwest::Client::new();
    for (path, methods) in paths {
        let concrete = path.replace("{username}", "nobody").replace("{id}", "999999");
        for method in methods.as_object().unwrap().keys() {
            let response =
                client.request(method.to_uppercase().parse().unwrap(), hub.at(&concrete)).send().await.unwrap();
            assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("Page introuvable"), "{method} {path} is not routed");
        }
    }
}

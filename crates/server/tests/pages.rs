//! The hub's pages over real HTTP, as a person with a browser (without JavaScript) uses them.

mod common;

use common::{PASSWORD, TestHub, location};
use maillage_core::accounts::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn home_page_speaks_french_by_default_and_english_on_request() {
    let hub = TestHub::start().await;
    let visitor = hub.browser();
    let response = visitor.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("maillage_csrf=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let html = common::body(response).await;
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("Aller au contenu"), "skip link");
    assert!(html.contains("<main id=\"main\""));

    let english = hub
        .browser()
        .client
        .get(hub.at("/"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Skip to content"));

    // The footer's language switch sets a cookie that wins over the browser's language.
    let response = visitor.submit("/", "/lang", &[("lang", "en"), ("next", "/members")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/members");
    let (_, html) = visitor.get_text("/members").await;
    assert!(html.contains("Member directory"));
}

#[tokio::test]
async fn unknown_pages_are_404_in_the_layout() {
    let hub = TestHub::start().await;
    let (status, html) = hub.browser().get_text("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page introuvable") && html.contains("Aller au contenu"), "{html}");
}

#[tokio::test]
async fn open_signup_then_profile_then_directory() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    let response = admin
        .submit(
            "/admin/hub",
            "/admin/hub",
            &[
                ("name", "Hubik"),
                ("region", "Nouvelle-Aquitaine"),
                ("description", "Le hub **régional**"),
                ("registration_mode", "open"),
                ("default_timezone", "Europe/Paris"),
                ("default_language", "fr"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let camille = hub.browser();
    let (_, html) = camille.get_text("/").await;
    assert!(html.contains("<title>Accueil · Hubik</title>") && html.contains("<strong>régional</strong>"));
    let response = camille
        .submit(
            "/signup",
            "/signup",
            &[("username", "Camille"), ("password", PASSWORD), ("display_name", "Camille Petit")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{:?}", response.text().await);
    assert_eq!(location(&response), "/settings?welcome=1");
    let response = camille
        .submit(
            "/settings",
            "/settings",
            &[
                ("display_name", "Camille Petit"),
                ("organisation", "Médiathèque de Pau"),
                ("territory", "Pyrénées-Atlantiques"),
                ("skills", "Aidants Connect, CAF"),
                ("bio", "J'anime des **cafés numériques**."),
                ("locale", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, html) = camille.get_text("/u/camille").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Médiathèque de Pau") && html.contains("<strong>cafés numériques</strong>"), "{html}");

    let visitor = hub.browser();
    let (_, html) = visitor.get_text("/members?q=mediatheque+pau").await;
    assert!(html.contains("/u/camille") && !html.contains("/u/hub_admin"), "{html}");
    let (_, html) = visitor.get_text("/members?skill=aidants+connect").await;
    assert!(html.contains("/u/camille"));
    let (_, html) = visitor.get_text("/members?territory=Gironde").await;
    assert!(!html.contains("/u/camille"));
}

#[tokio::test]
async fn signup_errors_are_tied_to_their_fields() {
    let hub = TestHub::start().await;
    let visitor = hub.browser();
    hub.member("taken", Role::Member).await;
    let response = visitor.submit("/signup", "/signup", &[("username", "taken"), ("password", "short")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = common::body(response).await;
    assert!(html.contains("<title>Erreur : Créer un compte"), "title announces the error");
    assert!(html.contains("Ce nom d'utilisateur est déjà pris."));
    assert!(html.contains("id=\"password-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"username-error username-hint\""), "{html}");
    assert!(html.contains("value=\"taken\""), "what was typed is kept");

    let long = "x".repeat(101);
    let response = visitor
        .submit("/signup", "/signup", &[("username", "newone"), ("password", PASSWORD), ("display_name", &long)])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common::body(response).await.contains("Ce texte est trop long."));
}

#[tokio::test]
async fn approval_mode_from_request_to_first_sign_in() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    // Approval is the default mode of a fresh hub.
    let dora = hub.browser();
    let response = dora
        .submit(
            "/signup",
            "/signup",
            &[("username", "dora"), ("password", PASSWORD), ("registration_note", "Conseillère numérique à Tulle")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(common::body(response).await.contains("Demande envoyée"));
    let response = dora.login("dora", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(common::body(response).await.contains("attend encore la validation"));

    let (_, html) = admin.get_text("/admin/registrations").await;
    assert!(html.contains("Conseillère numérique à Tulle"));
    let user = maillage_core::accounts::user_by_username(hub.db(), "dora").await.unwrap().unwrap();
    let response =
        admin.submit("/admin/registrations", &format!("/admin/registrations/{}/approve", user.id), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(dora.login("dora", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, html) = dora.get_text("/").await;
    assert!(html.contains("Bonjour dora"));
}

#[tokio::test]
async fn invitation_mode_needs_a_link() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    admin
        .submit(
            "/admin/hub",
            "/admin/hub",
            &[
                ("name", "Hinaura"),
                ("registration_mode", "invitation"),
                ("default_timezone", "Europe/Paris"),
                ("default_language", "fr"),
            ],
        )
        .await;
    let response = admin
        .submit(
            "/admin/invitations",
            "/admin/invitations",
            &[("max_uses", "1"), ("valid_days", "7"), ("note", "Pour Éric")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = admin.get_text("/admin/invitations").await;
    let start = html.find("/signup?invite=").expect("invitation link shown") + "/signup?invite=".len();
    let code: String =
        html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();

    let eric = hub.browser();
    let response = eric.submit("/signup", "/signup", &[("username", "eric"), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, html) = eric.get_text(&format!("/signup?invite={code}")).await;
    assert!(html.contains(&format!("value=\"{code}\"")), "the link fills the code in");
    let response =
        eric.submit("/signup", "/signup", &[("username", "eric"), ("password", PASSWORD), ("invitation", &code)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let hub = TestHub::start().await;
    hub.member("victim", Role::Member).await;
    let attacker = hub.browser();
    attacker.get("/").await;
    let no_token = attacker
        .client
        .post(hub.at("/login"))
        .form(&[("username", "victim"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(common::body(no_token).await.contains("Le formulaire a expiré"));
    let wrong = attacker
        .client
        .post(hub.at("/login"))
        .form(&[
            ("csrf_token", "a-token-from-another-browser-000000000000"),
            ("username", "victim"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    // A fresh client with no cookie at all.
    let bare = reqwest::Client::new().post(hub.at("/logout")).form(&[("csrf_token", "")]).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn roles_are_checked_on_the_server() {
    let hub = TestHub::start().await;
    let anonymous = hub.browser();
    let response = anonymous.get("/admin/registrations").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=%2Fadmin%2Fregistrations");
    let member = hub.signed_in("plain_member", Role::Member).await;
    for path in ["/admin", "/admin/registrations", "/admin/hub", "/admin/invitations", "/admin/members"] {
        assert_eq!(member.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let response = member
        .submit(
            "/settings",
            "/admin/hub",
            &[
                ("name", "Pirate"),
                ("registration_mode", "open"),
                ("default_timezone", "UTC"),
                ("default_language", "fr"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let moderator = hub.signed_in("a_moderator", Role::Moderator).await;
    assert_eq!(moderator.get("/admin/hub").await.status(), StatusCode::FORBIDDEN);
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    assert_eq!(admin.get("/admin/hub").await.status(), StatusCode::OK);
    let identity = maillage_core::hub::identity(hub.db()).await.unwrap();
    assert_eq!(identity.name, "Maillage", "the member's forged change did nothing");
}

#[tokio::test]
async fn wrong_passwords_get_one_message_then_a_pause() {
    let hub = TestHub::start().await;
    hub.member("henri", Role::Member).await;
    let browser = hub.browser();
    let unknown = browser.login("nobody_here", "whatever password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown_text = common::body(unknown).await;
    let wrong = browser.login("henri", "whatever password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_text = common::body(wrong).await;
    assert!(wrong_text.contains("Nom d'utilisateur ou mot de passe incorrect."));
    assert!(unknown_text.contains("Nom d'utilisateur ou mot de passe incorrect."));
    for _ in 0..4 {
        browser.login("henri", "whatever password").await;
    }
    let paused = browser.login("henri", PASSWORD).await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_and_never_to_another_site() {
    let hub = TestHub::start().await;
    hub.member("ines", Role::Member).await;
    let browser = hub.browser();
    let response = browser
        .submit("/login", "/login", &[("username", "ines"), ("password", PASSWORD), ("next", "/settings")])
        .await;
    assert_eq!(location(&response), "/settings");
    let other = hub.browser();
    let response = other
        .submit("/login", "/login", &[("username", "ines"), ("password", PASSWORD), ("next", "//evil.example/")])
        .await;
    assert_eq!(location(&response), "/");
    for sneaky in ["/\t/evil.example", "/\\evil.example", "/x\ny", "https://evil.example"] {
        let browser = hub.browser();
        let response =
            browser.submit("/login", "/login", &[("username", "ines"), ("password", PASSWORD), ("next", sneaky)]).await;
        assert_eq!(location(&response), "/", "{sneaky:?}");
    }
    // Sign-out ends the session on the server.
    let response = browser.submit("/", "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/settings").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_survive_a_restart_of_the_server() {
    let database = maillage_core::testing::TestDatabase::create().await;
    let start = || async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ctx = maillage_core::Context::open(database.config()).await.unwrap();
        maillage_server::serve(ctx, listener).await.unwrap()
    };
    let first = start().await;
    maillage_core::accounts::create_user(&first.state.ctx.db, "jade", PASSWORD, Role::Member).await.unwrap();
    let browser = common::Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: format!("http://{}", first.addr),
    };
    assert_eq!(browser.login("jade", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let cookie = browser.client.get(format!("{}/settings", browser.base)).send().await.unwrap();
    assert_eq!(cookie.status(), StatusCode::OK);
    first.state.ctx.db.close().await;
    first.stop().await;

    let second = start().await;
    // Same cookies, new server (a new port: cookies are per host, not per port).
    let response = browser.client.get(format!("http://{}/settings", second.addr)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "still signed in after the restart");
    second.stop().await;
}

#[tokio::test]
async fn password_change_and_account_deletion() {
    let hub = TestHub::start().await;
    let browser = hub.signed_in("kim", Role::Member).await;
    let response = browser
        .submit(
            "/settings",
            "/settings/password",
            &[("current_password", "not it at all"), ("new_password", "another long password")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common::body(response).await.contains("Le mot de passe est incorrect."));
    let response = browser
        .submit(
            "/settings",
            "/settings/password",
            &[("current_password", PASSWORD), ("new_password", "another long password")],
        )
        .await;
    assert_eq!(location(&response), "/settings?saved=password");
    assert_eq!(browser.get("/settings").await.status(), StatusCode::OK, "this session stays open");

    let response = browser.submit("/settings/delete", "/settings/delete", &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "old password no longer works");
    let response =
        browser.submit("/settings/delete", "/settings/delete", &[("password", "another long password")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/u/kim").await.status(), StatusCode::NOT_FOUND);
    assert!(maillage_core::accounts::user_by_username(hub.db(), "kim").await.unwrap().is_none());
}

#[tokio::test]
async fn admin_changes_roles_but_not_their_own() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    let lou = hub.member("lou", Role::Member).await;
    let response =
        admin.submit("/admin/members", &format!("/admin/members/{}/role", lou.id), &[("role", "moderator")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let lou = maillage_core::accounts::user_by_id(hub.db(), lou.id).await.unwrap().unwrap();
    assert_eq!(lou.role, Role::Moderator);
    let me = maillage_core::accounts::user_by_username(hub.db(), "hub_admin").await.unwrap().unwrap();
    let response =
        admin.submit("/admin/members", &format!("/admin/members/{}/role", me.id), &[("role", "member")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_form_is_refused_with_413() {
    let hub = TestHub::start().await;
    let browser = hub.signed_in("mia", Role::Member).await;
    let big = "x".repeat(2 * 1024 * 1024);
    let response = browser.submit("/settings", "/settings", &[("bio", &big)]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_and_stylesheet() {
    let hub = TestHub::start().await;
    let (status, body) = hub.browser().get_text("/health").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let response =
        hub.browser().client.get(hub.at("/static/style.css")).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn the_admin_member_list_has_pages() {
    let hub = TestHub::start().await;
    let admin = hub.signed_in("hub_admin", Role::Admin).await;
    for n in 0..34 {
        hub.member(&format!("membre_{n:02}"), Role::Member).await;
    }
    let (_, first) = admin.get_text("/admin/members").await;
    assert!(first.contains("35 membre(s) trouvé(s).") && first.contains("Page 1 sur 2"), "{first}");
    assert!(first.contains("/admin/members?q=&page=2"));
    let (_, second) = admin.get_text("/admin/members?page=2").await;
    assert!(second.contains("@membre_33") && !second.contains("@membre_00"));
}

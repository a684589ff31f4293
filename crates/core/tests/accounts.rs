//! Accounts on a real database (SQLite or PostgreSQL, as the test run says).

use maillage_core::CoreError;
use maillage_core::accounts::{self, DirectoryQuery, NewAccount, ProfileUpdate, Role, SessionKind};
use maillage_core::hub::RegistrationMode;
use maillage_core::testing::TestDatabase;

fn codes(err: CoreError) -> Vec<String> {
    match err {
        CoreError::Invalid(fields) => fields.into_iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn account(username: &str) -> NewAccount {
    NewAccount { username: username.into(), password: "correct horse battery".into(), ..Default::default() }
}

#[tokio::test]
async fn open_registration_then_sign_in_and_session() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let alice = accounts::register(&hub.db, RegistrationMode::Open, &account("Alice")).await.unwrap();
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.role, Role::Member);

    let signed_in = accounts::authenticate(&hub.db, "ALICE", "correct horse battery", "127.0.0.1").await.unwrap();
    assert_eq!(signed_in.id, alice.id);
    let token = accounts::create_session(&hub.db, alice.id, SessionKind::Browser, "test").await.unwrap();
    let found = accounts::session_user(&hub.db, &token, SessionKind::Browser).await.unwrap().unwrap();
    assert_eq!(found.id, alice.id);
    // A browser session is not an API token.
    assert!(accounts::session_user(&hub.db, &token, SessionKind::Api).await.unwrap().is_none());
    accounts::end_session(&hub.db, &token).await.unwrap();
    assert!(accounts::session_user(&hub.db, &token, SessionKind::Browser).await.unwrap().is_none());
}

#[tokio::test]
async fn duplicate_invalid_and_reserved_usernames_are_refused() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    accounts::register(&hub.db, RegistrationMode::Open, &account("bob")).await.unwrap();
    let err = accounts::register(&hub.db, RegistrationMode::Open, &account("Bob")).await.unwrap_err();
    assert_eq!(codes(err), ["username:error.username_taken"]);
    for bad in ["b", "bob smith", "bob@x", "élodie", "_x", &"a".repeat(31)] {
        let err = accounts::register(&hub.db, RegistrationMode::Open, &account(bad)).await.unwrap_err();
        assert_eq!(codes(err), ["username:error.username_invalid"], "{bad}");
    }
    let err = accounts::register(&hub.db, RegistrationMode::Open, &account("admin")).await.unwrap_err();
    assert_eq!(codes(err), ["username:error.username_taken"]);
    let short = NewAccount { password: "short".into(), ..account("carol") };
    assert_eq!(
        codes(accounts::register(&hub.db, RegistrationMode::Open, &short).await.unwrap_err()),
        ["password:error.password_too_short"]
    );
    let long_name = NewAccount { display_name: "x".repeat(101), ..account("carol") };
    assert_eq!(
        codes(accounts::register(&hub.db, RegistrationMode::Open, &long_name).await.unwrap_err()),
        ["display_name:error.too_long"]
    );
}

#[tokio::test]
async fn approval_mode_keeps_accounts_pending_until_approved() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let dora = accounts::register(
        &hub.db,
        RegistrationMode::Approval,
        &NewAccount { registration_note: "Médiatrice à Pau".into(), ..account("dora") },
    )
    .await
    .unwrap();
    let err = accounts::authenticate(&hub.db, "dora", "correct horse battery", "10.0.0.1").await.unwrap_err();
    assert_eq!(codes(err), ["username:error.account_pending"]);
    let pending = accounts::pending_registrations(&hub.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].registration_note, "Médiatrice à Pau");
    accounts::approve_registration(&hub.db, dora.id).await.unwrap();
    accounts::authenticate(&hub.db, "dora", "correct horse battery", "10.0.0.1").await.unwrap();
    assert!(accounts::pending_registrations(&hub.db).await.unwrap().is_empty());

    let eve = accounts::register(&hub.db, RegistrationMode::Approval, &account("eve")).await.unwrap();
    accounts::reject_registration(&hub.db, eve.id).await.unwrap();
    assert!(accounts::user_by_username(&hub.db, "eve").await.unwrap().is_none());
}

#[tokio::test]
async fn invitation_codes_are_required_and_used_up() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let admin = accounts::create_user(&hub.db, "root_admin", "correct horse battery", Role::Admin).await.unwrap();
    let invitation = accounts::create_invitation(&hub.db, admin.id, 1, 7, "pour Fanny").await.unwrap();
    let err = accounts::register(&hub.db, RegistrationMode::Invitation, &account("fanny")).await.unwrap_err();
    assert_eq!(codes(err), ["invitation:error.invitation_required"]);
    let with_code = NewAccount { invitation: Some(invitation.code.clone()), ..account("fanny") };
    accounts::register(&hub.db, RegistrationMode::Invitation, &with_code).await.unwrap();
    let again = NewAccount { invitation: Some(invitation.code.clone()), ..account("gaspard") };
    let err = accounts::register(&hub.db, RegistrationMode::Invitation, &again).await.unwrap_err();
    assert_eq!(codes(err), ["invitation:error.invitation_invalid"]);
    assert!(accounts::active_invitations(&hub.db).await.unwrap().is_empty());
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    accounts::register(&hub.db, RegistrationMode::Open, &account("henri")).await.unwrap();
    for _ in 0..5 {
        let err = accounts::authenticate(&hub.db, "henri", "wrong password!", "192.0.2.1").await.unwrap_err();
        assert!(matches!(err, CoreError::Unauthorized), "{err:?}");
    }
    // Even the right password waits now.
    let err = accounts::authenticate(&hub.db, "henri", "correct horse battery", "192.0.2.2").await.unwrap_err();
    assert!(matches!(err, CoreError::RateLimited), "{err:?}");
    // An unknown account fails the same way as a wrong password.
    let err = accounts::authenticate(&hub.db, "nobody", "whatever12345", "192.0.2.3").await.unwrap_err();
    assert!(matches!(err, CoreError::Unauthorized), "{err:?}");
}

#[tokio::test]
async fn password_change_closes_other_sessions() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let ines = accounts::register(&hub.db, RegistrationMode::Open, &account("ines")).await.unwrap();
    let here = accounts::create_session(&hub.db, ines.id, SessionKind::Browser, "").await.unwrap();
    let elsewhere = accounts::create_session(&hub.db, ines.id, SessionKind::Browser, "").await.unwrap();
    let err = accounts::change_password(&hub.db, ines.id, "not my password", "a new long password", Some(&here))
        .await
        .unwrap_err();
    assert_eq!(codes(err), ["current_password:error.password_wrong"]);
    accounts::change_password(&hub.db, ines.id, "correct horse battery", "a new long password", Some(&here))
        .await
        .unwrap();
    assert!(accounts::session_user(&hub.db, &here, SessionKind::Browser).await.unwrap().is_some());
    assert!(accounts::session_user(&hub.db, &elsewhere, SessionKind::Browser).await.unwrap().is_none());
    accounts::authenticate(&hub.db, "ines", "a new long password", "x").await.unwrap();
}

#[tokio::test]
async fn account_deletion_needs_the_password_and_keeps_one_admin() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let jules = accounts::register(&hub.db, RegistrationMode::Open, &account("jules")).await.unwrap();
    let token = accounts::create_session(&hub.db, jules.id, SessionKind::Api, "").await.unwrap();
    assert_eq!(
        codes(accounts::delete_account(&hub.db, jules.id, "nope").await.unwrap_err()),
        ["password:error.password_wrong"]
    );
    accounts::delete_account(&hub.db, jules.id, "correct horse battery").await.unwrap();
    assert!(accounts::user_by_id(&hub.db, jules.id).await.unwrap().is_none());
    // Other servers still know @jules by its URL and key: nobody gets that name again.
    let err = accounts::register(&hub.db, RegistrationMode::Open, &account("jules")).await.unwrap_err();
    assert_eq!(codes(err), ["username:error.username_taken"]);
    assert!(accounts::session_user(&hub.db, &token, SessionKind::Api).await.unwrap().is_none());

    let admin = accounts::create_user(&hub.db, "only_admin", "correct horse battery", Role::Admin).await.unwrap();
    let err = accounts::delete_account(&hub.db, admin.id, "correct horse battery").await.unwrap_err();
    assert_eq!(codes(err), ["password:error.last_admin"]);
}

#[tokio::test]
async fn directory_finds_members_by_name_structure_territory_and_skill() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    let lea = accounts::register(&hub.db, RegistrationMode::Open, &account("lea")).await.unwrap();
    accounts::update_profile(
        &hub.db,
        lea.id,
        &ProfileUpdate {
            display_name: "Léa Martin".into(),
            bio: "Conseillère **numérique**".into(),
            organisation: "Médiathèque Jean Moulin".into(),
            territory: "Aveyron".into(),
            skills: vec!["Aidants Connect".into(), "CAF".into(), "caf".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let marc = accounts::register(&hub.db, RegistrationMode::Open, &account("marc")).await.unwrap();
    accounts::update_profile(
        &hub.db,
        marc.id,
        &ProfileUpdate {
            display_name: "Marc".into(),
            organisation: "Tiers-lieu La Cowo".into(),
            territory: "Gironde".into(),
            skills: vec!["smartphone".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    accounts::register(&hub.db, RegistrationMode::Approval, &account("pending_nina")).await.unwrap();

    let names = |page: accounts::DirectoryPage| page.members.into_iter().map(|m| m.username).collect::<Vec<_>>();
    let all = accounts::directory(&hub.db, &DirectoryQuery::default()).await.unwrap();
    assert_eq!(all.total, 2, "pending accounts are not listed");
    assert_eq!(names(all), ["lea", "marc"]);
    let q = |q: &str| DirectoryQuery { q: q.into(), ..Default::default() };
    assert_eq!(names(accounts::directory(&hub.db, &q("mediatheque")).await.unwrap()), ["lea"]);
    assert_eq!(names(accounts::directory(&hub.db, &q("LÉA")).await.unwrap()), ["lea"]);
    assert_eq!(names(accounts::directory(&hub.db, &q("cowo gironde")).await.unwrap()), ["marc"]);
    assert!(names(accounts::directory(&hub.db, &q("100%")).await.unwrap()).is_empty());
    let territory = DirectoryQuery { territory: "aveyron".into(), ..Default::default() };
    assert_eq!(names(accounts::directory(&hub.db, &territory).await.unwrap()), ["lea"]);
    let skill = DirectoryQuery { skill: "Caf".into(), ..Default::default() };
    assert_eq!(names(accounts::directory(&hub.db, &skill).await.unwrap()), ["lea"]);

    let lea = accounts::user_by_id(&hub.db, lea.id).await.unwrap().unwrap();
    assert_eq!(lea.skills, ["Aidants Connect", "CAF"], "duplicates folded away");
    assert_eq!(lea.bio_html, "<p>Conseillère <strong>numérique</strong></p>");
    assert_eq!(accounts::known_territories(&hub.db).await.unwrap(), ["Aveyron", "Gironde"]);
}

//! The library on the engine the test run names (SQLite or PostgreSQL): vocabulary seed,
//! publishing and versions, facets and French full-text search.

use maillage_core::accounts::{self, Role};
use maillage_core::testing::TestDatabase;
use maillage_resources::library::{self, CatalogueQuery, Publisher, ResourceInput};
use maillage_resources::vocabulary;

fn kit(title: &str, theme: &str, licence: &str) -> ResourceInput {
    ResourceInput {
        title: title.into(),
        summary: "Un kit pour animer un atelier de deux heures avec des personnes qui débutent.".into(),
        body: "## Déroulé\n\n1. Accueil\n2. Créer son **espace personnel** sur ameli.fr\n".into(),
        licence: licence.into(),
        resource_type: "resource_pedagogique".into(),
        themes: vec![theme.into()],
        publics: vec!["adultes".into()],
        authors: "Hub Occitanie | https://hub.example\nMédiathèque de Rodez".into(),
        links: "Tutoriel vidéo | https://video.example/ameli".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn publish_version_find_by_facet_and_search() {
    let database = TestDatabase::create().await;
    let ctx = database.context().await;
    let db = &ctx.db;
    vocabulary::seed(db).await.unwrap();
    vocabulary::seed(db).await.unwrap(); // a second start keeps what is there
    assert_eq!(vocabulary::list(db, "theme").await.unwrap().len(), 29);
    assert_eq!(vocabulary::list(db, "public").await.unwrap().len(), 10);
    let added = vocabulary::add(db, "public", "Personnes détenues", "").await.unwrap();
    assert_eq!(added.key, "personnes_detenues");
    assert!(vocabulary::add(db, "public", "Personnes détenues", "").await.is_err());

    let themes = vocabulary::list(db, "theme").await.unwrap();
    let (first, second) = (themes[0].key.clone(), themes[1].key.clone());
    let member = accounts::create_user(db, "nora", "un mot de passe assez long", Role::Member).await.unwrap();
    let publisher = Publisher { user_id: member.id, name: "Nora" };

    // Refused: empty, unknown theme, unknown licence, bad link.
    let mut bad = kit("", "not_a_theme", "GPL-9");
    bad.links = "not a url".into();
    let refused = library::check(db, &bad).await.unwrap_err();
    let text = format!("{refused:?}");
    for field in ["title", "themes", "licence", "links"] {
        assert!(text.contains(&format!("\"{field}\"")), "{field}: {text}");
    }

    let mut tx = db.pool().begin().await.unwrap();
    let fields = library::check(db, &kit("Créer son compte Ameli", &first, "CC-BY-SA-4.0")).await.unwrap();
    let ameli = library::insert(&mut tx, "https://hub.example", &fields, &publisher).await.unwrap();
    let fields = library::check(db, &kit("Repérer les arnaques par SMS", &second, "")).await.unwrap();
    let sms = library::insert(&mut tx, "https://hub.example", &fields, &publisher).await.unwrap();
    tx.commit().await.unwrap();

    let detail = library::detail(db, ameli).await.unwrap().unwrap();
    assert_eq!(detail.resource.ap_id, format!("https://hub.example/resources/{ameli}"));
    assert_eq!(detail.licence.unwrap().id, "CC-BY-SA-4.0");
    assert_eq!(detail.authors[0], ("Hub Occitanie".into(), "https://hub.example".into()));
    assert_eq!(detail.authors[1], ("Médiathèque de Rodez".into(), String::new()));
    assert!(detail.resource.body_html.contains("<h3>Déroulé</h3>"), "{}", detail.resource.body_html);
    assert_eq!(library::by_id(db, sms).await.unwrap().unwrap().licence, "etalab-2.0", "Etalab by default");

    // A new version keeps the old one readable.
    let mut edit = library::input_of(&detail);
    edit.summary = "Un kit mis à jour pour la nouvelle interface d'ameli.fr.".into();
    edit.change_note = "Captures de la nouvelle interface".into();
    let fields = library::check(db, &edit).await.unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    assert_eq!(library::update(&mut tx, ameli, &fields, &publisher).await.unwrap(), 2);
    tx.commit().await.unwrap();
    let versions = library::versions(db, ameli).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(versions[0].change_note, "Captures de la nouvelle interface");
    assert!(versions[1].summary.starts_with("Un kit pour animer"));

    // Facets and search: stemmed, accents folded, on both engines alike.
    let all = library::catalogue(db, &CatalogueQuery::default()).await.unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.facets.themes.len(), 2);
    assert_eq!(all.facets.licences.len(), 2);
    assert_eq!(all.facets.origins[0].key, "local");
    let by_theme =
        library::catalogue(db, &CatalogueQuery { theme: first.clone(), ..Default::default() }).await.unwrap();
    assert_eq!(by_theme.items.iter().map(|i| i.id).collect::<Vec<_>>(), [ameli]);
    let by_licence =
        library::catalogue(db, &CatalogueQuery { licence: "etalab-2.0".into(), ..Default::default() }).await.unwrap();
    assert_eq!(by_licence.items.iter().map(|i| i.id).collect::<Vec<_>>(), [sms]);
    for (words, expected) in
        [("arnaque", vec![sms]), ("interfaces ameli", vec![ameli]), ("espace personnel", vec![ameli, sms])]
    {
        let found = library::catalogue(db, &CatalogueQuery { q: words.into(), ..Default::default() }).await.unwrap();
        let mut ids: Vec<i64> = found.items.iter().map(|i| i.id).collect();
        ids.sort();
        let mut expected = expected.clone();
        expected.sort();
        assert_eq!(ids, expected, "{words}");
    }
    let mut tx = db.pool().begin().await.unwrap();
    library::delete(&mut tx, sms).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(library::catalogue(db, &CatalogueQuery::default()).await.unwrap().total, 1);
}

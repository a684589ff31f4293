//! The library's pages over real HTTP: publishing, versions, the catalogue's facets and search
//! (by file name too), and uploads checked as they stream in (413 over the limit, a refused
//! type, content that does not match its extension), downloads streamed back.

mod common;

use common::{TestHub, body, location};
use maillage_core::accounts::Role;
use maillage_resources::vocabulary;
use reqwest::StatusCode;

/// A multipart body as a browser sends the upload form: the CSRF token first, then the file.
fn multipart(token: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----maillage-test-boundary-7MA4YWxkTrZu0gW";
    let mut out = Vec::new();
    out.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n").as_bytes(),
    );
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(content);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

#[tokio::test]
async fn publish_upload_find_and_version_a_resource() {
    let hub = TestHub::start().await;
    let browser = hub.signed_in("nadia", Role::Member).await;
    let themes = vocabulary::list(hub.db(), "theme").await.unwrap();
    assert_eq!(themes.len(), 29, "a fresh hub has the vocabularies of Les Bases");
    let theme = themes[1].key.clone();

    // Refused first: nothing filled in.
    let response = browser.submit("/resources/new", "/resources/new", &[("title", "")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body(response).await;
    for field in ["title", "summary", "resource_type", "themes"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "no error for {field}");
    }

    let fields = [
        ("title", "Kit atelier : créer son compte Ameli"),
        ("summary", "Un déroulé d'atelier de deux heures, des fiches et un diaporama, pour débuter."),
        ("body", "## Déroulé\n\nAccueil, puis **création du compte**."),
        ("language", "fr"),
        ("licence", "CC-BY-SA-4.0"),
        ("resource_type", "resource_pedagogique"),
        ("themes", theme.as_str()),
        ("publics", "adultes"),
        ("authors", "Hub Occitanie | https://hub.example"),
        ("links", "Tutoriel | https://video.example/ameli"),
    ];
    let response = browser.submit("/resources/new", "/resources/new", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = location(&response);
    let (status, html) = browser.get_text(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Kit atelier : créer son compte Ameli"), "{html}");
    assert!(html.contains("https://creativecommons.org/licenses/by-sa/4.0/deed.fr"), "licence linked");

    // Uploads.
    let upload = |name: &'static str, content: Vec<u8>| {
        let browser = &browser;
        let page = page.clone();
        async move {
            let token = browser.csrf(&page).await;
            let (content_type, body) = multipart(&token, name, &content);
            browser
                .client
                .post(format!("{}{page}/files", browser.base))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'x', 300_000));
    let response = upload("Déroulé atelier Ameli.pdf", pdf.clone()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", body(response).await);
    let response = upload("script.sh", b"#!/bin/sh\nrm -rf /".to_vec()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(response).await.contains("id=\"file-error\""));
    let response = upload("fiche.pdf", b"MZ\x90\x00 not a pdf at all".to_vec()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut huge = b"%PDF-1.7\n".to_vec();
    huge.resize(21 * 1024 * 1024, b'x');
    let response = upload("trop-gros.pdf", huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Refused by the size limit before the handler: still a page in the reader's language.
    let page_413 = body(response).await;
    assert!(page_413.contains("<html lang=\"fr\"") && page_413.contains("<h1"), "{page_413}");
    // Without the page's token, refused.
    let (content_type, form) = multipart("forged", "x.pdf", b"%PDF-1.7");
    let response = browser
        .client
        .post(format!("{}{page}/files", browser.base))
        .header("content-type", content_type)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The one accepted file is listed, downloads whole, and its name is searchable.
    let (_, html) = browser.get_text(&page).await;
    let href_start = html.find("/resources/files/").expect("a file link");
    let href: String = html[href_start..].chars().take_while(|c| *c != '"').collect();
    let response = browser.get(&href).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("filename*=UTF-8''D%C3%A9roul%C3%A9%20atelier%20Ameli.pdf"), "{disposition}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let (_, found) = browser.get_text("/resources?q=deroule").await;
    assert!(found.contains("Kit atelier : créer son compte Ameli"), "{found}");
    let (_, faceted) = browser.get_text(&format!("/resources?theme={theme}&licence=CC-BY-SA-4.0")).await;
    assert!(faceted.contains("Kit atelier"), "{faceted}");
    let (_, empty) = browser.get_text("/resources?licence=CC0-1.0").await;
    assert!(!empty.contains("Kit atelier"));

    // An edit is a new version; the old one stays readable.
    let mut edit: Vec<(&str, &str)> = fields.to_vec();
    edit.retain(|(k, _)| *k != "summary");
    edit.push(("summary", "Un déroulé mis à jour pour la nouvelle interface d'ameli.fr."));
    edit.push(("change_note", "Nouvelle interface"));
    let response = browser.submit(&format!("{page}/edit"), &format!("{page}/edit"), &edit).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, history) = browser.get_text(&format!("{page}/versions")).await;
    assert!(history.contains("Nouvelle interface"), "{history}");
    let (status, first) = browser.get_text(&format!("{page}/versions/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("deux heures"), "{first}");

    // Another member may read, not edit; a stranger's upload is refused.
    let other = hub.signed_in("karim", Role::Member).await;
    assert_eq!(other.get(&format!("{page}/edit")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(other.get("/resources/999999").await.status(), StatusCode::NOT_FOUND);
}

async fn publish(hub: &TestHub, who: &maillage_core::accounts::User, title: &str, licence: &str) -> i64 {
    let theme = vocabulary::list(hub.db(), "theme").await.unwrap()[0].key.clone();
    let input = maillage_resources::library::ResourceInput {
        title: title.into(),
        summary: format!("{title} : un guide pour les médiateurs."),
        body: "## Étapes\n\nPréparer, animer, évaluer.".into(),
        licence: licence.into(),
        resource_type: "resource_pedagogique".into(),
        themes: vec![theme],
        publics: vec!["adultes".into()],
        authors: "Hub Bourgogne | https://hub-b.example".into(),
        ..Default::default()
    };
    maillage_federation::resources::create(common::fed(hub), who, &input).await.unwrap()
}

#[tokio::test]
async fn a_hub_follows_another_library_gets_old_and_new_resources_and_keeps_in_step() {
    use maillage_resources::library;
    let (hub_a, hub_b) = tokio::join!(TestHub::start(), TestHub::start());
    let bea = hub_b.member("bea", Role::Member).await;
    let older = publish(&hub_b, &bea, "Kit café numérique", "CC-BY-SA-4.0").await;
    let older_ap_id = library::by_id(hub_b.db(), older).await.unwrap().unwrap().ap_id;

    // A's admin follows B's library by its handle; the older resource arrives by backfill.
    maillage_federation::activities::hub_follow(
        common::fed(&hub_a),
        &format!("@bibliotheque@{}", common::domain(&hub_b)),
    )
    .await
    .unwrap();
    common::eventually("A gets B's older resource from its outbox", || async {
        library::by_ap_id(hub_a.db(), &older_ap_id).await.unwrap().is_some()
    })
    .await;
    let copy = library::by_ap_id(hub_a.db(), &older_ap_id).await.unwrap().unwrap();
    assert!(!copy.is_local());
    assert_eq!(copy.licence, "CC-BY-SA-4.0");
    assert_eq!(copy.title, "Kit café numérique");
    let detail = library::detail(hub_a.db(), copy.id).await.unwrap().unwrap();
    assert_eq!(detail.authors, [("Hub Bourgogne".to_owned(), "https://hub-b.example".to_owned())]);
    assert!(detail.resource.body_html.contains("<h3>Étapes</h3>"), "{}", detail.resource.body_html);

    // A new one arrives by delivery, with its file linked (not copied).
    let newer = publish(&hub_b, &bea, "Repérer les arnaques", "etalab-2.0").await;
    let store = maillage_resources::files::FileStore::local(hub_b.hub.state.ctx.config.data_dir.join("files"));
    let saved = store
        .put(
            "fiche-arnaques.pdf",
            futures_util::stream::iter([Ok::<_, String>(axum::body::Bytes::from_static(b"%PDF-1.7\nfiche"))]),
            1_000,
        )
        .await
        .unwrap();
    maillage_federation::resources::add_file(common::fed(&hub_b), &bea, newer, &saved, "fiche-arnaques.pdf")
        .await
        .unwrap();
    let newer_ap_id = library::by_id(hub_b.db(), newer).await.unwrap().unwrap().ap_id;
    common::eventually("A gets the new resource and its file link", || async {
        match library::by_ap_id(hub_a.db(), &newer_ap_id).await.unwrap() {
            Some(r) => library::detail(hub_a.db(), r.id).await.unwrap().unwrap().files.len() == 1,
            None => false,
        }
    })
    .await;
    let on_a = library::by_ap_id(hub_a.db(), &newer_ap_id).await.unwrap().unwrap();
    let files = library::detail(hub_a.db(), on_a.id).await.unwrap().unwrap().files;
    assert!(files[0].url.starts_with(&common::fed(&hub_b).url("/resources/files/")), "{files:?}");
    assert!(files[0].storage_key.is_empty(), "linked, not copied");
    // Found in A's search and facets, marked with its hub.
    let found = library::catalogue(hub_a.db(), &library::CatalogueQuery { q: "arnaques".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert!(found.facets.origins.iter().any(|o| o.key != "local"), "{:?}", found.facets.origins);

    // An update (a new version) and a deletion follow.
    let mut input = library::input_of(&library::detail(hub_b.db(), older).await.unwrap().unwrap());
    input.title = "Kit café numérique (2e édition)".into();
    input.change_note = "Nouvelles fiches".into();
    maillage_federation::resources::update(common::fed(&hub_b), &bea, older, &input).await.unwrap();
    common::eventually("A sees the new version", || async {
        library::by_ap_id(hub_a.db(), &older_ap_id).await.unwrap().unwrap().version == 2
    })
    .await;
    assert_eq!(
        library::by_ap_id(hub_a.db(), &older_ap_id).await.unwrap().unwrap().title,
        "Kit café numérique (2e édition)"
    );
    maillage_federation::resources::delete(common::fed(&hub_b), &bea, newer).await.unwrap();
    common::eventually("A removes the deleted resource", || async {
        library::by_ap_id(hub_a.db(), &newer_ap_id).await.unwrap().unwrap().deleted_at != 0
    })
    .await;
    // A adapts B's CC BY-SA kit: the licence must stay BY-SA; the adaptation credits the
    // original, and B learns of it.
    let adele = hub_a.member("adele", Role::Member).await;
    let on_a = library::by_ap_id(hub_a.db(), &older_ap_id).await.unwrap().unwrap();
    let mut draft = library::adaptation_draft(&library::detail(hub_a.db(), on_a.id).await.unwrap().unwrap());
    assert_eq!(draft.derived_from, older_ap_id);
    assert!(draft.body.contains("Préparer, animer, évaluer"), "{}", draft.body);
    draft.licence = "etalab-2.0".into();
    let refused = maillage_federation::resources::create(common::fed(&hub_a), &adele, &draft).await;
    assert!(format!("{refused:?}").contains("licence_not_allowed_for_adaptation"), "{refused:?}");
    draft.licence = "CC-BY-SA-4.0".into();
    draft.title = "Kit café numérique, version Jura".into();
    let adapted = maillage_federation::resources::create(common::fed(&hub_a), &adele, &draft).await.unwrap();
    let adapted = library::by_id(hub_a.db(), adapted).await.unwrap().unwrap();
    assert_eq!((adapted.derived_from.as_str(), adapted.licence.as_str()), (older_ap_id.as_str(), "CC-BY-SA-4.0"));
    assert_eq!(adapted.derived_from_title, "Kit café numérique (2e édition)");
    common::eventually("B shows the adaptation made on A", || async {
        let original = library::by_id(hub_b.db(), older).await.unwrap().unwrap();
        library::adaptations(hub_b.db(), &original)
            .await
            .unwrap()
            .iter()
            .any(|a| a.title == "Kit café numérique, version Jura")
    })
    .await;
    // An "all rights reserved" resource cannot be adapted.
    let closed = publish(&hub_b, &bea, "Diaporama de formation", "all-rights-reserved").await;
    let closed_ap_id = library::by_id(hub_b.db(), closed).await.unwrap().unwrap().ap_id;
    common::eventually("A gets it", || async { library::by_ap_id(hub_a.db(), &closed_ap_id).await.unwrap().is_some() })
        .await;
    let closed_on_a = library::by_ap_id(hub_a.db(), &closed_ap_id).await.unwrap().unwrap();
    let mut draft = library::adaptation_draft(&library::detail(hub_a.db(), closed_on_a.id).await.unwrap().unwrap());
    draft.licence = "all-rights-reserved".into();
    let refused = maillage_federation::resources::create(common::fed(&hub_a), &adele, &draft).await;
    assert!(format!("{refused:?}").contains("licence_forbids_adaptation"), "{refused:?}");
    let browser = hub_a.signed_in("ana", Role::Member).await;
    assert_eq!(browser.get(&format!("/resources/{}/adapt", closed_on_a.id)).await.status(), StatusCode::FORBIDDEN);
    let (status, form) = browser.get_text(&format!("/resources/{}/adapt", on_a.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"derived_from\"") && form.contains("(adaptation)"), "the adapt form: {form}");
    assert!(!form.contains("value=\"etalab-2.0\""), "share-alike: only the same licence is offered");

    // Servers asking B for it get a Tombstone.
    let response = reqwest::Client::new()
        .get(hub_b.at(&format!("/resources/{newer}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
}

#[tokio::test]
async fn export_and_import_into_a_fresh_hub_give_the_same_library_and_importing_twice_adds_nothing() {
    use maillage_resources::library;
    let (hub_a, hub_b) = tokio::join!(TestHub::start(), TestHub::start());
    let author = hub_a.member("autrice", Role::Member).await;
    vocabulary::add(hub_a.db(), "public", "Personnes détenues", "").await.unwrap();
    let kit = publish(&hub_a, &author, "Kit café numérique", "CC-BY-SA-4.0").await;
    let store = maillage_resources::files::FileStore::for_data_dir(&hub_a.hub.state.ctx.config.data_dir);
    let pdf = b"%PDF-1.7\nle deroule de l'atelier".to_vec();
    let saved = store
        .put("déroulé.pdf", futures_util::stream::iter([Ok::<_, String>(axum::body::Bytes::from(pdf.clone()))]), 1_000)
        .await
        .unwrap();
    maillage_federation::resources::add_file(common::fed(&hub_a), &author, kit, &saved, "déroulé.pdf").await.unwrap();
    publish(&hub_a, &author, "Guide des arnaques", "etalab-2.0").await;

    let dir = std::env::temp_dir().join(format!("maillage-export-{}", maillage_core::token::random_token()));
    assert_eq!(maillage_server::transfer::export(&hub_a.hub.state.ctx, &dir).await.unwrap(), 2);
    assert!(dir.join("library.json").exists());

    let importer = hub_b.member("coordination", Role::Admin).await;
    let steps = std::sync::Mutex::new(Vec::new());
    let report = maillage_server::transfer::import(common::fed(&hub_b), &importer, &dir, |done, total| {
        steps.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    assert_eq!((report.resources, report.files, report.skipped), (2, 1, 0));
    assert!(report.terms >= 1, "the term added on A comes along");
    assert_eq!(*steps.lock().unwrap(), [(1, 2), (2, 2)], "progress after each resource");

    let titles = |hub: &TestHub| {
        let db = hub.db().clone();
        async move {
            let mut titles: Vec<String> = library::catalogue(&db, &library::CatalogueQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|i| i.title)
                .collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(titles(&hub_a).await, titles(&hub_b).await);
    let on_b = library::catalogue(hub_b.db(), &library::CatalogueQuery { q: "deroule".into(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(on_b.items.len(), 1, "found by its file's name");
    let detail = library::detail(hub_b.db(), on_b.items[0].id).await.unwrap().unwrap();
    assert_eq!(detail.licence.unwrap().id, "CC-BY-SA-4.0");
    assert_eq!(detail.publics.len(), 1);
    let copied = &detail.files[0];
    let store_b = maillage_resources::files::FileStore::for_data_dir(&hub_b.hub.state.ctx.config.data_dir);
    let (mut file, size) = store_b.open(&copied.storage_key).await.unwrap();
    let mut bytes = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut file, &mut bytes).await.unwrap();
    assert_eq!((size as usize, bytes), (pdf.len(), pdf));

    // Again: nothing new.
    let again = maillage_server::transfer::import(common::fed(&hub_b), &importer, &dir, |_, _| {}).await.unwrap();
    assert_eq!((again.resources, again.skipped), (0, 2));
    assert_eq!(titles(&hub_b).await.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

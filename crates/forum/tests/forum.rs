//! The forum's use cases on a real database (SQLite or PostgreSQL, as the test run names):
//! lists and their filters, replies to locked or deleted topics, the solution, and search,
//! which must give the same results on both engines for the same words.

use maillage_core::Db;
use maillage_core::accounts::{self, Role};
use maillage_core::testing::TestDatabase;
use maillage_forum::Author;
use maillage_forum::categories::{self, CategoryInput};
use maillage_forum::posts::{self, NewPost};
use maillage_forum::topics::{self, Filter, ListQuery, NewTopic};

async fn topic(db: &Db, category: i64, author: &Author, title: &str, body: &str) -> (i64, i64) {
    let mut tx = db.pool().begin().await.unwrap();
    let ids = topics::insert(
        &mut tx,
        &NewTopic {
            category_id: category,
            title,
            tags: &["caf".to_owned()],
            context: "",
            post: NewPost { author, ap_id: None, url: "", source: body, html: body, created_at: 1_000, mentions: &[] },
        },
    )
    .await
    .unwrap();
    posts::assign_local_ids(&mut tx, "https://hub.example", ids.1).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

async fn reply(db: &Db, topic_id: i64, author: &Author, body: &str) -> Result<i64, maillage_core::CoreError> {
    let topic = topics::by_id(db, topic_id).await.unwrap().unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    let new = NewPost { author, ap_id: None, url: "", source: body, html: body, created_at: 2_000, mentions: &[] };
    let id = posts::insert_reply(&mut tx, &topic, None, &new).await?;
    posts::assign_local_ids(&mut tx, "https://hub.example", id).await.unwrap();
    tx.commit().await.unwrap();
    Ok(id)
}

#[tokio::test]
async fn lists_solutions_locks_and_search() {
    let database = TestDatabase::create().await;
    let ctx = database.context().await;
    let db = &ctx.db;
    let user = accounts::create_user(db, "lea", "correct horse battery", Role::Member).await.unwrap();
    let author = Author::local(&ctx.config, &user);
    let category = categories::create(
        db,
        &CategoryInput { slug: "demarches".into(), name: "Démarches".into(), ..Default::default() },
    )
    .await
    .unwrap();
    // A category slug may not be a member's name: `@lea@host` must keep naming Léa.
    let clash =
        categories::create(db, &CategoryInput { slug: "lea".into(), name: "Léa".into(), ..Default::default() }).await;
    assert!(clash.is_err());

    let (caf, _) =
        topic(db, category.id, &author, "Dossier CAF sans adresse e-mail", "<p>Une bénéficiaire n'a pas d'e-mail.</p>")
            .await;
    let (sms, _) = topic(db, category.id, &author, "Arnaques par SMS", "<p>Les faux colis livrés.</p>").await;
    let (_, _) = topic(db, category.id, &author, "Ateliers numériques pour seniors", "<p>Idées d'ateliers ?</p>").await;
    let answer =
        reply(db, caf, &author, "<p>Le conseiller numérique peut créer une adresse avec elle.</p>").await.unwrap();

    let list = |filter| ListQuery { category_id: Some(category.id), filter, page: 1, ..Default::default() };
    assert_eq!(topics::list(db, &list(Filter::Latest)).await.unwrap().total, 3);
    assert_eq!(topics::list(db, &list(Filter::Unanswered)).await.unwrap().total, 2);
    let mut tx = db.pool().begin().await.unwrap();
    topics::set_solution(&mut tx, caf, Some(answer)).await.unwrap();
    // The opening post is not an answer to itself.
    let opening = topics::by_id(db, sms).await.unwrap().unwrap().opening_post_id;
    assert!(topics::set_solution(&mut tx, sms, opening).await.is_err());
    tx.commit().await.unwrap();
    let solved = topics::list(db, &list(Filter::Solved)).await.unwrap();
    assert_eq!((solved.total, solved.topics[0].id, solved.topics[0].tags.clone()), (1, caf, vec!["caf".to_owned()]));
    assert_eq!(topics::list(db, &list(Filter::Unsolved)).await.unwrap().total, 2);

    // Search: the same posts on both engines, whatever the accents, case and plurals.
    let found = |q: &'static str| async move {
        let mut ids: Vec<i64> = posts::search(db, q).await.unwrap().iter().map(|h| h.topic_id).collect();
        ids.sort();
        ids
    };
    assert_eq!(found("CAF").await, [caf]);
    assert_eq!(found("adresses e-mails").await, [caf]);
    assert_eq!(found("conseillers numériques").await, [caf]);
    assert_eq!(found("arnaque").await, [sms]);
    assert_eq!(found("colis livre").await, [sms]);
    assert_eq!(found("atelier").await.len(), 1);
    assert_eq!(found("numerique").await.len(), 2);
    assert!(found("piscine").await.is_empty());
    assert!(found("le la les").await.is_empty(), "stop words alone find nothing");
    assert!(found("\" OR 1=1 --").await.is_empty(), "query syntax is not interpreted");

    // A deleted reply leaves a tombstone, no longer found and no longer the solution.
    let post = posts::by_id(db, answer).await.unwrap().unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    posts::delete(&mut tx, &post).await.unwrap();
    tx.commit().await.unwrap();
    let topic_now = topics::by_id(db, caf).await.unwrap().unwrap();
    assert_eq!((topic_now.reply_count, topic_now.solution_post_id), (0, None));
    assert!(found("conseiller").await.is_empty());

    // A locked topic takes no reply; a deleted one is gone.
    let mut tx = db.pool().begin().await.unwrap();
    topics::set_locked(&mut tx, sms, true).await.unwrap();
    tx.commit().await.unwrap();
    let err = reply(db, sms, &author, "<p>moi aussi</p>").await.unwrap_err();
    assert!(format!("{err:?}").contains("error.topic_locked"));
    let opening = posts::by_id(db, topics::by_id(db, caf).await.unwrap().unwrap().opening_post_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    posts::delete(&mut tx, &opening).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(reply(db, caf, &author, "<p>?</p>").await, Err(maillage_core::CoreError::NotFound)));
    assert_eq!(topics::list(db, &list(Filter::Latest)).await.unwrap().total, 2);
}

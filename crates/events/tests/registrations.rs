//! Registrations on the engine the test run names (SQLite or PostgreSQL).

use maillage_core::testing::TestDatabase;
use maillage_events::calendar::{self, EventInput, Organiser};
use maillage_events::registrations::{self, Outcome, Participant};

fn input(date: &str, capacity: &str) -> EventInput {
    EventInput {
        title: "Permanence".into(),
        start_date: date.into(),
        start_time: "09:30".into(),
        end_time: "11:30".into(),
        place_name: "France services".into(),
        city: "Dole".into(),
        registration: "open".into(),
        capacity: capacity.into(),
        waiting_list: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn places_waiting_list_and_contacts_erased_after_the_event() {
    let database = TestDatabase::create().await;
    let ctx = database.context().await;
    let db = &ctx.db;
    let orga = maillage_core::accounts::create_user(
        db,
        "orga",
        "un mot de passe assez long",
        maillage_core::accounts::Role::Member,
    )
    .await
    .unwrap();
    let fields = calendar::check(&input("2030-01-15", "1"), "Europe/Paris").unwrap();
    let mut tx = db.pool().begin().await.unwrap();
    let organiser = Organiser { user_id: orga.id, shown_name: "Orga", hub_name: "Hub" };
    let id = calendar::insert(&mut tx, "https://hub.example", &fields, &organiser, "fr").await.unwrap();
    let event = calendar::by_id_in(&mut tx, id).await.unwrap().unwrap();
    let (first, outcome) = registrations::register(
        &mut tx,
        &event,
        &Participant::Offline { name: "Mme Martin", contact: "06 12 34 56 78", added_by: orga.id },
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Confirmed);
    let (_, outcome) = registrations::register(
        &mut tx,
        &event,
        &Participant::Remote {
            actor_ap_id: "https://other.example/u/b",
            name: "B",
            join_activity: "https://other.example/j/1",
        },
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Waiting);
    // The same Join again gives the same answer, not a second row.
    let (_, again) = registrations::register(
        &mut tx,
        &event,
        &Participant::Remote {
            actor_ap_id: "https://other.example/u/b",
            name: "B",
            join_activity: "https://other.example/j/2",
        },
    )
    .await
    .unwrap();
    assert_eq!(again, Outcome::Waiting);
    // A cancellation hands the place to the first person waiting.
    let promoted = registrations::cancel(&mut tx, &first).await.unwrap().unwrap();
    assert_eq!(promoted.actor_ap_id, "https://other.example/u/b");
    assert_eq!(promoted.join_activity, "https://other.example/j/1");
    let (_, outcome) = registrations::register(
        &mut tx,
        &event,
        &Participant::Offline { name: "M. Petit", contact: "petit@example.org", added_by: orga.id },
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Waiting);
    tx.commit().await.unwrap();

    // Not erased while the event is to come…
    assert_eq!(registrations::erase_old_contacts(db).await.unwrap(), 0);
    // …erased a week after it ended.
    let ended = maillage_core::time::now_ms() - 8 * maillage_core::time::DAY_MS;
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $1 WHERE id = $2")
        .bind(ended)
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(registrations::erase_old_contacts(db).await.unwrap(), 1);
    let list = registrations::list(db, id).await.unwrap();
    assert!(list.iter().all(|r| r.contact.is_empty()), "{list:?}");
    assert_eq!(list.len(), 2, "names stay for the organiser's records");
}

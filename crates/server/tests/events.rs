//! The calendar between real hubs on 127.0.0.1 ports: hub B follows hub A's calendar and gets
//! its events, their updates, cancellation and deletion; a member of B registers to an event of
//! A by `Join` and gets `Accept`, or a place on the waiting list, capacity being kept across
//! hubs; registrations at the same moment never overbook; times across daylight saving and in
//! overseas zones; the iCalendar output read back by an independent parser; bad input.

mod common;

use chrono::{TimeZone, Utc};
use common::{TestHub, body, domain, eventually, fed, location};
use maillage_core::accounts::{self, Role, User};
use maillage_events::calendar::{self, EventInput, Mode, Window};
use maillage_events::registrations;
use maillage_federation::activities;
use maillage_federation::events::{self as fed_events, Registered};
use reqwest::StatusCode;
use serde_json::Value;

async fn user(hub: &TestHub, name: &str) -> User {
    accounts::user_by_username(hub.db(), name).await.unwrap().unwrap()
}

/// A workshop in 2027 (the future of these tests), at the médiathèque.
fn workshop(title: &str) -> EventInput {
    EventInput {
        title: title.into(),
        description: "Venez avec votre **carte Vitale** et votre téléphone.".into(),
        tags: "ameli, démarches".into(),
        start_date: "2027-06-10".into(),
        start_time: "14:00".into(),
        end_time: "16:00".into(),
        time_zone: "Europe/Paris".into(),
        place_name: "Médiathèque Jean Moulin".into(),
        street: "2 rue Camille Douls".into(),
        postal_code: "12000".into(),
        city: "Rodez".into(),
        latitude: "44.3506".into(),
        longitude: "2.575".into(),
        accessibility: "Accès de plain-pied, boucle magnétique".into(),
        registration: "open".into(),
        capacity: "1".into(),
        waiting_list: true,
        ..Default::default()
    }
}

async fn remote_copy(hub: &TestHub, what: &str, ap_id: &str) -> calendar::Event {
    eventually(what, || async { calendar::by_ap_id(hub.db(), ap_id).await.unwrap().is_some() }).await;
    calendar::by_ap_id(hub.db(), ap_id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_calendar_followed_by_another_hub_with_registrations_across_hubs() {
    let (hub_a, hub_b) = tokio::join!(TestHub::start(), TestHub::start());
    hub_a.member("alice", Role::Member).await;
    hub_a.member("amine", Role::Member).await;
    hub_b.member("bruno", Role::Member).await;
    let (alice, amine, bruno) = (user(&hub_a, "alice").await, user(&hub_a, "amine").await, user(&hub_b, "bruno").await);

    // B (its instance actor) follows A's calendar, found by its handle.
    activities::hub_follow(fed(&hub_b), &format!("@agenda@{}", domain(&hub_a))).await.unwrap();
    eventually("A's calendar accepts B's follow", || async {
        common::count(&hub_b, "SELECT COUNT(*) FROM following WHERE status = 'accepted'").await == 1
    })
    .await;

    // A publishes; B gets it with its place, time zone and registration.
    let id = fed_events::create(fed(&hub_a), &alice, &workshop("Atelier : créer son compte Ameli")).await.unwrap();
    let ap_id = calendar::by_id(hub_a.db(), id).await.unwrap().unwrap().ap_id;
    let on_b = remote_copy(&hub_b, "B receives the event", &ap_id).await;
    assert_eq!(on_b.title, "Atelier : créer son compte Ameli");
    assert_eq!(on_b.time_zone, "Europe/Paris");
    assert_eq!(on_b.start_local, "2027-06-10T14:00:00");
    assert_eq!(on_b.city, "Rodez");
    assert_eq!(on_b.latitude, Some(44.3506));
    assert_eq!(on_b.registration, "open");
    assert_eq!(on_b.capacity, 1);
    assert!(on_b.description_html.contains("<strong>carte Vitale</strong>"), "{}", on_b.description_html);
    assert_eq!(calendar::tags_of(hub_b.db(), on_b.id).await.unwrap(), ["ameli", "demarches"]);
    let window = Window {
        from: Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2027, 7, 1, 0, 0, 0).unwrap(),
        tag: Some("ameli".into()),
        city: Some("rodez".into()),
        mode: Mode::InPerson,
        limit: 10,
    };
    let listed = calendar::occurrences(hub_b.db(), &window).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].start, Utc.with_ymd_and_hms(2027, 6, 10, 12, 0, 0).unwrap());

    // The one place goes to Amine on A; Bruno's Join from B gets the waiting list.
    assert_eq!(fed_events::register_member(fed(&hub_a), &amine, id).await.unwrap(), Registered::Confirmed);
    assert_eq!(fed_events::register_member(fed(&hub_b), &bruno, on_b.id).await.unwrap(), Registered::Pending);
    eventually("A answers Bruno: waiting list", || async {
        registrations::of_member(hub_b.db(), on_b.id, bruno.id).await.unwrap().is_some_and(|r| r.status == "waiting")
    })
    .await;
    let on_a = registrations::list(hub_a.db(), id).await.unwrap();
    assert_eq!(
        on_a.iter().map(|r| (r.name.as_str(), r.status.as_str())).collect::<Vec<_>>(),
        [("amine", "confirmed"), ("bruno", "waiting")]
    );

    // Amine cancels: the place goes to Bruno, and B learns it by an Accept.
    fed_events::unregister_member(fed(&hub_a), &amine, id).await.unwrap();
    eventually("Bruno's place is confirmed on B", || async {
        registrations::of_member(hub_b.db(), on_b.id, bruno.id).await.unwrap().is_some_and(|r| r.status == "confirmed")
    })
    .await;
    eventually("Bruno is told", || async {
        common::count(&hub_b, "SELECT COUNT(*) FROM notifications WHERE kind = 'registration'").await == 1
    })
    .await;

    // Cancellation reaches B as an Update; then a deletion.
    let mut cancelled = workshop("Atelier : créer son compte Ameli");
    cancelled.status = "cancelled".into();
    cancelled.status_note = "La médiathèque est fermée".into();
    fed_events::update(fed(&hub_a), &alice, id, &cancelled).await.unwrap();
    eventually("B sees the cancellation", || async {
        calendar::by_ap_id(hub_b.db(), &ap_id).await.unwrap().is_some_and(|e| e.status == "cancelled")
    })
    .await;
    // Bruno leaves: A frees his place (Leave from B).
    fed_events::unregister_member(fed(&hub_b), &bruno, on_b.id).await.unwrap();
    eventually("A removes Bruno", || async { registrations::list(hub_a.db(), id).await.unwrap().is_empty() }).await;

    assert!(matches!(
        fed_events::delete(fed(&hub_a), &amine, id).await,
        Err(maillage_federation::FederationError::Core(maillage_core::CoreError::Forbidden))
    ));
    fed_events::delete(fed(&hub_a), &alice, id).await.unwrap();
    eventually("B removes the event", || async {
        calendar::by_ap_id(hub_b.db(), &ap_id).await.unwrap().is_some_and(|e| e.deleted_at != 0)
    })
    .await;
    // Servers asking for it get a Tombstone.
    let response = reqwest::Client::new()
        .get(hub_a.at(&format!("/events/{id}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let tombstone: Value = response.json().await.unwrap();
    assert_eq!(tombstone["formerType"], "Event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registrations_at_the_same_moment_never_overbook() {
    let hub = TestHub::start().await;
    hub.member("organiser", Role::Member).await;
    let organiser = user(&hub, "organiser").await;
    let mut input = workshop("Café numérique");
    input.capacity = "5".into();
    let id = fed_events::create(fed(&hub), &organiser, &input).await.unwrap();
    let mut members = Vec::new();
    for n in 0..20 {
        hub.member(&format!("m{n}"), Role::Member).await;
        members.push(user(&hub, &format!("m{n}")).await);
    }
    // Twenty members click at the same moment, each on its own task.
    let tasks: Vec<_> = members
        .iter()
        .cloned()
        .map(|member| {
            let federation = fed(&hub).clone();
            tokio::spawn(async move { fed_events::register_member(&federation, &member, id).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let confirmed = results.iter().filter(|r| matches!(r, Ok(Registered::Confirmed))).count();
    let waiting = results.iter().filter(|r| matches!(r, Ok(Registered::Waiting))).count();
    assert_eq!((confirmed, waiting), (5, 15), "{results:?}");
    let event = calendar::by_id(hub.db(), id).await.unwrap().unwrap();
    assert_eq!(event.confirmed_count, 5);

    // Fewer places than people confirmed is refused; more places promote the waiting list.
    input.capacity = "4".into();
    let refused = fed_events::update(fed(&hub), &organiser, id, &input).await;
    assert!(format!("{refused:?}").contains("capacity_below_registered"), "{refused:?}");
    input.capacity = "7".into();
    fed_events::update(fed(&hub), &organiser, id, &input).await.unwrap();
    let list = registrations::list(hub.db(), id).await.unwrap();
    assert_eq!(list.iter().filter(|r| r.status == "confirmed").count(), 7);
    // The two who moved up are told (after the change is committed).
    assert_eq!(common::count(&hub, "SELECT COUNT(*) FROM notifications WHERE kind = 'registration'").await, 2);
    // Without a waiting list, a full event refuses.
    input.capacity = "7".into();
    input.waiting_list = false;
    let other = fed_events::create(fed(&hub), &organiser, &{
        let mut i = input.clone();
        i.capacity = "1".into();
        i
    })
    .await
    .unwrap();
    fed_events::register_member(fed(&hub), &members[0], other).await.unwrap();
    let full = fed_events::register_member(fed(&hub), &members[1], other).await;
    assert!(format!("{full:?}").contains("event_full"), "{full:?}");
}

#[tokio::test]
async fn times_across_daylight_saving_and_in_overseas_zones() {
    let hub = TestHub::start().await;
    hub.member("organiser", Role::Member).await;
    let organiser = user(&hub, "organiser").await;
    // A weekly permanence at 09:30, Tuesdays, across the last Sunday of October 2027.
    let mut weekly = workshop("Permanence numérique");
    weekly.start_date = "2027-10-19".into();
    weekly.start_time = "09:30".into();
    weekly.end_time = "11:30".into();
    weekly.repeat = "weekly".into();
    weekly.repeat_end = "count".into();
    weekly.repeat_count = "4".into();
    weekly.exceptions = "2027-11-02".into();
    weekly.registration = "none".into();
    weekly.capacity = String::new();
    let id = fed_events::create(fed(&hub), &organiser, &weekly).await.unwrap();
    let event = calendar::by_id(hub.db(), id).await.unwrap().unwrap();
    let starts: Vec<String> = event
        .schedule()
        .occurrences(
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap(),
            10,
        )
        .iter()
        .map(|o| o.start.to_rfc3339())
        .collect();
    assert_eq!(starts, ["2027-10-19T07:30:00+00:00", "2027-10-26T07:30:00+00:00", "2027-11-09T08:30:00+00:00"]);

    // Overseas hubs: Cayenne (UTC-3) and La Réunion (UTC+4), no daylight saving.
    for (zone, utc_hour) in [("America/Cayenne", 17), ("Indian/Reunion", 10)] {
        let mut input = workshop("Atelier outre-mer");
        input.time_zone = zone.into();
        let id = fed_events::create(fed(&hub), &organiser, &input).await.unwrap();
        let event = calendar::by_id(hub.db(), id).await.unwrap().unwrap();
        assert_eq!(event.starts_at, Utc.with_ymd_and_hms(2027, 6, 10, utc_hour, 0, 0).unwrap().timestamp_millis());
    }

    // The Event other servers read carries the offset valid at that date, and the zone.
    let doc: Value = reqwest::Client::new()
        .get(hub.at(&format!("/events/{id}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["type"], "Event");
    assert_eq!(doc["timezone"], "Europe/Paris");
    assert_eq!(doc["ical:rrule"], event_rrule(&hub, id).await);
    assert!(doc["summary"].as_str().unwrap().contains("chaque mardi"), "{}", doc["summary"]);
    assert!(!doc["location"].is_array(), "one location object (Mobilizon reads no array)");
}

async fn event_rrule(hub: &TestHub, id: i64) -> String {
    calendar::by_id(hub.db(), id).await.unwrap().unwrap().rrule
}

/// Python with the `icalendar` package: MAILLAGE_PYTHON (tests/run prepares one), else python3.
fn python_with_icalendar() -> String {
    let python = std::env::var("MAILLAGE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", "import icalendar, dateutil"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "{python} cannot import icalendar: run tests/run, or `pip install icalendar`, or set MAILLAGE_PYTHON");
    python
}

#[tokio::test]
async fn icalendar_feeds_read_back_by_an_independent_parser() {
    let hub = TestHub::start().await;
    hub.member("organiser", Role::Member).await;
    let organiser = user(&hub, "organiser").await;
    let mut weekly = workshop("Permanence ; numérique, avec des virgules et un texte assez long pour être plié");
    weekly.start_date = "2027-10-19".into();
    weekly.start_time = "09:30".into();
    weekly.end_time = "11:30".into();
    weekly.repeat = "weekly".into();
    weekly.repeat_end = "until".into();
    weekly.repeat_until = "2027-11-16".into();
    weekly.exceptions = "2027-11-02".into();
    fed_events::create(fed(&hub), &organiser, &weekly).await.unwrap();
    let mut cancelled = workshop("Webinaire annulé");
    cancelled.time_zone = "Indian/Reunion".into();
    cancelled.status = "cancelled".into();
    cancelled.place_name = String::new();
    cancelled.city = String::new();
    cancelled.street = String::new();
    cancelled.postal_code = String::new();
    cancelled.latitude = String::new();
    cancelled.longitude = String::new();
    cancelled.online_url = "https://visio.example/webinaire".into();
    fed_events::create(fed(&hub), &organiser, &cancelled).await.unwrap();

    let response = reqwest::get(hub.at("/events/calendar.ics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = response.text().await.unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/ical/expand.py");
    let output = std::process::Command::new(python_with_icalendar())
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(ics.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(output.status.success(), "{}\n{ics}", String::from_utf8_lossy(&output.stderr));
    let read: Value = serde_json::from_slice(&output.stdout).unwrap();
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{read}");
    let weekly = events.iter().find(|e| e["summary"].as_str().unwrap().starts_with("Permanence")).unwrap();
    assert_eq!(weekly["summary"], "Permanence ; numérique, avec des virgules et un texte assez long pour être plié");
    assert_eq!(weekly["tzid"], "Europe/Paris");
    // Expanded by dateutil with the VTIMEZONE we wrote: 09:30 local before and after the change.
    assert_eq!(
        weekly["occurrences_utc"],
        serde_json::json!([
            "2027-10-19T07:30:00+00:00",
            "2027-10-26T07:30:00+00:00",
            "2027-11-09T08:30:00+00:00",
            "2027-11-16T08:30:00+00:00"
        ])
    );
    let webinar = events.iter().find(|e| e["summary"] == "Webinaire annulé").unwrap();
    assert_eq!(webinar["status"], "CANCELLED");
    assert_eq!(webinar["tzid"], "Indian/Reunion");
    assert_eq!(webinar["start_utc"], "2027-06-10T10:00:00+00:00");
    assert!(read["timezones"].as_array().unwrap().iter().any(|z| z == "Europe/Paris"));

    // One event's file, and a tag's feed.
    let id = calendar::for_feed(hub.db(), Utc::now(), None, 10).await.unwrap()[0].id;
    let single = reqwest::get(hub.at(&format!("/events/{id}/calendar.ics"))).await.unwrap().text().await.unwrap();
    assert_eq!(single.matches("BEGIN:VEVENT").count(), 1);
    let tag = reqwest::get(hub.at("/events/tags/ameli/calendar.ics")).await.unwrap().text().await.unwrap();
    assert_eq!(tag.matches("BEGIN:VEVENT").count(), 2);
    let atom = reqwest::get(hub.at("/events/feed.atom")).await.unwrap().text().await.unwrap();
    assert!(atom.contains("<feed") && atom.contains("Permanence"), "{atom}");
}

#[tokio::test]
async fn pages_create_list_register_and_refuse_bad_input() {
    let hub = TestHub::start().await;
    let browser = hub.signed_in("nadia", Role::Member).await;
    let form = |fields: &[(&str, &str)]| fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    let good = form(&[
        ("title", "Café numérique"),
        ("description", "On parle **arnaques** par SMS."),
        ("start_date", "2027-03-04"),
        ("start_time", "10:00"),
        ("end_time", "12:00"),
        ("time_zone", "Europe/Paris"),
        ("repeat", "weekly"),
        ("weekdays", "TH"),
        ("repeat_end", "count"),
        ("repeat_count", "3"),
        ("place_name", "Tiers-lieu La Fabrique"),
        ("city", "Dole"),
        ("organiser_kind", "hub"),
        ("registration", "open"),
        ("capacity", "8"),
        ("waiting_list", "1"),
    ]);
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = browser.submit("/events/new", "/events/new", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = location(&response);
    let (status, html) = browser.get_text(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Café numérique") && html.contains("chaque jeudi"), "{html}");

    // Register in one click, then the list shows the three Thursdays.
    let response = browser.submit(&page, &format!("{page}/register"), &[]).await;
    assert_eq!(location(&response), format!("{page}?notice=registered_confirmed"));
    let (_, list) = browser.get_text("/events").await;
    assert!(list.matches("Café numérique").count() >= 3, "{list}");
    let (_, month) = browser.get_text("/events/month?m=2027-03").await;
    assert!(month.contains("<table") && month.contains("Café numérique"), "{month}");
    let (status, csv) = browser.get_text(&format!("{page}/registrations.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("nadia"), "{csv}");

    // Bad input: end before start, unknown zone, no place nor link, absurd capacity.
    let mut bad = good.clone();
    for (k, v) in bad.iter_mut() {
        match k.as_str() {
            "end_time" => *v = "09:00".into(),
            "time_zone" => *v = "Mars/Olympus".into(),
            "place_name" | "city" => v.clear(),
            "capacity" => *v = "-3".into(),
            _ => {}
        }
    }
    let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = browser.submit("/events/new", "/events/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body(response).await;
    for field in ["time_zone", "place_name", "capacity"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "no error for {field}");
    }
    // An unbounded weekly rule is expanded within the window only.
    let mut forever = good.clone();
    for (k, v) in forever.iter_mut() {
        if k == "repeat_end" {
            *v = "never".into();
        }
    }
    let fields: Vec<(&str, &str)> = forever.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = browser.submit("/events/new", "/events/new", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, _) = browser.get_text("/events/month?m=2099-03").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(browser.get("/events/month?m=banana").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(browser.get("/events/999999").await.status(), StatusCode::NOT_FOUND);
}

/// A corpus payload with its server's URLs moved to a test hub (and its actor to a member there).
fn corpus_moved(path: &str, moves: &[(&str, String)]) -> Value {
    let mut text =
        std::fs::read_to_string(format!("{}/../../../shared/interop/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for (from, to) in moves {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn mobilizon_and_gancio_events_from_followed_actors_with_their_quirks() {
    let (hub_a, mobilizon, gancio) = tokio::join!(TestHub::start(), TestHub::start(), TestHub::start());
    mobilizon.member("metacartes", Role::Member).await;
    gancio.member("gancio", Role::Member).await;
    let m_actor = maillage_federation::actors::person_actor(fed(&mobilizon), "metacartes").await.unwrap().unwrap();
    let g_actor = maillage_federation::actors::person_actor(fed(&gancio), "gancio").await.unwrap().unwrap();
    let (m_id, g_id) = (m_actor.ap_id(fed(&mobilizon)), g_actor.ap_id(fed(&gancio)));
    let (m_base, g_base) = (fed(&mobilizon).url(""), fed(&gancio).url(""));

    // Not followed yet: refused with a reason, nothing stored.
    let create = corpus_moved(
        "mobilizon/activities/create_event.json",
        &[("https://mobilizon.fr/@metacartes", m_id.clone()), ("https://mobilizon.fr", m_base.clone())],
    );
    let body = create.to_string();
    let status = common::post_signed(&mobilizon, &m_actor, &hub_a.at("/inbox"), body.as_bytes(), |_| {}).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let event_id = create["object"]["id"].as_str().unwrap().to_owned();
    eventually("the unfollowed Create is journaled", || async {
        common::count(&hub_a, "SELECT COUNT(*) FROM inbox_activities WHERE status = 'ignored'").await == 1
    })
    .await;
    assert!(calendar::by_ap_id(hub_a.db(), &event_id).await.unwrap().is_none());

    // The hub follows both; their events come in.
    for actor in [&m_id, &g_id] {
        activities::hub_follow(fed(&hub_a), actor).await.unwrap();
    }
    eventually("both accept", || async {
        common::count(&hub_a, "SELECT COUNT(*) FROM following WHERE status = 'accepted'").await == 2
    })
    .await;
    let mut again = create.clone();
    again["id"] = serde_json::json!(format!("{}/again", create["id"].as_str().unwrap()));
    let body = again.to_string();
    common::post_signed(&mobilizon, &m_actor, &hub_a.at("/inbox"), body.as_bytes(), |_| {}).await;
    let event = remote_copy(&hub_a, "the Mobilizon event is stored", &event_id).await;
    assert_eq!(event.title, create["object"]["name"].as_str().unwrap());
    assert!(!event.is_local());
    assert_eq!(event.origin_actor, m_id);
    // No endTime: shown as one hour. A UTC time without a zone: not Paris in February (+01:00).
    assert_eq!(event.ends_at - event.starts_at, 3_600_000);
    assert_eq!(event.time_zone, "Etc/UTC");
    // Its online address is Mobilizon's `Website` link.
    let website = create["object"]["attachment"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["name"] == "Website"))
        .map(|l| l["href"].as_str().unwrap().to_owned());
    assert_eq!(Some(event.online_url.clone()).filter(|u| !u.is_empty()), website);
    assert!(!event.description_html.contains("<script"));

    let create = corpus_moved(
        "gancio/activities/create_event.json",
        &[("https://demo.gancio.org/federation/u/gancio", g_id.clone()), ("https://demo.gancio.org", g_base.clone())],
    );
    let body = create.to_string();
    let status = common::post_signed(&gancio, &g_actor, &hub_a.at("/inbox"), body.as_bytes(), |_| {}).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let event = remote_copy(&hub_a, "the Gancio event is stored", create["object"]["id"].as_str().unwrap()).await;
    // Gancio: a location without type, the instance's offset only: Paris time, as sent.
    assert_eq!(event.time_zone, "Europe/Paris");
    assert_eq!(event.start_local, "2021-07-14T17:30:57");
    assert!(!event.place_name.is_empty(), "{event:?}");

    // A Delete from another server than the event's is refused; from its own, applied.
    let delete = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{g_id}#delete-1"), "type": "Delete",
        "actor": g_id, "object": { "id": event.ap_id, "type": "Tombstone", "formerType": "Event" },
    });
    let forged = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{m_id}#delete-1"), "type": "Delete",
        "actor": m_id, "object": event.ap_id,
    });
    // The inbox refuses it outright: a Delete of another server's object.
    let status =
        common::post_signed(&mobilizon, &m_actor, &hub_a.at("/inbox"), forged.to_string().as_bytes(), |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(calendar::by_ap_id(hub_a.db(), &event.ap_id).await.unwrap().unwrap().deleted_at, 0);
    common::post_signed(&gancio, &g_actor, &hub_a.at("/inbox"), delete.to_string().as_bytes(), |_| {}).await;
    eventually("the Gancio event is deleted", || async {
        calendar::by_ap_id(hub_a.db(), &event.ap_id).await.unwrap().is_some_and(|e| e.deleted_at != 0)
    })
    .await;
}

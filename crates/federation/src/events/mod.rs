//! The calendar over ActivityPub (FEP-8a8e, shaped for what Mastodon, Mobilizon and Gancio
//! read; see docs/federation.md#the-calendar).
//!
//! The hub's calendar is one `Group` actor, `/g/agenda`. It is the `actor` of the `Create`,
//! `Update` and `Delete` of each event and its `attributedTo` (Gancio trusts only the actor it
//! follows; Mobilizon lets the organiser answer `Join`s), and they go to the followers of the
//! calendar and of the instance actor (a Mobilizon or a hub that follows "the hub" follows the
//! latter). Mastodon shows an `Event` as its `name`, its `summary` and a link: the summary is
//! the one line of `maillage_events::summary`. `location` is one object (Mobilizon drops an
//! array): a hybrid event sends its `Place` and its online link as a `Website` link.
//! A recurring event is sent with the dates of its next occurrence, so that other software
//! shows a real date, and its rule in `ical:rrule`/`ical:exdate`/`ical:dtstart` for hubs.
//!
//! Registration: a remote person's `Join` gets `Accept` (a place), `TentativeAccept` (waiting
//! list) or `Reject` (full, closed) from the calendar; `Leave` or `Undo(Join)` frees the place,
//! which goes to the first person waiting (`Accept` then). A member registering to another
//! server's event sends `Join` to its organiser and waits for the answer.
//!
//! Writes store and queue in one transaction: an event is never saved without its activity.

pub mod incoming;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use maillage_core::accounts::{Role, User};
use maillage_core::error::CoreError;
use maillage_core::time::{now_ms, to_rfc3339};
use maillage_events::calendar::{self, Event, EventInput, Organiser};
use maillage_events::registrations::{self, Outcome, Participant, Registration};
use maillage_events::summary::Lang;
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

use crate::actors::{self, GroupProfile, LocalActor};
use crate::error::{FederationError, FederationResult};
use crate::protocol::PUBLIC;
use crate::{Federation, activities, delivery};

/// The calendar Group's name (`@agenda@hub`), reserved for it among usernames and forum slugs.
pub const CALENDAR: &str = "agenda";

/// The JSON-LD context of events: ActivityStreams plus the terms of schema.org, Mobilizon,
/// FEP-8a8e and iCalendar that peers read, all inline (Friendica fetches unknown context URLs).
pub fn context() -> Value {
    json!(["https://www.w3.org/ns/activitystreams", {
        "sc": "http://schema.org#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "mz": "https://joinmobilizon.org/ns#",
        "fep8a8e": "https://w3id.org/fep/8a8e/",
        "Hashtag": "as:Hashtag",
        "PostalAddress": "sc:PostalAddress",
        "VirtualLocation": "sc:VirtualLocation",
        "address": "sc:address",
        "streetAddress": "sc:streetAddress",
        "postalCode": "sc:postalCode",
        "addressLocality": "sc:addressLocality",
        "addressCountry": "sc:addressCountry",
        "accessibilitySummary": "sc:accessibilitySummary",
        "inLanguage": "sc:inLanguage",
        "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
        "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
        "participantCount": { "@id": "mz:participantCount", "@type": "sc:Integer" },
        "isOnline": { "@id": "mz:isOnline", "@type": "sc:Boolean" },
        "participationMessage": { "@id": "mz:participationMessage", "@type": "sc:Text" },
        "timezone": "fep8a8e:timezone",
        "joinMode": "fep8a8e:joinMode",
        "eventStatus": { "@id": "fep8a8e:eventStatus", "@type": "@vocab" },
        "EventScheduled": "fep8a8e:EventScheduled",
        "EventCancelled": "fep8a8e:EventCancelled",
        "EventPostponed": "fep8a8e:EventPostponed",
        "status": "ical:status",
    }])
}

pub fn event_path(id: i64) -> String {
    format!("/events/{id}")
}

/// The calendar's Group actor, created on first use.
pub async fn calendar_actor(fed: &Federation) -> FederationResult<LocalActor> {
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let profile = GroupProfile {
        display_name: format!("Agenda · {}", hub.name),
        summary_html: "<p>Ateliers, cafés numériques, permanences et webinaires du réseau.</p>".into(),
        page_path: "/events".into(),
    };
    actors::ensure_group(fed, CALENDAR, &profile).await
}

fn lang_of(event: &Event) -> Lang {
    if event.language == "en" { Lang::En } else { Lang::Fr }
}

/// The occurrence other software sees: the next one not over yet (none when the series is
/// over: the series' first dates are sent then).
fn shown_occurrence(event: &Event) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let schedule = event.schedule();
    schedule.recurrence.as_ref()?;
    let now = Utc::now();
    let far = now + chrono::Days::new(3 * 366);
    schedule.occurrences(now, far, 1).first().map(|o| (o.start, o.end))
}

fn with_offset(at: DateTime<Utc>, event: &Event) -> String {
    at.with_timezone(&event.tz()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The `Event` document of one of our events.
pub fn event_document(fed: &Federation, event: &Event, tags: &[String], calendar: &LocalActor) -> Value {
    let group_id = calendar.ap_id(fed);
    let lang = lang_of(event);
    let schedule = event.schedule();
    let (start, end) = shown_occurrence(event).unwrap_or_else(|| {
        (
            maillage_events::schedule::to_utc(schedule.start, schedule.time_zone),
            maillage_events::schedule::to_utc(schedule.end, schedule.time_zone),
        )
    });
    let (prefix, note_label) = match (event.status.as_str(), lang) {
        ("cancelled", Lang::Fr) => ("Annulé : ", "Annulé"),
        ("cancelled", Lang::En) => ("Cancelled: ", "Cancelled"),
        ("postponed", Lang::Fr) => ("Reporté : ", "Reporté"),
        ("postponed", Lang::En) => ("Postponed: ", "Postponed"),
        _ => ("", ""),
    };
    let mut content = String::new();
    if !prefix.is_empty() {
        content.push_str(&format!(
            "<p><strong>{note_label}</strong>{}</p>",
            if event.status_note.is_empty() {
                String::new()
            } else {
                format!(" : {}", maillage_core::feeds::xml_escape(&event.status_note))
            }
        ));
    }
    content.push_str(&event.description_html);
    if !event.accessibility.is_empty() {
        let label = if lang == Lang::Fr { "Accessibilité :" } else { "Accessibility:" };
        content.push_str(&format!(
            "<p><strong>{label}</strong> {}</p>",
            maillage_core::feeds::xml_escape(&event.accessibility)
        ));
    }
    if event.is_online() {
        let label = if lang == Lang::Fr { "En ligne :" } else { "Online:" };
        let url = maillage_core::feeds::xml_escape(&event.online_url);
        content.push_str(&format!("<p><strong>{label}</strong> <a href=\"{url}\">{url}</a></p>"));
    }
    let location = if event.has_place() {
        let mut place = json!({
            "type": "Place",
            "name": if event.place_name.is_empty() { &event.city } else { &event.place_name },
            "address": {
                "type": "PostalAddress",
                "streetAddress": event.street,
                "postalCode": event.postal_code,
                "addressLocality": event.city,
                "addressCountry": "France",
            },
        });
        if let (Some(lat), Some(lon)) = (event.latitude, event.longitude) {
            place["latitude"] = json!(lat);
            place["longitude"] = json!(lon);
        }
        if !event.accessibility.is_empty() {
            place["accessibilitySummary"] = json!(event.accessibility);
        }
        place
    } else if event.is_online() {
        json!({ "type": "VirtualLocation", "name": if lang == Lang::Fr { "En ligne" } else { "Online" }, "url": event.online_url })
    } else {
        Value::Null
    };
    let attachment: Vec<Value> = if event.is_online() {
        vec![json!({ "type": "Link", "mediaType": "text/html", "name": "Website", "href": event.online_url })]
    } else {
        Vec::new()
    };
    let event_status = match event.status.as_str() {
        "cancelled" => ("EventCancelled", "CANCELLED"),
        "postponed" => ("EventPostponed", "TENTATIVE"),
        _ => ("EventScheduled", "CONFIRMED"),
    };
    let tag: Vec<Value> = tags
        .iter()
        .map(|t| json!({ "type": "Hashtag", "name": format!("#{t}"), "href": fed.url(&format!("/events?tag={t}")) }))
        .collect();
    let mut doc = json!({
        "@context": context(),
        "id": event.ap_id,
        "type": "Event",
        "attributedTo": group_id,
        "name": format!("{prefix}{}", event.title),
        // A series reads as its rhythm ("chaque mardi, 09:30–11:30 …"); startTime is the next date.
        "summary": event.summary(None, lang),
        "content": content,
        "mediaType": "text/html",
        "source": { "content": event.description, "mediaType": "text/markdown" },
        "inLanguage": event.language,
        "url": event.ap_id,
        "published": to_rfc3339(event.created_at),
        "updated": to_rfc3339(event.updated_at),
        "startTime": with_offset(start, event),
        "endTime": with_offset(end, event),
        "timezone": event.time_zone,
        "location": location,
        "isOnline": event.is_online() && !event.has_place(),
        "attachment": attachment,
        "eventStatus": event_status.0,
        "ical:status": event_status.1,
        "joinMode": if event.takes_registrations() && (event.capacity > 0 || event.waiting_list != 0) { "restricted" } else { "free" },
        "participantCount": event.confirmed_count,
        "commentsEnabled": false,
        "tag": tag,
        "to": [PUBLIC],
        "cc": [calendar.collection(fed, "followers")],
    });
    if event.capacity > 0 {
        doc["maximumAttendeeCapacity"] = json!(event.capacity);
        doc["remainingAttendeeCapacity"] = json!(event.places_left().unwrap_or(0));
    }
    if schedule.recurrence.is_some() {
        let dtstart = maillage_events::schedule::to_utc(schedule.start, schedule.time_zone);
        doc["ical:dtstart"] = json!(with_offset(dtstart, event));
        doc["ical:rrule"] = json!(event.rrule);
        if !event.exceptions.is_empty() {
            doc["ical:exdate"] = json!(event.exceptions.split(',').collect::<Vec<_>>());
        }
    }
    if event.all_day != 0 {
        doc["ical:dtstart"] = json!(schedule.start.date().to_string());
        doc["ical:dtend"] = json!(schedule.end.date().to_string());
    }
    doc
}

/// What a deleted event answers.
pub fn tombstone(event: &Event) -> Value {
    activities::tombstone(&event.ap_id, "Event", event.deleted_at)
}

/// Queues `kind` (Create or Update) of the event as it now stands, inside `tx`.
async fn queue_event(
    fed: &Federation,
    tx: &mut Transaction<'_, Any>,
    calendar: &LocalActor,
    inboxes: &BTreeSet<String>,
    kind: &str,
    event_id: i64,
) -> FederationResult<()> {
    let event = calendar::by_id_in(tx, event_id).await?.ok_or(FederationError::NotFound)?;
    let tags: Vec<String> = sqlx::query_scalar("SELECT tag FROM event_tags WHERE event_id = $1 ORDER BY tag")
        .bind(event_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut object = event_document(fed, &event, &tags, calendar);
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    let activity = json!({
        "@context": context(),
        "id": activities::new_activity_id(fed),
        "type": kind,
        "actor": calendar.ap_id(fed),
        "object": object,
        "to": [PUBLIC],
        "cc": [calendar.collection(fed, "followers")],
        "published": to_rfc3339(now_ms()),
    });
    delivery::publish(tx, calendar, &activity, inboxes).await
}

fn organiser<'a>(user: &'a User, hub_name: &'a str) -> Organiser<'a> {
    Organiser { user_id: user.id, shown_name: user.shown_name(), hub_name }
}

/// A member publishes an event: stored and its `Create` queued in one transaction.
pub async fn create(fed: &Federation, user: &User, input: &EventInput) -> FederationResult<i64> {
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let fields = calendar::check(input, &hub.default_timezone)?;
    let calendar = calendar_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &calendar).await?;
    let mut tx = fed.ctx.db.pool().begin().await?;
    let id =
        calendar::insert(&mut tx, &fed.url(""), &fields, &organiser(user, &hub.name), &hub.default_language).await?;
    queue_event(fed, &mut tx, &calendar, &inboxes, "Create", id).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(id)
}

/// Whether `user` may change an event: who created it, or a moderator.
pub fn may_edit(user: &User, event: &Event) -> bool {
    event.is_local() && event.deleted_at == 0 && (event.created_by == Some(user.id) || user.has_role(Role::Moderator))
}

/// Changes an event (also to cancel or postpone it); followers get an `Update`.
pub async fn update(fed: &Federation, user: &User, id: i64, input: &EventInput) -> FederationResult<()> {
    let event = calendar::by_id(&fed.ctx.db, id).await?.ok_or(FederationError::NotFound)?;
    if !may_edit(user, &event) {
        return Err(CoreError::Forbidden.into());
    }
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let fields = calendar::check(input, &hub.default_timezone)?;
    let calendar = calendar_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &calendar).await?;
    // The creator stays the organiser when a moderator edits.
    let creator = match event.created_by {
        Some(uid) if uid != user.id => maillage_core::accounts::user_by_id(&fed.ctx.db, uid).await?,
        _ => None,
    };
    let mut tx = fed.ctx.db.pool().begin().await?;
    calendar::update(&mut tx, id, &fields, &organiser(creator.as_ref().unwrap_or(user), &hub.name)).await?;
    // More places may free the waiting list.
    let mut promoted = Vec::new();
    while let Some(registration) = registrations::promote(&mut tx, id).await? {
        promoted.push(registration);
    }
    queue_event(fed, &mut tx, &calendar, &inboxes, "Update", id).await?;
    let mut to_notify = Vec::new();
    for registration in &promoted {
        to_notify.extend(answer_promoted(fed, &mut tx, &calendar, registration).await?);
    }
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    for (user_id, event) in to_notify {
        notify_registration(fed, user_id, &event).await;
    }
    Ok(())
}

/// Removes an event (a cancellation is an edit of its status; this is for mistakes).
pub async fn delete(fed: &Federation, user: &User, id: i64) -> FederationResult<()> {
    let event = calendar::by_id(&fed.ctx.db, id).await?.ok_or(FederationError::NotFound)?;
    if !may_edit(user, &event) {
        return Err(CoreError::Forbidden.into());
    }
    let calendar = calendar_actor(fed).await?;
    let inboxes = delivery::group_and_hub_inboxes(fed, &calendar).await?;
    let activity = activities::group_delete(fed, &calendar, &event.ap_id, "Event");
    let mut tx = fed.ctx.db.pool().begin().await?;
    calendar::delete(&mut tx, id).await?;
    delivery::publish(&mut tx, &calendar, &activity, &inboxes).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(())
}

/// The calendar's answer to a remote person's `Join` (`Accept`, `TentativeAccept`, `Reject`).
fn answer(fed: &Federation, calendar: &LocalActor, kind: &str, join_id: &str, actor: &str, event: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activities::new_activity_id(fed),
        "type": kind,
        "actor": calendar.ap_id(fed),
        "object": { "id": join_id, "type": "Join", "actor": actor, "object": event },
        "to": [actor],
    })
}

/// Tells someone promoted from the waiting list: an `Accept` for a remote person, queued in
/// `tx`; for a member, returns whom to notify once `tx` is committed (a notification written
/// meanwhile would wait for the transaction's lock on SQLite).
async fn answer_promoted(
    fed: &Federation,
    tx: &mut Transaction<'_, Any>,
    calendar: &LocalActor,
    registration: &Registration,
) -> FederationResult<Option<(i64, Event)>> {
    let event = calendar::by_id_in(tx, registration.event_id).await?.ok_or(FederationError::NotFound)?;
    if !registration.actor_ap_id.is_empty() {
        // They sent a Join, so we know them: no fetch inside the transaction.
        match actors::remote_by_ap_id(fed, &registration.actor_ap_id).await? {
            Some(actor) => {
                let accept = answer(fed, calendar, "Accept", &registration.join_activity, &actor.ap_id, &event.ap_id);
                delivery::publish(tx, calendar, &accept, &BTreeSet::from([actor.inbox.clone()])).await?;
            }
            None => tracing::warn!(actor = %registration.actor_ap_id, "promoted participant unknown: no Accept sent"),
        }
        return Ok(None);
    }
    Ok(registration.user_id.map(|user_id| (user_id, event)))
}

/// Tells a member their place is confirmed (a place came free, or another server accepted).
pub(crate) async fn notify_registration(fed: &Federation, user_id: i64, event: &Event) {
    let kind = maillage_core::notifications::Kind::Registration;
    let what = maillage_core::notifications::NewNotification {
        actor_name: &event.organiser_name,
        actor_url: "",
        subject: &event.title,
        link: &event_path(event.id),
    };
    if let Err(e) = maillage_core::notifications::notify(&fed.ctx.db, user_id, kind, &what).await {
        tracing::warn!(error = %e, "registration notification not stored");
    }
}

/// What a member's registration became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Confirmed,
    Waiting,
    /// Sent to another server, waiting for its answer.
    Pending,
}

/// A member registers in one click: to one of our events at once, to another server's event by
/// a `Join` sent to its organiser.
pub async fn register_member(fed: &Federation, user: &User, event_id: i64) -> FederationResult<Registered> {
    let db = &fed.ctx.db;
    let event = calendar::by_id(db, event_id).await?.ok_or(FederationError::NotFound)?;
    if event.is_local() {
        let mut tx = db.pool().begin().await?;
        let (_, outcome) = registrations::register(
            &mut tx,
            &event,
            &Participant::Member { user_id: user.id, name: user.shown_name() },
        )
        .await?;
        tx.commit().await?;
        return Ok(match outcome {
            Outcome::Confirmed => Registered::Confirmed,
            Outcome::Waiting => Registered::Waiting,
        });
    }
    if event.registration != "open" || event.deleted_at != 0 || event.is_cancelled() {
        return Err(CoreError::invalid("registration", "error.registration_closed").into());
    }
    let person = actors::person_actor(fed, &user.username).await?.ok_or(FederationError::NotFound)?;
    let organiser = actors::remote_actor(fed, &event.origin_actor).await?;
    let join_id = activities::new_activity_id(fed);
    let join = json!({
        "@context": context(),
        "id": join_id,
        "type": "Join",
        "actor": person.ap_id(fed),
        "object": event.ap_id,
        "to": [organiser.ap_id],
    });
    let mut tx = db.pool().begin().await?;
    registrations::record_join(&mut tx, &event, user.id, user.shown_name(), &join_id).await?;
    delivery::publish(&mut tx, &person, &join, &BTreeSet::from([organiser.inbox.clone()])).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(Registered::Pending)
}

/// A member cancels their registration. Their place goes to the first person waiting.
pub async fn unregister_member(fed: &Federation, user: &User, event_id: i64) -> FederationResult<()> {
    let db = &fed.ctx.db;
    let event = calendar::by_id(db, event_id).await?.ok_or(FederationError::NotFound)?;
    let registration = registrations::of_member(db, event_id, user.id).await?.ok_or(FederationError::NotFound)?;
    cancel_registration(fed, &event, &registration, Some(user)).await
}

/// An organiser (or moderator) removes someone from the list; the member's own cancellation
/// goes through here too.
pub async fn cancel_registration(
    fed: &Federation,
    event: &Event,
    registration: &Registration,
    member: Option<&User>,
) -> FederationResult<()> {
    let calendar = calendar_actor(fed).await?;
    let mut to_notify = None;
    let mut tx = fed.ctx.db.pool().begin().await?;
    if event.is_local() {
        if let Some(promoted) = registrations::cancel(&mut tx, registration).await? {
            to_notify = answer_promoted(fed, &mut tx, &calendar, &promoted).await?;
        }
    } else {
        // Mobilizon understands `Leave` (not `Undo(Join)`).
        registrations::cancel(&mut tx, registration).await?;
        if let Some(user) = member
            && let Some(person) = actors::person_actor(fed, &user.username).await?
            && let Ok(organiser) = actors::remote_actor(fed, &event.origin_actor).await
        {
            let leave = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": activities::new_activity_id(fed),
                "type": "Leave",
                "actor": person.ap_id(fed),
                "object": event.ap_id,
                "to": [organiser.ap_id],
            });
            delivery::publish(&mut tx, &person, &leave, &BTreeSet::from([organiser.inbox.clone()])).await?;
        }
    }
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    if let Some((user_id, event)) = to_notify {
        notify_registration(fed, user_id, &event).await;
    }
    Ok(())
}

/// A mediator registers someone without an account (name, optional phone or e-mail).
pub async fn register_offline(
    fed: &Federation,
    mediator: &User,
    event_id: i64,
    name: &str,
    contact: &str,
) -> FederationResult<Outcome> {
    let db = &fed.ctx.db;
    let event = calendar::by_id(db, event_id).await?.ok_or(FederationError::NotFound)?;
    let mut tx = db.pool().begin().await?;
    let (_, outcome) =
        registrations::register(&mut tx, &event, &Participant::Offline { name, contact, added_by: mediator.id })
            .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Whether `user` may see and export the list: the event's creator or a moderator.
pub fn may_see_registrations(user: &User, event: &Event) -> bool {
    event.created_by == Some(user.id) || user.has_role(Role::Moderator)
}

//! What other servers send to the calendar: events of calendars the hub follows (other hubs,
//! Mobilizon, Gancio) with their `Update` and `Delete`; `Join`, `Leave` and `Undo(Join)` of our
//! events; and the answers to our members' `Join`s.
//!
//! Events are read the way their senders write them (see docs/federation.md#the-calendar):
//! `location` as one object or an array (hybrid), without `type` (Gancio), with an address as
//! text or as a `PostalAddress`; the online link from a `VirtualLocation` or a `Website` link
//! (Mobilizon); times with any offset, in the `timezone` sent when it is a real IANA name, else
//! in the zone whose offset matches; coordinates swapped back when an old Mobilizon sent them
//! in `geo` or when a latitude is out of range. An event without `startTime` is refused.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, Offset, TimeZone};
use chrono_tz::Tz;
use maillage_core::markdown::sanitize_remote_html;
use maillage_core::tags::normalise_tag;
use maillage_events::calendar::{self, RemoteEvent};
use maillage_events::registrations::{self, Outcome as Seat, Participant};
use maillage_events::schedule::{Recurrence, Schedule};
use serde_json::Value;

use super::{answer, calendar_actor, notify_registration};
use crate::activities::Outcome;
use crate::actors::RemoteActor;
use crate::error::FederationResult;
use crate::protocol::{self, id_of, type_of};
use crate::{Federation, delivery, objects};

/// Largest description kept, in bytes of HTML.
const MAX_CONTENT_BYTES: usize = 100 * 1024;

/// Acts on an activity if it belongs to the calendar; `None` lets other handlers have it.
pub async fn receive(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let kind = type_of(activity).unwrap_or("");
    let object = activity.get("object").unwrap_or(&Value::Null);
    let object_type = type_of(object).unwrap_or("");
    match (kind, object_type) {
        ("Create" | "Update", "Event") => Ok(Some(receive_event(fed, sender, object).await?)),
        ("Announce", _) => receive_announce(fed, sender, object).await,
        ("Delete", _) => receive_delete(fed, sender, object).await,
        ("Join", _) => receive_join(fed, sender, activity).await,
        ("Leave", _) => receive_leave(fed, sender, object).await,
        ("Undo", "Join") => receive_leave(fed, sender, object.get("object").unwrap_or(&Value::Null)).await,
        ("Undo", "") => receive_undo_by_id(fed, sender, object).await,
        ("Accept" | "Reject" | "TentativeAccept", _) => receive_answer(fed, sender, kind, object).await,
        _ => Ok(None),
    }
}

/// Whether the hub (its instance actor or its calendar) follows this actor.
async fn followed(fed: &Federation, sender: &RemoteActor) -> FederationResult<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM following f JOIN local_actors l ON l.id = f.local_actor_id \
         WHERE f.remote_actor_id = $1 AND f.status = 'accepted' AND l.kind IN ('application', 'group') \
         AND (l.kind = 'application' OR l.name = $2)",
    )
    .bind(sender.id)
    .bind(super::CALENDAR)
    .fetch_one(fed.ctx.db.pool())
    .await?;
    Ok(count > 0)
}

async fn receive_event(fed: &Federation, sender: &RemoteActor, event: &Value) -> FederationResult<Outcome> {
    let Some(id) = id_of(event) else { return Ok(Outcome::Ignored("Event without id".into())) };
    if protocol::origin_of(id) != protocol::origin_of(&sender.ap_id) {
        return Ok(Outcome::Ignored("Event from another server than its sender".into()));
    }
    store(fed, sender, event).await
}

async fn store(fed: &Federation, publisher: &RemoteActor, event: &Value) -> FederationResult<Outcome> {
    if !followed(fed, publisher).await? {
        return Ok(Outcome::Ignored("Event from an actor the hub does not follow".into()));
    }
    if event.get("draft").and_then(Value::as_bool) == Some(true) {
        return Ok(Outcome::Ignored("draft Event".into()));
    }
    if !protocol::addressed_publicly(event) && !event.get("to").is_none_or(Value::is_null) {
        return Ok(Outcome::Ignored("Event not addressed publicly".into()));
    }
    let hub = maillage_core::hub::identity(&fed.ctx.db).await?;
    let hub_zone =
        maillage_events::schedule::parse_time_zone(&hub.default_timezone).unwrap_or(chrono_tz::Europe::Paris);
    let origin_name = if publisher.name.is_empty() { publisher.handle() } else { publisher.name.clone() };
    let remote = match parse_event(event, &publisher.ap_id, &origin_name, hub_zone) {
        Ok(remote) => remote,
        Err(reason) => return Ok(Outcome::Ignored(reason)),
    };
    // A deleted event stays deleted (a late Update must not bring it back).
    if calendar::by_ap_id(&fed.ctx.db, &remote.ap_id).await?.is_some_and(|e| e.deleted_at != 0) {
        return Ok(Outcome::Ignored("Event already deleted".into()));
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    calendar::store_remote(&mut tx, &remote).await?;
    tx.commit().await?;
    Ok(Outcome::Done)
}

async fn receive_announce(fed: &Federation, sender: &RemoteActor, object: &Value) -> FederationResult<Option<Outcome>> {
    // An announced Create(Event) or Event; anything else is the forum's.
    let inner = if type_of(object) == Some("Create") { object.get("object").unwrap_or(&Value::Null) } else { object };
    let Some(id) = id_of(inner) else { return Ok(None) };
    let embedded_event = type_of(inner) == Some("Event");
    let known = calendar::by_ap_id(&fed.ctx.db, id).await?.is_some();
    if !embedded_event && !known {
        return Ok(None);
    }
    // Trusted as sent when it comes from the announcer's server; otherwise read at its origin.
    let document = if embedded_event && protocol::origin_of(id) == protocol::origin_of(&sender.ap_id) {
        inner.clone()
    } else {
        match objects::fetch_object(fed, id).await {
            Ok(fetched) if type_of(&fetched) == Some("Event") => fetched,
            Ok(_) => return Ok(Some(Outcome::Ignored("announced object is not an Event".into()))),
            Err(e) => return Ok(Some(Outcome::Ignored(format!("announced Event unavailable: {e}")))),
        }
    };
    Ok(Some(store(fed, sender, &document).await?))
}

async fn receive_delete(fed: &Federation, sender: &RemoteActor, object: &Value) -> FederationResult<Option<Outcome>> {
    let Some(id) = id_of(object) else { return Ok(None) };
    let Some(event) = calendar::by_ap_id(&fed.ctx.db, id).await? else { return Ok(None) };
    if event.is_local() || protocol::origin_of(id) != protocol::origin_of(&sender.ap_id) {
        return Ok(Some(Outcome::Ignored("Delete of an event its sender does not own".into())));
    }
    let mut tx = fed.ctx.db.pool().begin().await?;
    calendar::delete(&mut tx, event.id).await?;
    tx.commit().await?;
    Ok(Some(Outcome::Done))
}

async fn receive_join(fed: &Federation, sender: &RemoteActor, activity: &Value) -> FederationResult<Option<Outcome>> {
    let Some(event_id) = activity.get("object").and_then(id_of) else { return Ok(None) };
    let Some(event) = calendar::by_ap_id(&fed.ctx.db, event_id).await? else { return Ok(None) };
    if !event.is_local() {
        return Ok(Some(Outcome::Ignored("Join of an event that is not ours".into())));
    }
    let join_id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
    let calendar = calendar_actor(fed).await?;
    let name = if sender.name.is_empty() { sender.handle() } else { sender.name.clone() };
    let mut tx = fed.ctx.db.pool().begin().await?;
    let registered = registrations::register(
        &mut tx,
        &event,
        &Participant::Remote { actor_ap_id: &sender.ap_id, name: &name, join_activity: join_id },
    )
    .await;
    let kind = match &registered {
        Ok((_, Seat::Confirmed)) => "Accept",
        Ok((_, Seat::Waiting)) => "TentativeAccept",
        Err(_) => "Reject",
    };
    // A repeated Join is answered with the registration it already has (and its first Join's id).
    let answered_join = match &registered {
        Ok((registration, _)) if !registration.join_activity.is_empty() => registration.join_activity.clone(),
        _ => join_id.to_owned(),
    };
    let reply = answer(fed, &calendar, kind, &answered_join, &sender.ap_id, &event.ap_id);
    delivery::publish(&mut tx, &calendar, &reply, &BTreeSet::from([sender.inbox.clone()])).await?;
    tx.commit().await?;
    fed.wake_delivery.notify_one();
    Ok(Some(match registered {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Ignored(format!("Join refused ({e})")),
    }))
}

/// `Leave` of an event (Mobilizon), or the inner `Join` of an `Undo`.
async fn receive_leave(fed: &Federation, sender: &RemoteActor, target: &Value) -> FederationResult<Option<Outcome>> {
    // `target` is the event (Leave) or the Join being undone (its `object` is the event).
    let event_id = if type_of(target) == Some("Join") { target.get("object").and_then(id_of) } else { id_of(target) };
    let Some(event_id) = event_id else { return Ok(None) };
    let Some(event) = calendar::by_ap_id(&fed.ctx.db, event_id).await? else { return Ok(None) };
    let mut conn = fed.ctx.db.pool().acquire().await?;
    let Some(registration) = registrations::of_actor(&mut conn, event.id, &sender.ap_id).await? else {
        return Ok(Some(Outcome::Ignored("Leave without a registration".into())));
    };
    drop(conn);
    super::cancel_registration(fed, &event, &registration, None).await?;
    Ok(Some(Outcome::Done))
}

async fn receive_undo_by_id(
    fed: &Federation,
    sender: &RemoteActor,
    object: &Value,
) -> FederationResult<Option<Outcome>> {
    let Some(join_id) = id_of(object) else { return Ok(None) };
    let mut conn = fed.ctx.db.pool().acquire().await?;
    let Some(registration) = registrations::by_join(&mut conn, join_id).await? else { return Ok(None) };
    drop(conn);
    if registration.actor_ap_id != sender.ap_id {
        return Ok(Some(Outcome::Ignored("Undo of someone else's Join".into())));
    }
    let Some(event) = calendar::by_id(&fed.ctx.db, registration.event_id).await? else { return Ok(None) };
    super::cancel_registration(fed, &event, &registration, None).await?;
    Ok(Some(Outcome::Done))
}

/// Another server answers one of our members' `Join`s.
async fn receive_answer(
    fed: &Federation,
    sender: &RemoteActor,
    kind: &str,
    object: &Value,
) -> FederationResult<Option<Outcome>> {
    let Some(join_id) = id_of(object) else { return Ok(None) };
    let mut conn = fed.ctx.db.pool().acquire().await?;
    let Some(registration) = registrations::by_join(&mut conn, join_id).await? else { return Ok(None) };
    let Some(event) = calendar::by_id(&fed.ctx.db, registration.event_id).await? else { return Ok(None) };
    // Only the event's server decides (Mobilizon answers from the organiser or a moderator).
    if event.is_local() || protocol::origin_of(&event.ap_id) != protocol::origin_of(&sender.ap_id) {
        return Ok(Some(Outcome::Ignored("answer to a Join from another server than the event's".into())));
    }
    match kind {
        "Accept" => {
            registrations::set_status(&mut conn, registration.id, "confirmed").await?;
            if let Some(user_id) = registration.user_id {
                notify_registration(fed, user_id, &event).await;
            }
        }
        "TentativeAccept" => registrations::set_status(&mut conn, registration.id, "waiting").await?,
        _ => {
            sqlx::query("DELETE FROM event_registrations WHERE id = $1")
                .bind(registration.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(Some(Outcome::Done))
}

// ---------------------------------------------------------------------------------------------
// Reading an Event

/// Reads another server's `Event` into what the calendar stores; the reason when it cannot.
pub fn parse_event(doc: &Value, origin_actor: &str, origin_name: &str, hub_zone: Tz) -> Result<RemoteEvent, String> {
    let id = id_of(doc).ok_or("Event without id")?.to_owned();
    let start = doc
        .get("startTime")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .ok_or("Event without a readable startTime")?;
    let end = doc
        .get("endTime")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .filter(|end| *end > start)
        // Shown as one hour when the sender gives no end (Mobilizon may not).
        .unwrap_or(start + chrono::TimeDelta::hours(1));
    let time_zone = zone_for(doc.get("timezone").and_then(Value::as_str), start.offset(), hub_zone, start);
    let start_local = start.with_timezone(&time_zone).naive_local();
    let end_local = end.with_timezone(&time_zone).naive_local();
    // Another hub's recurring event: its series, from the rule and its first start.
    let recurrence = doc.get("ical:rrule").and_then(Value::as_str).and_then(|r| Recurrence::parse(r, time_zone).ok());
    let series_start = doc
        .get("ical:dtstart")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&time_zone).naive_local());
    let (start_local, end_local, recurrence) = match (recurrence, series_start) {
        (Some(rule), Some(first)) => (first, first + (end_local - start_local), Some(rule)),
        _ => (start_local, end_local, None),
    };
    let exceptions = match doc.get("ical:exdate") {
        Some(Value::Array(dates)) => dates
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|d| chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
            .collect(),
        _ => Vec::new(),
    };
    let schedule = Schedule { start: start_local, end: end_local, all_day: false, time_zone, recurrence, exceptions };
    if schedule.check().is_err() {
        return Err("Event with times we cannot use".into());
    }

    let place = read_location(doc);
    let title = doc
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| doc.get("summary").and_then(Value::as_str))
        .map(|t| maillage_core::markdown::html_to_text(t).trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or("Event without a name")?;
    let content = doc.get("content").and_then(Value::as_str).unwrap_or_default();
    if content.len() > MAX_CONTENT_BYTES {
        return Err("Event description too large".into());
    }
    let description_html = if content.contains('<') {
        sanitize_remote_html(content)
    } else {
        // Plain text (Gancio): escaped, lines kept.
        let escaped = maillage_core::feeds::xml_escape(content);
        if escaped.trim().is_empty() { String::new() } else { format!("<p>{}</p>", escaped.replace('\n', "<br>")) }
    };
    let tags = doc
        .get("tag")
        .map(|t| if let Value::Array(items) = t { items.clone() } else { vec![t.clone()] })
        .unwrap_or_default()
        .iter()
        .filter(|t| type_of(t) == Some("Hashtag"))
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter_map(normalise_tag)
        .take(calendar::MAX_TAGS)
        .collect::<Vec<_>>();
    let status_text = [doc.get("ical:status"), doc.get("status"), doc.get("eventStatus")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ");
    let status = if status_text.contains("CANCELLED") || status_text.contains("EVENTCANCELLED") {
        "cancelled"
    } else if status_text.contains("POSTPONED") || status_text.contains("TENTATIVE") {
        "postponed"
    } else {
        "confirmed"
    };
    // Hubs (ours too) write the status into the name for software that shows only the name;
    // here the status is shown apart.
    let title = if status == "confirmed" {
        title
    } else {
        ["Annulé : ", "Cancelled: ", "Reporté : ", "Postponed: "]
            .iter()
            .find_map(|prefix| title.strip_prefix(prefix))
            .map(str::to_owned)
            .unwrap_or(title)
    };
    let join_mode = doc.get("joinMode").and_then(Value::as_str).unwrap_or("");
    let capacity = doc.get("maximumAttendeeCapacity").and_then(Value::as_i64).filter(|c| *c > 0).unwrap_or(0);
    let participants = doc
        .get("participantCount")
        .and_then(Value::as_i64)
        .or_else(|| doc.get("attendees").and_then(|a| a.get("totalItems")).and_then(Value::as_i64))
        .unwrap_or(0);
    let url = match doc.get("url") {
        Some(Value::String(url)) if protocol::origin_of(url) == protocol::origin_of(&id) => url.clone(),
        Some(Value::Object(link)) => link
            .get("href")
            .and_then(Value::as_str)
            .filter(|u| protocol::origin_of(u) == protocol::origin_of(&id))
            .unwrap_or(&id)
            .to_owned(),
        _ => id.clone(),
    };
    let organiser_name = doc
        .get("organizers")
        .and_then(|o| o.get("items"))
        .and_then(Value::as_array)
        .and_then(|items| items.iter().find_map(|i| i.get("name").and_then(Value::as_str)))
        .unwrap_or(origin_name)
        .to_owned();
    Ok(RemoteEvent {
        ap_id: id,
        url,
        origin_actor: origin_actor.to_owned(),
        origin_name: origin_name.to_owned(),
        title,
        description_html,
        language: doc.get("inLanguage").and_then(Value::as_str).unwrap_or("fr").chars().take(8).collect(),
        schedule,
        tags,
        place_name: place.name,
        street: place.street,
        postal_code: place.postal_code,
        city: place.city,
        latitude: place.coordinates.map(|c| c.0),
        longitude: place.coordinates.map(|c| c.1),
        online_url: place.online_url,
        organiser_name,
        status: status.into(),
        registration: if matches!(join_mode, "free" | "restricted") { "open".into() } else { "none".into() },
        capacity,
        participants,
    })
}

/// The time zone to show an event in: the one sent when it is an IANA name; else the hub's when
/// its offset at that moment is the one sent (Gancio sends its own offset only); else a fixed
/// zone of that offset.
fn zone_for(sent: Option<&str>, offset: &FixedOffset, hub_zone: Tz, at: DateTime<FixedOffset>) -> Tz {
    if let Some(zone) = sent.and_then(maillage_events::schedule::parse_time_zone) {
        return zone;
    }
    let seconds = offset.local_minus_utc();
    if hub_zone.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc() == seconds {
        return hub_zone;
    }
    // IANA's Etc zones have whole hours, with the sign reversed (Etc/GMT-2 is UTC+2).
    if seconds % 3600 == 0 {
        let hours = -seconds / 3600;
        let name = if hours == 0 { "Etc/UTC".to_owned() } else { format!("Etc/GMT{hours:+}") };
        if let Some(zone) = maillage_events::schedule::parse_time_zone(&name) {
            return zone;
        }
    }
    chrono_tz::UTC
}

#[derive(Debug, Default)]
struct PlaceRead {
    name: String,
    street: String,
    postal_code: String,
    city: String,
    coordinates: Option<(f64, f64)>,
    online_url: String,
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).map(|s| s.trim().to_owned()).unwrap_or_default()
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn read_location(doc: &Value) -> PlaceRead {
    let mut read = PlaceRead::default();
    let locations = match doc.get("location") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(_)) => vec![doc["location"].clone()],
        _ => Vec::new(),
    };
    for location in &locations {
        let kind = type_of(location).unwrap_or("Place");
        let address_url = location.get("address").and_then(|a| a.get("url")).and_then(Value::as_str);
        if kind == "VirtualLocation" || address_url.is_some() {
            if read.online_url.is_empty() {
                read.online_url = text(location.get("url")).chars().take(2_000).collect();
                if read.online_url.is_empty() {
                    read.online_url = address_url.unwrap_or_default().to_owned();
                }
            }
            continue;
        }
        if !read.name.is_empty() || !read.city.is_empty() {
            continue;
        }
        read.name = text(location.get("name"));
        match location.get("address") {
            Some(Value::String(line)) => read.street = line.trim().to_owned(),
            Some(address @ Value::Object(_)) => {
                read.street = text(address.get("streetAddress"));
                read.postal_code = text(address.get("postalCode"));
                read.city = text(address.get("addressLocality"));
            }
            _ => {}
        }
        read.coordinates = coordinates(location);
    }
    if doc.get("virtualLocation").is_some() && read.online_url.is_empty() {
        read.online_url = text(doc.get("virtualLocation").and_then(|v| v.get("url")));
    }
    // Mobilizon's online address: a `Website` link among the attachments.
    if read.online_url.is_empty()
        && let Some(Value::Array(attachments)) = doc.get("attachment")
    {
        read.online_url = attachments
            .iter()
            .find(|a| type_of(a) == Some("Link") && a.get("name").and_then(Value::as_str) == Some("Website"))
            .map(|a| text(a.get("href")))
            .unwrap_or_default();
    }
    if !read.online_url.is_empty() && url::Url::parse(&read.online_url).is_err() {
        read.online_url.clear();
    }
    read
}

/// Latitude and longitude of a place. Old Mobilizon (before 2.0) sent them swapped, in `geo`
/// at first; a latitude beyond ±90 is swapped back too.
fn coordinates(location: &Value) -> Option<(f64, f64)> {
    let (lat, lon, swapped) = match location.get("geo") {
        Some(geo) => (number(geo.get("latitude"))?, number(geo.get("longitude"))?, true),
        None => (number(location.get("latitude"))?, number(location.get("longitude"))?, false),
    };
    let (lat, lon) = if swapped || lat.abs() > 90.0 { (lon, lat) } else { (lat, lon) };
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What was read, for failure messages.
    fn describe(remote: &RemoteEvent) -> Value {
        json!({
            "id": remote.ap_id, "title": remote.title, "time_zone": remote.schedule.time_zone.name(),
            "start": remote.schedule.start.to_string(), "place": remote.place_name, "city": remote.city,
            "online": remote.online_url, "status": remote.status,
        })
    }

    /// A payload of the interop corpus (`shared/interop`, or MAILLAGE_INTEROP_DIR).
    fn corpus(path: &str) -> Value {
        let root = std::env::var("MAILLAGE_INTEROP_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
        let text = std::fs::read_to_string(root.join(path))
            .unwrap_or_else(|e| panic!("{path} in {}: {e} (set MAILLAGE_INTEROP_DIR)", root.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn event_of(doc: &Value) -> &Value {
        if type_of(doc) == Some("Event") { doc } else { &doc["object"] }
    }

    #[test]
    fn gancio_untyped_location_and_instance_offset() {
        let doc = corpus("gancio/activities/create_event.json");
        let remote = parse_event(
            event_of(&doc),
            "https://gancio.example/federation/u/relay",
            "Gancio",
            chrono_tz::Europe::Paris,
        )
        .unwrap();
        assert!(!remote.place_name.is_empty() || !remote.street.is_empty(), "{}", describe(&remote));
        assert_eq!(remote.schedule.time_zone, chrono_tz::Europe::Paris, "{}", describe(&remote));
        let mut without_start = event_of(&doc).clone();
        without_start.as_object_mut().unwrap().remove("startTime");
        assert_eq!(
            parse_event(&without_start, "a", "b", chrono_tz::Europe::Paris).unwrap_err(),
            "Event without a readable startTime"
        );
    }

    #[test]
    fn old_mobilizon_swapped_coordinates_are_put_back() {
        let doc = corpus("mobilizon/objects/event_mobilizon.org.json");
        let remote = parse_event(&doc, "https://mobilizon.org/@x", "Mobilizon", chrono_tz::Europe::Paris).unwrap();
        let (lat, lon) = (remote.latitude.unwrap(), remote.longitude.unwrap());
        // Nantes: 47.2 N, 1.5 W.
        assert!((lat - 47.2).abs() < 0.1 && (lon + 1.55).abs() < 0.1, "{lat}, {lon}");
    }

    #[test]
    fn modern_mobilizon_event_is_read_fully() {
        let doc = corpus("mobilizon/objects/event.json");
        let remote = parse_event(&doc, "https://mobilizon.example/@g", "Mobilizon", chrono_tz::Europe::Paris).unwrap();
        assert!(!remote.title.is_empty());
        assert!(!remote.description_html.contains("<script"));
        assert!(remote.latitude.is_some());
    }

    #[test]
    fn hybrid_location_arrays_give_a_place_and_a_link() {
        let place = corpus("gancio/places/place_multiple_mixed_locations.json");
        let doc = json!({ "id": "https://g.example/e/1", "type": "Event", "name": "Café numérique",
            "startTime": "2025-06-12T14:00:00+02:00", "location": place });
        let remote = parse_event(&doc, "a", "b", chrono_tz::Europe::Paris).unwrap();
        assert!(!remote.online_url.is_empty(), "{}", describe(&remote));
        assert!(!remote.place_name.is_empty(), "{}", describe(&remote));
    }

    #[test]
    fn a_timezone_that_is_not_iana_falls_back_on_the_offset() {
        let doc = json!({ "id": "https://g.example/e/2", "type": "Event", "name": "Atelier",
            "startTime": "2025-06-12T09:00:00-03:00", "timezone": "heure de Cayenne" });
        let remote = parse_event(&doc, "a", "b", chrono_tz::Europe::Paris).unwrap();
        assert_eq!(remote.schedule.time_zone.name(), "Etc/GMT+3");
        assert_eq!(remote.schedule.start.to_string(), "2025-06-12 09:00:00");
    }
}

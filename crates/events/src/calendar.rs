//! Events as stored: ours (checked from what an organiser fills in) and other servers'
//! (peer hubs, Mobilizon, Gancio), listed by occurrence so that a weekly permanence is one
//! event with many dates.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use maillage_core::Db;
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::tags::parse_tags;
use maillage_core::time::now_ms;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

use crate::schedule::{Frequency, Occurrence, Recurrence, RecurrenceEnd, Schedule, parse_time_zone};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_BYTES: usize = 100 * 1024;
pub const MAX_TAGS: usize = 8;
/// Most occurrences one event shows in a list (a daily event over a year stays readable).
pub const MAX_OCCURRENCES_PER_EVENT: usize = 400;
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// What an organiser fills in (the page's form and the API's JSON), as text so that a refused
/// form comes back as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventInput {
    pub title: String,
    /// Markdown.
    pub description: String,
    /// Comma-separated.
    pub tags: String,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `HH:MM` (ignored for all-day events).
    pub start_time: String,
    /// `YYYY-MM-DD`; the start date when empty.
    pub end_date: String,
    pub end_time: String,
    pub all_day: bool,
    /// IANA name (`Europe/Paris`, `America/Cayenne`, `Indian/Reunion`); the hub's when empty.
    pub time_zone: String,
    /// `""` (once), `weekly` or `monthly` (by weekday: "the 2nd Tuesday").
    pub repeat: String,
    /// Every N weeks or months (1 when empty).
    pub interval: String,
    /// For weekly events: `MO`, `TU`… (the start's weekday when empty).
    pub weekdays: Vec<String>,
    /// For monthly events: 1–4, or -1 for "the last".
    pub monthly_nth: String,
    /// `never`, `until` or `count`.
    pub repeat_end: String,
    /// `YYYY-MM-DD`.
    pub repeat_until: String,
    pub repeat_count: String,
    /// Dates skipped (`YYYY-MM-DD`, separated by commas, spaces or lines).
    pub exceptions: String,
    pub place_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: String,
    pub longitude: String,
    pub online_url: String,
    /// Step-free access, hearing loop, …
    pub accessibility: String,
    /// `hub`, `member` or `partner`.
    pub organiser_kind: String,
    /// A partner structure's name (members and the hub are named for them).
    pub organiser_name: String,
    /// `confirmed`, `cancelled` or `postponed`.
    pub status: String,
    pub status_note: String,
    /// `none` (free entry) or `open` (registration).
    pub registration: String,
    /// Places (empty or 0: no limit).
    pub capacity: String,
    pub waiting_list: bool,
}

/// An event row.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub ap_id: String,
    pub url: String,
    pub local: i64,
    pub origin_actor: String,
    pub origin_name: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub language: String,
    pub time_zone: String,
    /// Wall-clock time in `time_zone`.
    pub start_local: String,
    pub end_local: String,
    pub all_day: i64,
    pub rrule: String,
    pub exceptions: String,
    pub starts_at: i64,
    /// 0 when a recurrence has no end.
    pub ends_at: i64,
    pub place_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: String,
    pub accessibility: String,
    pub organiser_kind: String,
    pub organiser_name: String,
    pub organiser_user_id: Option<i64>,
    pub status: String,
    pub status_note: String,
    pub registration: String,
    pub capacity: i64,
    pub waiting_list: i64,
    pub confirmed_count: i64,
    pub remote_participants: i64,
    pub sequence: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: i64,
}

const COLUMNS: &str = "id, ap_id, url, local, origin_actor, origin_name, title, description, description_html, language, \
    time_zone, start_local, end_local, all_day, rrule, exceptions, starts_at, ends_at, place_name, street, postal_code, \
    city, latitude, longitude, online_url, accessibility, organiser_kind, organiser_name, organiser_user_id, status, \
    status_note, registration, capacity, waiting_list, confirmed_count, remote_participants, sequence, created_by, \
    created_at, updated_at, deleted_at";

impl Event {
    pub fn is_local(&self) -> bool {
        self.local != 0
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }

    pub fn has_place(&self) -> bool {
        !(self.place_name.is_empty() && self.street.is_empty() && self.city.is_empty())
    }

    pub fn is_online(&self) -> bool {
        !self.online_url.is_empty()
    }

    pub fn takes_registrations(&self) -> bool {
        self.registration == "open" && !self.is_cancelled()
    }

    /// Places left, when limited.
    pub fn places_left(&self) -> Option<i64> {
        // Another server's event: the participants it announced.
        let taken = if self.is_local() { self.confirmed_count } else { self.remote_participants };
        (self.capacity > 0).then(|| (self.capacity - taken).max(0))
    }

    /// "Médiathèque Jean Moulin, 2 rue X, 12000 Rodez" (what is filled in).
    pub fn address_line(&self) -> String {
        let town = [self.postal_code.as_str(), self.city.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        [self.place_name.as_str(), self.street.as_str(), town.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "Médiathèque Jean Moulin, Rodez": short enough for a Mastodon summary.
    pub fn place_line(&self) -> String {
        [self.place_name.as_str(), self.city.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn tz(&self) -> Tz {
        parse_time_zone(&self.time_zone).unwrap_or(chrono_tz::Europe::Paris)
    }

    /// The stored times as a schedule (stored values were checked when written).
    pub fn schedule(&self) -> Schedule {
        let parse = |text: &str| NaiveDateTime::parse_from_str(text, LOCAL_FORMAT).unwrap_or_default();
        Schedule {
            start: parse(&self.start_local),
            end: parse(&self.end_local),
            all_day: self.all_day != 0,
            time_zone: self.tz(),
            recurrence: if self.rrule.is_empty() { None } else { Recurrence::parse(&self.rrule, self.tz()).ok() },
            exceptions: parse_dates(&self.exceptions).unwrap_or_default(),
        }
    }
}

/// Checked values, ready to store.
#[derive(Debug, Clone)]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub tags: Vec<String>,
    pub schedule: Schedule,
    pub place_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: String,
    pub accessibility: String,
    pub organiser_kind: String,
    pub organiser_name: String,
    pub status: String,
    pub status_note: String,
    pub registration: String,
    pub capacity: i64,
    pub waiting_list: bool,
}

fn parse_dates(text: &str) -> Result<Vec<NaiveDate>, ()> {
    let mut dates = Vec::new();
    for part in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|p| !p.is_empty()) {
        let date = NaiveDate::parse_from_str(part, "%Y-%m-%d").map_err(|_| ())?;
        if !dates.contains(&date) {
            dates.push(date);
        }
    }
    dates.sort();
    Ok(dates)
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H:%M:%S")).ok()
}

fn parse_weekday(code: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Mon,
        "TU" => Tue,
        "WE" => Wed,
        "TH" => Thu,
        "FR" => Fri,
        "SA" => Sat,
        "SU" => Sun,
        _ => return None,
    })
}

fn one_of(value: &str, allowed: &[&str], default: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() { Some(default.to_owned()) } else { allowed.contains(&value).then(|| value.to_owned()) }
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
}

/// Checks what an organiser filled in. `default_time_zone` is the hub's.
pub fn check(input: &EventInput, default_time_zone: &str) -> CoreResult<EventFields> {
    let mut v = Validation::new();
    let title = input.title.trim();
    v.check(title.is_empty(), "title", "error.required");
    v.check(title.chars().count() > MAX_TITLE_CHARS, "title", "error.too_long");
    v.check(input.description.len() > MAX_DESCRIPTION_BYTES, "description", "error.too_long");
    let tags = parse_tags(&input.tags);
    v.check(tags.len() > MAX_TAGS, "tags", "error.too_many_event_tags");

    let zone_name = if input.time_zone.trim().is_empty() { default_time_zone } else { input.time_zone.trim() };
    let time_zone = parse_time_zone(zone_name);
    v.check(time_zone.is_none(), "time_zone", "error.unknown_timezone");

    // Empty is "required"; filled in but unreadable is "invalid".
    let required_or =
        |text: &str, invalid: &'static str| if text.trim().is_empty() { "error.required" } else { invalid };
    let start_date = NaiveDate::parse_from_str(input.start_date.trim(), "%Y-%m-%d").ok();
    v.check(start_date.is_none(), "start_date", required_or(&input.start_date, "error.invalid_date"));
    // An empty end date means the start's day (only a filled-in one is checked).
    let end_date = if input.end_date.trim().is_empty() {
        start_date
    } else {
        let end = NaiveDate::parse_from_str(input.end_date.trim(), "%Y-%m-%d").ok();
        v.check(end.is_none(), "end_date", "error.invalid_date");
        end
    };
    let (start_time, end_time) = if input.all_day {
        (Some(NaiveTime::MIN), Some(NaiveTime::MIN))
    } else {
        (parse_time(&input.start_time), parse_time(&input.end_time))
    };
    v.check(start_time.is_none(), "start_time", required_or(&input.start_time, "error.invalid_time"));
    v.check(end_time.is_none(), "end_time", required_or(&input.end_time, "error.invalid_time"));

    let recurrence = match input.repeat.trim() {
        "" | "none" => None,
        kind @ ("weekly" | "monthly") => {
            let interval = if input.interval.trim().is_empty() { Some(1) } else { input.interval.trim().parse().ok() };
            v.check(!matches!(interval, Some(1..=52)), "interval", "error.invalid_recurrence");
            let frequency = if kind == "weekly" {
                let weekdays: Option<Vec<_>> = input.weekdays.iter().map(|d| parse_weekday(d)).collect();
                v.check(weekdays.is_none(), "weekdays", "error.invalid_recurrence");
                Frequency::Weekly { weekdays: weekdays.unwrap_or_default() }
            } else {
                let nth = input.monthly_nth.trim().parse::<i8>().ok().filter(|n| matches!(n, 1..=4 | -1));
                v.check(nth.is_none(), "monthly_nth", "error.invalid_recurrence");
                let weekday = start_date.map(|d| chrono::Datelike::weekday(&d)).unwrap_or(chrono::Weekday::Mon);
                Frequency::MonthlyByWeekday { nth: nth.unwrap_or(1), weekday }
            };
            let end = match input.repeat_end.trim() {
                "" | "never" => RecurrenceEnd::Never,
                "until" => match NaiveDate::parse_from_str(input.repeat_until.trim(), "%Y-%m-%d") {
                    Ok(date) => RecurrenceEnd::Until(date),
                    Err(_) => {
                        v.push("repeat_until", "error.invalid_date");
                        RecurrenceEnd::Never
                    }
                },
                "count" => match input.repeat_count.trim().parse::<u32>() {
                    Ok(n) => RecurrenceEnd::Count(n),
                    Err(_) => {
                        v.push("repeat_count", "error.invalid_recurrence");
                        RecurrenceEnd::Never
                    }
                },
                _ => {
                    v.push("repeat_end", "error.invalid_recurrence");
                    RecurrenceEnd::Never
                }
            };
            Some(Recurrence { frequency, interval: interval.unwrap_or(1), end })
        }
        _ => {
            v.push("repeat", "error.invalid_recurrence");
            None
        }
    };
    let exceptions = parse_dates(&input.exceptions);
    v.check(exceptions.is_err(), "exceptions", "error.invalid_date");

    let latitude = optional_number(&mut v, "latitude", &input.latitude, -90.0..=90.0);
    let longitude = optional_number(&mut v, "longitude", &input.longitude, -180.0..=180.0);
    v.check(latitude.is_some() != longitude.is_some(), "longitude", "error.coordinates_pair");
    let online_url = input.online_url.trim();
    v.check(!online_url.is_empty() && !is_web_url(online_url), "online_url", "error.invalid_url");
    let has_place = !(input.place_name.trim().is_empty() && input.city.trim().is_empty());
    v.check(!has_place && online_url.is_empty(), "place_name", "error.place_or_link");

    let organiser_kind = one_of(&input.organiser_kind, &["hub", "member", "partner"], "hub");
    v.check(organiser_kind.is_none(), "organiser_kind", "error.invalid_choice");
    v.check(
        organiser_kind.as_deref() == Some("partner") && input.organiser_name.trim().is_empty(),
        "organiser_name",
        "error.required",
    );
    let status = one_of(&input.status, &["confirmed", "cancelled", "postponed"], "confirmed");
    v.check(status.is_none(), "status", "error.invalid_choice");
    let registration = one_of(&input.registration, &["none", "open"], "none");
    v.check(registration.is_none(), "registration", "error.invalid_choice");
    let capacity = if input.capacity.trim().is_empty() { Some(0) } else { input.capacity.trim().parse::<i64>().ok() };
    v.check(!matches!(capacity, Some(0..=100_000)), "capacity", "error.invalid_capacity");
    for (field, text, max) in [
        ("place_name", &input.place_name, 200),
        ("street", &input.street, 200),
        ("postal_code", &input.postal_code, 20),
        ("city", &input.city, 100),
        ("online_url", &input.online_url, 2_000),
        ("accessibility", &input.accessibility, 2_000),
        ("organiser_name", &input.organiser_name, 200),
        ("status_note", &input.status_note, 1_000),
    ] {
        v.check(text.trim().chars().count() > max, field, "error.too_long");
    }
    v.finish()?;

    // Everything parsed (the checks above refused whatever did not).
    let (Some(time_zone), Some(start_date), Some(end_date), Some(start_time), Some(end_time)) =
        (time_zone, start_date, end_date, start_time, end_time)
    else {
        return Err(CoreError::invalid("start_date", "error.invalid_date"));
    };
    let (start, mut end) = (start_date.and_time(start_time), end_date.and_time(end_time));
    if input.all_day {
        // Stored as iCalendar does: the end is the day after the last day.
        end = (end_date + chrono::Days::new(1)).and_time(NaiveTime::MIN);
    }
    let schedule = Schedule {
        start,
        end,
        all_day: input.all_day,
        time_zone,
        recurrence,
        exceptions: exceptions.unwrap_or_default(),
    };
    schedule.check()?;
    Ok(EventFields {
        title: title.to_owned(),
        description: input.description.clone(),
        description_html: maillage_core::markdown::render_markdown(&input.description),
        tags,
        schedule,
        place_name: input.place_name.trim().to_owned(),
        street: input.street.trim().to_owned(),
        postal_code: input.postal_code.trim().to_owned(),
        city: input.city.trim().to_owned(),
        latitude,
        longitude,
        online_url: online_url.to_owned(),
        accessibility: input.accessibility.trim().to_owned(),
        organiser_kind: organiser_kind.unwrap_or_default(),
        organiser_name: input.organiser_name.trim().to_owned(),
        status: status.unwrap_or_default(),
        status_note: input.status_note.trim().to_owned(),
        registration: registration.unwrap_or_default(),
        capacity: capacity.unwrap_or(0),
        waiting_list: input.waiting_list,
    })
}

fn optional_number(v: &mut Validation, field: &str, text: &str, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return None;
    }
    let number = text.parse::<f64>().ok().filter(|n| range.contains(n));
    v.check(number.is_none(), field, "error.invalid_coordinates");
    number
}

/// The form's values for an event being edited.
pub fn input_of(event: &Event, tags: &[String]) -> EventInput {
    let schedule = event.schedule();
    let mut input = EventInput {
        title: event.title.clone(),
        description: event.description.clone(),
        tags: tags.join(", "),
        start_date: schedule.start.date().to_string(),
        start_time: schedule.start.time().format("%H:%M").to_string(),
        end_date: schedule.end.date().to_string(),
        end_time: schedule.end.time().format("%H:%M").to_string(),
        all_day: schedule.all_day,
        time_zone: event.time_zone.clone(),
        exceptions: schedule.exceptions.iter().map(NaiveDate::to_string).collect::<Vec<_>>().join(", "),
        place_name: event.place_name.clone(),
        street: event.street.clone(),
        postal_code: event.postal_code.clone(),
        city: event.city.clone(),
        latitude: event.latitude.map(|n| n.to_string()).unwrap_or_default(),
        longitude: event.longitude.map(|n| n.to_string()).unwrap_or_default(),
        online_url: event.online_url.clone(),
        accessibility: event.accessibility.clone(),
        organiser_kind: event.organiser_kind.clone(),
        organiser_name: event.organiser_name.clone(),
        status: event.status.clone(),
        status_note: event.status_note.clone(),
        registration: event.registration.clone(),
        capacity: if event.capacity > 0 { event.capacity.to_string() } else { String::new() },
        waiting_list: event.waiting_list != 0,
        ..Default::default()
    };
    if schedule.all_day {
        input.end_date = (schedule.end.date() - chrono::Days::new(1)).to_string();
        input.start_time.clear();
        input.end_time.clear();
    }
    if let Some(recurrence) = &schedule.recurrence {
        input.interval = recurrence.interval.to_string();
        match &recurrence.frequency {
            Frequency::Weekly { weekdays } => {
                input.repeat = "weekly".into();
                input.weekdays = weekdays.iter().map(|d| d.to_string()[..2].to_uppercase()).collect();
            }
            Frequency::MonthlyByWeekday { nth, .. } => {
                input.repeat = "monthly".into();
                input.monthly_nth = nth.to_string();
            }
        }
        match recurrence.end {
            RecurrenceEnd::Never => input.repeat_end = "never".into(),
            RecurrenceEnd::Until(date) => {
                input.repeat_end = "until".into();
                input.repeat_until = date.to_string();
            }
            RecurrenceEnd::Count(n) => {
                input.repeat_end = "count".into();
                input.repeat_count = n.to_string();
            }
        }
    }
    input
}

/// `starts_at` and `ends_at` of a schedule (ends_at 0: no end).
fn bounds(schedule: &Schedule) -> (i64, i64) {
    let (first, last) = schedule.first_and_last();
    (first.timestamp_millis(), last.map(|l| l.timestamp_millis()).unwrap_or(0))
}

fn rrule_of(schedule: &Schedule) -> String {
    schedule.recurrence.as_ref().map(|r| r.to_rrule(schedule)).unwrap_or_default()
}

fn exceptions_of(schedule: &Schedule) -> String {
    schedule.exceptions.iter().map(NaiveDate::to_string).collect::<Vec<_>>().join(",")
}

/// Who organises: the creator when they organise it as a member.
pub struct Organiser<'a> {
    pub user_id: i64,
    pub shown_name: &'a str,
    pub hub_name: &'a str,
}

fn organiser_name(fields: &EventFields, organiser: &Organiser<'_>) -> String {
    match fields.organiser_kind.as_str() {
        "member" => organiser.shown_name.to_owned(),
        "partner" => fields.organiser_name.clone(),
        _ => organiser.hub_name.to_owned(),
    }
}

/// Our events' public id: `{public_url}/events/{id}`.
pub fn local_ap_id(base: &str, id: i64) -> String {
    format!("{}/events/{id}", base.trim_end_matches('/'))
}

/// Stores one of our events (inside the caller's transaction); returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    base: &str,
    fields: &EventFields,
    organiser: &Organiser<'_>,
    language: &str,
) -> CoreResult<i64> {
    let (starts_at, ends_at) = bounds(&fields.schedule);
    let now = now_ms();
    let placeholder = format!("urn:maillage:pending:{}", maillage_core::token::random_token());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (ap_id, local, title, description, description_html, language, time_zone, start_local, \
         end_local, all_day, rrule, exceptions, starts_at, ends_at, place_name, street, postal_code, city, latitude, \
         longitude, online_url, accessibility, organiser_kind, organiser_name, organiser_user_id, status, status_note, \
         registration, capacity, waiting_list, created_by, created_at, updated_at) \
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         $23, $24, $25, $26, $27, $28, $29, $30, $31, $31) RETURNING id",
    )
    .bind(&placeholder)
    .bind(&fields.title)
    .bind(&fields.description)
    .bind(&fields.description_html)
    .bind(language)
    .bind(fields.schedule.time_zone.name())
    .bind(fields.schedule.start.format(LOCAL_FORMAT).to_string())
    .bind(fields.schedule.end.format(LOCAL_FORMAT).to_string())
    .bind(i64::from(fields.schedule.all_day))
    .bind(rrule_of(&fields.schedule))
    .bind(exceptions_of(&fields.schedule))
    .bind(starts_at)
    .bind(ends_at)
    .bind(&fields.place_name)
    .bind(&fields.street)
    .bind(&fields.postal_code)
    .bind(&fields.city)
    .bind(fields.latitude)
    .bind(fields.longitude)
    .bind(&fields.online_url)
    .bind(&fields.accessibility)
    .bind(&fields.organiser_kind)
    .bind(organiser_name(fields, organiser))
    .bind((fields.organiser_kind == "member").then_some(organiser.user_id))
    .bind(&fields.status)
    .bind(&fields.status_note)
    .bind(&fields.registration)
    .bind(fields.capacity)
    .bind(i64::from(fields.waiting_list))
    .bind(organiser.user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let ap_id = local_ap_id(base, id);
    sqlx::query("UPDATE events SET ap_id = $1, url = $1 WHERE id = $2")
        .bind(&ap_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    set_tags(conn, id, &fields.tags).await?;
    Ok(id)
}

/// Changes one of our events. Refuses a capacity below the places already taken.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    fields: &EventFields,
    organiser: &Organiser<'_>,
) -> CoreResult<()> {
    let (starts_at, ends_at) = bounds(&fields.schedule);
    // One conditional statement (no read before it): a registration arriving meanwhile cannot
    // slip between the capacity check and the change.
    let changed = sqlx::query(
        "UPDATE events SET title = $1, description = $2, description_html = $3, time_zone = $4, start_local = $5, \
         end_local = $6, all_day = $7, rrule = $8, exceptions = $9, starts_at = $10, ends_at = $11, place_name = $12, \
         street = $13, postal_code = $14, city = $15, latitude = $16, longitude = $17, online_url = $18, \
         accessibility = $19, organiser_kind = $20, organiser_name = $21, status = $22, status_note = $23, \
         registration = $24, capacity = $25, waiting_list = $26, sequence = sequence + 1, updated_at = $27 \
         WHERE id = $28 AND local = 1 AND ($25 = 0 OR confirmed_count <= $25)",
    )
    .bind(&fields.title)
    .bind(&fields.description)
    .bind(&fields.description_html)
    .bind(fields.schedule.time_zone.name())
    .bind(fields.schedule.start.format(LOCAL_FORMAT).to_string())
    .bind(fields.schedule.end.format(LOCAL_FORMAT).to_string())
    .bind(i64::from(fields.schedule.all_day))
    .bind(rrule_of(&fields.schedule))
    .bind(exceptions_of(&fields.schedule))
    .bind(starts_at)
    .bind(ends_at)
    .bind(&fields.place_name)
    .bind(&fields.street)
    .bind(&fields.postal_code)
    .bind(&fields.city)
    .bind(fields.latitude)
    .bind(fields.longitude)
    .bind(&fields.online_url)
    .bind(&fields.accessibility)
    .bind(&fields.organiser_kind)
    .bind(organiser_name(fields, organiser))
    .bind(&fields.status)
    .bind(&fields.status_note)
    .bind(&fields.registration)
    .bind(fields.capacity)
    .bind(i64::from(fields.waiting_list))
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM events WHERE id = $1 AND local = 1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(match exists {
            Some(_) => CoreError::invalid("capacity", "error.capacity_below_registered"),
            None => CoreError::NotFound,
        });
    }
    set_tags(conn, id, &fields.tags).await?;
    Ok(())
}

async fn set_tags(conn: &mut AnyConnection, id: i64, tags: &[String]) -> CoreResult<()> {
    sqlx::query("DELETE FROM event_tags WHERE event_id = $1").bind(id).execute(&mut *conn).await?;
    for tag in tags {
        sqlx::query("INSERT INTO event_tags (event_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Soft deletion: the row stays so that a late `Join` or a fetch gets a tombstone.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> CoreResult<()> {
    sqlx::query("UPDATE events SET deleted_at = $1, sequence = sequence + 1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: i64) -> CoreResult<Option<Event>> {
    Ok(sqlx::query_as::<_, Event>(&format!("SELECT {COLUMNS} FROM events WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_id_in(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Event>> {
    Ok(sqlx::query_as::<_, Event>(&format!("SELECT {COLUMNS} FROM events WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn by_ap_id(db: &Db, ap_id: &str) -> CoreResult<Option<Event>> {
    Ok(sqlx::query_as::<_, Event>(&format!("SELECT {COLUMNS} FROM events WHERE ap_id = $1"))
        .bind(ap_id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn tags_of(db: &Db, id: i64) -> CoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM event_tags WHERE event_id = $1 ORDER BY tag")
        .bind(id)
        .fetch_all(db.pool())
        .await?)
}

/// How an event is attended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Any,
    InPerson,
    Online,
}

impl Mode {
    pub fn parse(text: &str) -> Mode {
        match text {
            "in_person" => Mode::InPerson,
            "online" => Mode::Online,
            _ => Mode::Any,
        }
    }
}

/// What a calendar view asks for.
#[derive(Debug, Clone)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tag: Option<String>,
    /// Part of the city's name, folded.
    pub city: Option<String>,
    pub mode: Mode,
    /// Most occurrences returned.
    pub limit: usize,
}

/// One date of an event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dated {
    pub event: Event,
    pub tags: Vec<String>,
    /// RFC 3339, UTC.
    #[schema(value_type = String)]
    pub start: DateTime<Utc>,
    #[schema(value_type = String)]
    pub end: DateTime<Utc>,
}

/// The occurrences of visible events that overlap the window, in time order.
pub async fn occurrences(db: &Db, window: &Window) -> CoreResult<Vec<Dated>> {
    let mut conditions = vec![
        "e.deleted_at = 0".to_owned(),
        "e.starts_at < $1".to_owned(),
        "(e.ends_at = 0 OR e.ends_at > $2)".to_owned(),
    ];
    match window.mode {
        Mode::Any => {}
        Mode::Online => conditions.push("e.online_url <> ''".into()),
        Mode::InPerson => conditions.push("(e.place_name <> '' OR e.city <> '')".into()),
    }
    if window.tag.is_some() {
        conditions.push("EXISTS (SELECT 1 FROM event_tags g WHERE g.event_id = e.id AND g.tag = $3)".into());
    }
    let city = window.city.as_deref().map(maillage_core::text::fold).filter(|c| !c.is_empty());
    // Single events come in time order, so only the first `limit` can show (unless the city,
    // folded here, filters some out); series interleave their dates, so all are read.
    let single_limit = if city.is_none() { format!("LIMIT {}", window.limit) } else { String::new() };
    let conditions = conditions.join(" AND ");
    let mut events = Vec::new();
    for (kind, limit) in [("e.rrule = ''", single_limit.as_str()), ("e.rrule <> ''", "")] {
        let sql =
            format!("SELECT {COLUMNS} FROM events e WHERE {conditions} AND {kind} ORDER BY e.starts_at, e.id {limit}");
        let mut query =
            sqlx::query_as::<_, Event>(&sql).bind(window.to.timestamp_millis()).bind(window.from.timestamp_millis());
        if let Some(tag) = &window.tag {
            query = query.bind(tag);
        }
        events.extend(query.fetch_all(db.pool()).await?);
    }
    events.retain(|e| city.as_ref().is_none_or(|c| maillage_core::text::fold(&e.city).contains(c.as_str())));
    // When `limit` single events are already in, no date after the last of them can show:
    // series are expanded up to there only.
    let singles: Vec<i64> = events.iter().filter(|e| e.rrule.is_empty()).map(|e| e.starts_at).collect();
    let horizon = match singles.get(window.limit.saturating_sub(1)) {
        Some(last) => window.to.min(maillage_core::time::to_datetime(last + 1)),
        None => window.to,
    };
    // Dates first (cheap), events copied only for the dates kept.
    let per_event = window.limit.min(MAX_OCCURRENCES_PER_EVENT);
    let mut dates: Vec<(DateTime<Utc>, DateTime<Utc>, usize)> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        let to = if event.rrule.is_empty() { window.to } else { horizon };
        for Occurrence { start, end } in event.schedule().occurrences(window.from, to, per_event) {
            dates.push((start, end, index));
        }
    }
    dates.sort_by(|a, b| a.0.cmp(&b.0).then(events[a.2].id.cmp(&events[b.2].id)));
    dates.truncate(window.limit);
    let kept: Vec<&Event> = {
        let mut indexes: Vec<usize> = dates.iter().map(|d| d.2).collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes.into_iter().map(|i| &events[i]).collect()
    };
    let tags = tags_by_event(db, &kept).await?;
    Ok(dates
        .into_iter()
        .map(|(start, end, index)| {
            let event = events[index].clone();
            let tags = tags.get(&event.id).cloned().unwrap_or_default();
            Dated { event, tags, start, end }
        })
        .collect())
}

/// The tags of these events, by event id.
pub async fn tags_by_event(db: &Db, events: &[&Event]) -> CoreResult<std::collections::HashMap<i64, Vec<String>>> {
    let mut by_event: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if events.is_empty() {
        return Ok(by_event);
    }
    let ids = events.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String)> =
        sqlx::query_as(&format!("SELECT event_id, tag FROM event_tags WHERE event_id IN ({ids}) ORDER BY tag"))
            .fetch_all(db.pool())
            .await?;
    for (id, tag) in rows {
        by_event.entry(id).or_default().push(tag);
    }
    Ok(by_event)
}

/// Visible events (not occurrences), for the iCalendar feeds: those not over before `since`.
pub async fn for_feed(db: &Db, since: DateTime<Utc>, tag: Option<&str>, limit: i64) -> CoreResult<Vec<Event>> {
    let tag_condition = if tag.is_some() {
        "AND EXISTS (SELECT 1 FROM event_tags g WHERE g.event_id = e.id AND g.tag = $2)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM events e WHERE e.deleted_at = 0 AND (e.ends_at = 0 OR e.ends_at > $1) {tag_condition} \
         ORDER BY e.starts_at, e.id LIMIT {limit}"
    );
    let mut query = sqlx::query_as::<_, Event>(&sql).bind(since.timestamp_millis());
    if let Some(tag) = tag {
        query = query.bind(tag);
    }
    Ok(query.fetch_all(db.pool()).await?)
}

/// Another server's event, as the federation layer read it.
#[derive(Debug, Clone)]
pub struct RemoteEvent {
    pub ap_id: String,
    pub url: String,
    pub origin_actor: String,
    pub origin_name: String,
    pub title: String,
    /// Sanitised.
    pub description_html: String,
    pub language: String,
    pub schedule: Schedule,
    pub tags: Vec<String>,
    pub place_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: String,
    pub organiser_name: String,
    pub status: String,
    /// Whether people may register (by `Join`).
    pub registration: String,
    pub capacity: i64,
    pub participants: i64,
}

/// Stores or refreshes another server's event; returns its id.
pub async fn store_remote(conn: &mut AnyConnection, remote: &RemoteEvent) -> CoreResult<i64> {
    let (starts_at, ends_at) = bounds(&remote.schedule);
    let now = now_ms();
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM events WHERE ap_id = $1")
        .bind(&remote.ap_id)
        .fetch_optional(&mut *conn)
        .await?;
    let id = match existing {
        Some(id) => id,
        None => sqlx::query_scalar(
            "INSERT INTO events (ap_id, local, title, time_zone, start_local, end_local, starts_at, ends_at, created_at, \
             updated_at) VALUES ($1, 0, '', 'UTC', '', '', 0, 0, $2, $2) RETURNING id",
        )
        .bind(&remote.ap_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?,
    };
    sqlx::query(
        "UPDATE events SET url = $1, origin_actor = $2, origin_name = $3, title = $4, description_html = $5, \
         language = $6, time_zone = $7, start_local = $8, end_local = $9, all_day = $10, rrule = $11, exceptions = $12, \
         starts_at = $13, ends_at = $14, place_name = $15, street = $16, postal_code = $17, city = $18, latitude = $19, \
         longitude = $20, online_url = $21, organiser_kind = 'partner', organiser_name = $22, status = $23, \
         registration = $24, capacity = $25, remote_participants = $26, sequence = sequence + 1, updated_at = $27, \
         deleted_at = 0 WHERE id = $28",
    )
    .bind(&remote.url)
    .bind(&remote.origin_actor)
    .bind(maillage_core::text::clip(&remote.origin_name, 200))
    .bind(maillage_core::text::clip(&remote.title, MAX_TITLE_CHARS))
    .bind(&remote.description_html)
    .bind(&remote.language)
    .bind(remote.schedule.time_zone.name())
    .bind(remote.schedule.start.format(LOCAL_FORMAT).to_string())
    .bind(remote.schedule.end.format(LOCAL_FORMAT).to_string())
    .bind(i64::from(remote.schedule.all_day))
    .bind(rrule_of(&remote.schedule))
    .bind(exceptions_of(&remote.schedule))
    .bind(starts_at)
    .bind(ends_at)
    .bind(maillage_core::text::clip(&remote.place_name, 200))
    .bind(maillage_core::text::clip(&remote.street, 200))
    .bind(maillage_core::text::clip(&remote.postal_code, 20))
    .bind(maillage_core::text::clip(&remote.city, 100))
    .bind(remote.latitude)
    .bind(remote.longitude)
    .bind(&remote.online_url)
    .bind(maillage_core::text::clip(&remote.organiser_name, 200))
    .bind(&remote.status)
    .bind(&remote.registration)
    .bind(remote.capacity)
    .bind(remote.participants)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    set_tags(conn, id, &remote.tags).await?;
    Ok(id)
}

impl Event {
    pub fn ical_status(&self) -> crate::ical::Status {
        match self.status.as_str() {
            "cancelled" => crate::ical::Status::Cancelled,
            "postponed" => crate::ical::Status::Postponed,
            _ => crate::ical::Status::Confirmed,
        }
    }

    /// How people come, for the summary line (None for another server's event without the
    /// information).
    pub fn registration_line(&self) -> Option<crate::summary::Registration> {
        use crate::summary::Registration;
        if self.registration != "open" {
            return if self.is_local() { Some(Registration::FreeEntry) } else { None };
        }
        Some(match self.places_left() {
            None => Registration::Open,
            Some(0) => Registration::Full { waiting_list: self.waiting_list != 0 },
            Some(left) => Registration::Limited { places_left: u32::try_from(left).unwrap_or(u32::MAX) },
        })
    }

    /// The line that says when, where and how to come (what Mastodon shows under the title).
    /// With `occurrence`, that date; otherwise the series' rhythm, or the single date.
    pub fn summary(&self, occurrence: Option<DateTime<Utc>>, lang: crate::summary::Lang) -> String {
        let schedule = self.schedule();
        let when = crate::summary::when_line(&schedule, occurrence, lang);
        let place = self.place_line();
        crate::summary::summary(
            &crate::summary::SummaryParts {
                when: &when,
                place: (!place.is_empty()).then_some(place.as_str()),
                online: self.is_online(),
                registration: self.registration_line(),
                status: self.ical_status(),
            },
            lang,
        )
    }

    /// The event as an iCalendar VEVENT.
    pub fn to_ical(&self, tags: &[String]) -> crate::ical::IcalEvent {
        let mut description = maillage_core::markdown::html_to_text(&self.description_html.replace("</p>", "\n"));
        if !self.accessibility.is_empty() {
            description.push_str(&format!("\n\nAccessibilité : {}", self.accessibility));
        }
        if self.is_online() {
            description.push_str(&format!("\n\nEn ligne : {}", self.online_url));
        }
        if !self.status_note.is_empty() {
            description = format!("{}\n\n{description}", self.status_note);
        }
        let address = self.address_line();
        let location = match (address.is_empty(), self.is_online()) {
            (false, _) => Some(address),
            (true, true) => Some(self.online_url.clone()),
            (true, false) => None,
        };
        crate::ical::IcalEvent {
            uid: self.ap_id.clone(),
            url: Some(if self.url.is_empty() { self.ap_id.clone() } else { self.url.clone() }),
            title: self.title.clone(),
            description: description.trim().to_owned(),
            location,
            geo: self.latitude.zip(self.longitude),
            schedule: self.schedule(),
            status: self.ical_status(),
            sequence: u32::try_from(self.sequence).unwrap_or(0),
            created: maillage_core::time::to_datetime(self.created_at),
            updated: maillage_core::time::to_datetime(self.updated_at),
            categories: tags.to_vec(),
            organizer_name: (!self.organiser_name.is_empty()).then(|| self.organiser_name.clone()),
        }
    }
}

//! Calendar pages: upcoming events (the default view, good on a phone), month and day views,
//! an event's page (with its `.ics`, registration, and the `Event` object for servers), the
//! form to propose or change an event, the organiser's list of registrations (CSV too), and
//! the subscribable feeds (iCalendar per hub and per tag, Atom, RSS). Reads go to
//! `maillage_events`; writes to `maillage_federation::events`, which also publishes them.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use maillage_core::CoreError;
use maillage_core::feeds::{Feed, FeedItem};
use maillage_core::tags::normalise_tag;
use maillage_events::calendar::{self, Dated, Event, EventInput, Mode, Window};
use maillage_events::ical::Calendar;
use maillage_events::registrations;
use maillage_events::summary::{self, Lang as SummaryLang};
use maillage_federation::FederationError;
use maillage_federation::events::{self as fed_events, Registered};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::activitypub::{activity_json, wants_activity_json};
use crate::i18n::Lang;
use crate::web::csrf::CsrfForm;
use crate::web::pages::auth::EmptyForm;
use crate::web::{PageError, Viewer};

/// Zones offered in the form: metropolitan France and the overseas departments and territories.
const TIME_ZONES: &[&str] = &[
    "Europe/Paris",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Miquelon",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Pacific/Wallis",
    "UTC",
];
/// Most dates the list shows, and how far ahead it looks.
const LIST_LIMIT: usize = 300;
const LIST_DAYS: u64 = 366;

fn lang(viewer: &Viewer) -> SummaryLang {
    match viewer.lang {
        Lang::En => SummaryLang::En,
        Lang::Fr => SummaryLang::Fr,
    }
}

fn hub_zone(viewer: &Viewer) -> chrono_tz::Tz {
    maillage_events::schedule::parse_time_zone(&viewer.hub.default_timezone).unwrap_or(chrono_tz::Europe::Paris)
}

/// One date of an event, as lists show it.
fn item(dated: &Dated, lang: SummaryLang) -> Value {
    let tz = dated.event.tz();
    let (start, end) = (dated.start.with_timezone(&tz), dated.end.with_timezone(&tz));
    context! {
        event => &dated.event,
        tags => &dated.tags,
        time_label => summary::hours_label(start.naive_local(), end.naive_local(), dated.event.all_day != 0, lang),
        start_iso => start.to_rfc3339(),
        end_iso => end.to_rfc3339(),
        place => dated.event.place_line(),
        online => dated.event.is_online(),
        places_left => dated.event.places_left().filter(|_| dated.event.takes_registrations()),
        full => dated.event.takes_registrations() && dated.event.places_left() == Some(0),
    }
}

/// The local date an occurrence starts on, in its event's zone.
fn local_date(dated: &Dated) -> NaiveDate {
    dated.start.with_timezone(&dated.event.tz()).date_naive()
}

/// Occurrences grouped by day, for the list and the day view.
fn by_day(dated: &[Dated], lang: SummaryLang) -> Vec<Value> {
    let mut days: Vec<(NaiveDate, Vec<Value>)> = Vec::new();
    for d in dated {
        let date = local_date(d);
        match days.last_mut() {
            Some((last, items)) if *last == date => items.push(item(d, lang)),
            _ => days.push((date, vec![item(d, lang)])),
        }
    }
    days.sort_by_key(|(date, _)| *date);
    days.into_iter()
        .map(|(date, items)| context! { date_iso => date.to_string(), label => summary::day_heading(date, lang), items => items })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    tag: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    mode: String,
}

impl Filters {
    fn window(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Window {
        Window {
            from,
            to,
            tag: normalise_tag(&self.tag),
            city: Some(self.city.trim().to_owned()).filter(|c| !c.is_empty()),
            mode: Mode::parse(&self.mode),
            limit,
        }
    }
}

fn feed_links(state: &AppState, tag: Option<&str>) -> Value {
    let base = match tag {
        Some(tag) => format!("/events/tags/{tag}"),
        None => "/events".to_owned(),
    };
    let ics = state.ctx.config.url_for(&format!("{base}/calendar.ics"));
    let webcal = ics.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    context! {
        ics => ics,
        webcal => webcal,
        atom => format!("{base}/feed.atom"),
        rss => format!("{base}/feed.rss"),
    }
}

pub async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let window = filters.window(now, now + Days::new(LIST_DAYS), LIST_LIMIT);
    let dated = calendar::occurrences(&state.ctx.db, &window).await?;
    let today = now.with_timezone(&hub_zone(&viewer)).date_naive();
    let tag = window.tag.clone();
    Ok(viewer.render(
        &state,
        "events.html",
        context! {
            days => by_day(&dated, lang(&viewer)),
            total => dated.len(),
            filters => context! { tag => tag.clone().unwrap_or_default(), city => filters.city.trim(), mode => Mode::parse(&filters.mode) },
            modes => ["any", "in_person", "online"],
            month_link => format!("/events/month?m={}", today.format("%Y-%m")),
            today_iso => today.to_string(),
            may_create => viewer.user.is_some(),
            feeds => feed_links(&state, tag.as_deref()),
            handle => format!("@{}@{}", fed_events::CALENDAR, state.ctx.config.domain()),
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct MonthParams {
    #[serde(default)]
    m: String,
}

/// UTC bounds of local dates [first, last] in the hub's zone, widened by a day each side so
/// that events in other zones are not missed (they are placed by their own local date).
fn utc_bounds(first: NaiveDate, last: NaiveDate, zone: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = first - Days::new(1);
    let to = last + Days::new(2);
    let at = |d: NaiveDate| {
        zone.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc())
    };
    (at(from), at(to))
}

pub async fn month(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<MonthParams>,
) -> Result<Response, PageError> {
    let zone = hub_zone(&viewer);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let first = if params.m.is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", params.m.trim()), "%Y-%m-%d").map_err(|_| PageError::BadRequest)?
    };
    let last = (first + Months::new(1)) - Days::new(1);
    // Weeks start on Monday, as in France.
    let grid_start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let grid_end = last + Days::new(u64::from(6 - last.weekday().num_days_from_monday()));
    let (from, to) = utc_bounds(grid_start, grid_end, zone);
    let window = Filters::default().window(from, to, 2_000);
    let dated = calendar::occurrences(&state.ctx.db, &window).await?;
    let lang = lang(&viewer);
    let mut weeks = Vec::new();
    let mut day = grid_start;
    while day <= grid_end {
        let mut week = Vec::new();
        for _ in 0..7 {
            let items: Vec<Value> = dated
                .iter()
                .filter(|d| local_date(d) == day)
                .map(|d| {
                    let tz = d.event.tz();
                    context! {
                        id => d.event.id,
                        title => &d.event.title,
                        status => &d.event.status,
                        time_label => summary::hours_label(
                            d.start.with_timezone(&tz).naive_local(),
                            d.end.with_timezone(&tz).naive_local(),
                            d.event.all_day != 0,
                            lang,
                        ),
                    }
                })
                .collect();
            week.push(context! {
                date_iso => day.to_string(), day => day.day(), in_month => day.month() == first.month(),
                today => day == today, items => items,
            });
            day = day + Days::new(1);
        }
        weeks.push(week);
    }
    Ok(viewer.render(
        &state,
        "events_month.html",
        context! {
            month_label => summary::month_heading(first, lang),
            prev => (first - Months::new(1)).format("%Y-%m").to_string(),
            next => (first + Months::new(1)).format("%Y-%m").to_string(),
            weeks => weeks,
        },
    ))
}

pub async fn day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(date): Path<String>,
) -> Result<Response, PageError> {
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| PageError::NotFound)?;
    let (from, to) = utc_bounds(date, date, hub_zone(&viewer));
    let dated = calendar::occurrences(&state.ctx.db, &Filters::default().window(from, to, LIST_LIMIT)).await?;
    let dated: Vec<Dated> = dated.into_iter().filter(|d| local_date(d) == date).collect();
    let lang = lang(&viewer);
    let items: Vec<Value> = dated.iter().map(|d| item(d, lang)).collect();
    Ok(viewer.render(
        &state,
        "events_day.html",
        context! {
            date_label => summary::day_heading(date, lang),
            date_iso => date.to_string(),
            prev => (date - Days::new(1)).to_string(),
            next => (date + Days::new(1)).to_string(),
            items => items,
        },
    ))
}

async fn event_or_404(state: &AppState, id: i64) -> Result<Event, PageError> {
    calendar::by_id(&state.ctx.db, id).await?.filter(|e| e.deleted_at == 0).ok_or(PageError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct EventParams {
    #[serde(default)]
    notice: String,
}

pub async fn event_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<EventParams>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    if wants_activity_json(&headers) {
        let event = calendar::by_id(db, id).await?.filter(Event::is_local).ok_or(PageError::NotFound)?;
        if event.deleted_at != 0 {
            let mut response = activity_json(&fed_events::tombstone(&event));
            *response.status_mut() = StatusCode::GONE;
            return Ok(response);
        }
        let tags = calendar::tags_of(db, id).await?;
        let group = fed_events::calendar_actor(&state.fed).await?;
        return Ok(activity_json(&fed_events::event_document(&state.fed, &event, &tags, &group)));
    }
    let event = event_or_404(&state, id).await?;
    render_event(&state, &viewer, event, &params.notice, StatusCode::OK, context! {}).await
}

async fn render_event(
    state: &AppState,
    viewer: &Viewer,
    event: Event,
    notice: &str,
    status: StatusCode,
    errors: Value,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let lang = lang(viewer);
    let tags = calendar::tags_of(db, event.id).await?;
    let schedule = event.schedule();
    let next_dates: Vec<Value> = if schedule.recurrence.is_some() {
        let now = Utc::now();
        schedule
            .occurrences(now, now + Days::new(LIST_DAYS), 6)
            .into_iter()
            .map(|o| {
                let start = o.start.with_timezone(&schedule.time_zone);
                context! { label => summary::when_line(&schedule, Some(o.start), lang), iso => start.to_rfc3339() }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mine = match &viewer.user {
        Some(user) => registrations::of_member(db, event.id, user.id).await?.map(|r| r.status).unwrap_or_default(),
        None => String::new(),
    };
    let map_url = match (event.latitude, event.longitude) {
        (Some(lat), Some(lon)) => {
            format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")
        }
        _ => String::new(),
    };
    let may_edit = viewer.user.as_ref().is_some_and(|u| fed_events::may_edit(u, &event));
    let may_see =
        event.is_local() && viewer.user.as_ref().is_some_and(|u| fed_events::may_see_registrations(u, &event));
    let notice = match notice {
        "registered_confirmed" | "registered_waiting" | "registered_pending" | "unregistered" => notice,
        _ => "",
    };
    Ok(viewer.render_status(
        state,
        status,
        "event.html",
        context! {
            when => summary::when_line(&schedule, None, lang),
            next_dates => next_dates,
            address => event.address_line(),
            map_url => map_url,
            ics => format!("/events/{}/calendar.ics", event.id),
            registration => context! {
                open => event.takes_registrations(),
                capacity => event.capacity,
                confirmed => if event.is_local() { event.confirmed_count } else { event.remote_participants },
                places_left => event.places_left(),
                full => event.places_left() == Some(0),
                waiting_list => event.waiting_list != 0,
                mine => mine,
            },
            may_edit => may_edit,
            may_see_registrations => may_see,
            remote => !event.is_local(),
            notice => notice,
            errors => errors,
            tags => tags,
            event => event,
        },
    ))
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    input: &EventInput,
    errors: Value,
    event_id: Option<i64>,
) -> Response {
    let mut zones: Vec<&str> = TIME_ZONES.to_vec();
    if !input.time_zone.is_empty() && !zones.contains(&input.time_zone.as_str()) {
        zones.push(&input.time_zone);
    }
    viewer.render_status(
        state,
        status,
        "event_form.html",
        context! {
            form => input,
            errors => errors,
            action => match event_id { Some(id) => format!("/events/{id}/edit"), None => "/events/new".to_owned() },
            editing => event_id.is_some(),
            event_id => event_id,
            time_zones => zones,
        },
    )
}

pub async fn new_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_user()?;
    let input = EventInput {
        time_zone: viewer.hub.default_timezone.clone(),
        organiser_kind: "hub".into(),
        registration: "none".into(),
        waiting_list: true,
        repeat_end: "never".into(),
        ..Default::default()
    };
    Ok(form_page(&state, &viewer, StatusCode::OK, &input, context! {}, None))
}

/// The form as sent: browsers repeat `weekdays` for each ticked day and omit unticked boxes.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct EventForm(Vec<(String, String)>);

impl EventForm {
    fn input(&self) -> EventInput {
        let mut input = EventInput::default();
        for (name, value) in &self.0 {
            let value = value.clone();
            match name.as_str() {
                "title" => input.title = value,
                "description" => input.description = value,
                "tags" => input.tags = value,
                "start_date" => input.start_date = value,
                "start_time" => input.start_time = value,
                "end_date" => input.end_date = value,
                "end_time" => input.end_time = value,
                "all_day" => input.all_day = value != "0",
                "time_zone" => input.time_zone = value,
                "repeat" => input.repeat = value,
                "interval" => input.interval = value,
                "weekdays" => input.weekdays.push(value),
                "monthly_nth" => input.monthly_nth = value,
                "repeat_end" => input.repeat_end = value,
                "repeat_until" => input.repeat_until = value,
                "repeat_count" => input.repeat_count = value,
                "exceptions" => input.exceptions = value,
                "place_name" => input.place_name = value,
                "street" => input.street = value,
                "postal_code" => input.postal_code = value,
                "city" => input.city = value,
                "latitude" => input.latitude = value,
                "longitude" => input.longitude = value,
                "online_url" => input.online_url = value,
                "accessibility" => input.accessibility = value,
                "organiser_kind" => input.organiser_kind = value,
                "organiser_name" => input.organiser_name = value,
                "status" => input.status = value,
                "status_note" => input.status_note = value,
                "registration" => input.registration = value,
                "capacity" => input.capacity = value,
                "waiting_list" => input.waiting_list = value != "0",
                _ => {}
            }
        }
        input
    }
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<EventForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let input = form.input();
    match fed_events::create(&state.fed, user, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let errors = viewer.field_errors(&errors);
            Ok(form_page(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                Value::from_serialize(&errors),
                None,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let event = event_or_404(&state, id).await?;
    if !fed_events::may_edit(user, &event) {
        return Err(PageError::Forbidden);
    }
    let tags = calendar::tags_of(&state.ctx.db, id).await?;
    Ok(form_page(&state, &viewer, StatusCode::OK, &calendar::input_of(&event, &tags), context! {}, Some(id)))
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<EventForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let input = form.input();
    match fed_events::update(&state.fed, user, id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let errors = viewer.field_errors(&errors);
            Ok(form_page(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                Value::from_serialize(&errors),
                Some(id),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    fed_events::delete(&state.fed, user, id).await?;
    Ok(Redirect::to("/events").into_response())
}

pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    match fed_events::register_member(&state.fed, user, id).await {
        Ok(registered) => {
            let notice = match registered {
                Registered::Confirmed => "registered_confirmed",
                Registered::Waiting => "registered_waiting",
                Registered::Pending => "registered_pending",
            };
            Ok(Redirect::to(&format!("/events/{id}?notice={notice}")).into_response())
        }
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let event = event_or_404(&state, id).await?;
            let errors = Value::from_serialize(viewer.field_errors(&errors));
            render_event(&state, &viewer, event, "", StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unregister(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    fed_events::unregister_member(&state.fed, user, id).await?;
    Ok(Redirect::to(&format!("/events/{id}?notice=unregistered")).into_response())
}

/// The event, when `viewer` may see its registrations.
async fn organised(state: &AppState, viewer: &Viewer, id: i64) -> Result<Event, PageError> {
    let user = viewer.require_user()?;
    let event = event_or_404(state, id).await?;
    if !event.is_local() || !fed_events::may_see_registrations(user, &event) {
        return Err(PageError::Forbidden);
    }
    Ok(event)
}

async fn render_registrations(
    state: &AppState,
    viewer: &Viewer,
    event: Event,
    status: StatusCode,
    form: Value,
    errors: Value,
) -> Result<Response, PageError> {
    let list = registrations::list(&state.ctx.db, event.id).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|r| {
            let origin = if r.user_id.is_some() {
                "member".to_owned()
            } else if r.actor_ap_id.is_empty() {
                "offline".to_owned()
            } else {
                r.actor_ap_id.clone()
            };
            context! {
                id => r.id, name => &r.name, status => &r.status, origin => origin, contact => &r.contact,
                created_label => summary::day_heading(
                    maillage_core::time::to_datetime(r.created_at).with_timezone(&event.tz()).date_naive(),
                    lang(viewer),
                ),
            }
        })
        .collect();
    Ok(viewer.render_status(
        state,
        status,
        "event_registrations.html",
        context! {
            csv => format!("/events/{}/registrations.csv", event.id),
            registrations => rows,
            form => form,
            errors => errors,
            event => event,
        },
    ))
}

pub async fn registrations_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let event = organised(&state, &viewer, id).await?;
    render_registrations(&state, &viewer, event, StatusCode::OK, context! { name => "", contact => "" }, context! {})
        .await
}

#[derive(Deserialize, Default)]
pub struct OfflineForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
}

pub async fn add_registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<OfflineForm>,
) -> Result<Response, PageError> {
    let event = organised(&state, &viewer, id).await?;
    let user = viewer.require_user()?;
    match fed_events::register_offline(&state.fed, user, id, &form.name, &form.contact).await {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}/registrations")).into_response()),
        Err(FederationError::Core(CoreError::Invalid(errors))) => {
            let errors = Value::from_serialize(viewer.field_errors(&errors));
            let typed = context! { name => form.name, contact => form.contact };
            render_registrations(&state, &viewer, event, StatusCode::UNPROCESSABLE_ENTITY, typed, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_registration(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, registration_id)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let event = organised(&state, &viewer, id).await?;
    let list = registrations::list(&state.ctx.db, id).await?;
    let registration = list.into_iter().find(|r| r.id == registration_id).ok_or(PageError::NotFound)?;
    fed_events::cancel_registration(&state.fed, &event, &registration, None).await?;
    Ok(Redirect::to(&format!("/events/{id}/registrations")).into_response())
}

pub async fn registrations_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let event = organised(&state, &viewer, id).await?;
    let list = registrations::list(&state.ctx.db, id).await?;
    let header = [
        viewer.lang.text("events.csv_name"),
        viewer.lang.text("events.csv_status"),
        viewer.lang.text("events.csv_origin"),
        viewer.lang.text("events.csv_contact"),
        viewer.lang.text("events.csv_date"),
    ];
    let header = [header[0].as_str(), header[1].as_str(), header[2].as_str(), header[3].as_str(), header[4].as_str()];
    let label = |code: &str| match code {
        "member" | "offline" => viewer.lang.text(&format!("events.origin_{code}")),
        status => viewer.lang.text(&format!("events.registration_status_{status}")),
    };
    let zone = event.tz();
    let date = |ms: i64| maillage_core::time::to_datetime(ms).with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let body = registrations::to_csv(&list, &header, &label, &date);
    let disposition = format!("attachment; filename=\"inscriptions-{}.csv\"", event.id);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

fn ics_response(calendar: &Calendar, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file_name}\"")),
        ],
        calendar.to_ics(),
    )
        .into_response()
}

pub async fn event_ics(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let event = event_or_404(&state, id).await?;
    let tags = calendar::tags_of(&state.ctx.db, id).await?;
    let calendar = Calendar { name: event.title.clone(), description: None, events: vec![event.to_ical(&tags)] };
    Ok(ics_response(&calendar, &format!("evenement-{id}.ics")))
}

/// Events of the last month and to come (a subscribed calendar keeps recent history).
async fn feed_calendar(state: &AppState, viewer: &Viewer, tag: Option<&str>) -> Result<Calendar, PageError> {
    let since = Utc::now() - Days::new(31);
    let events = calendar::for_feed(&state.ctx.db, since, tag, 2_000).await?;
    let tags = calendar::tags_by_event(&state.ctx.db, &events.iter().collect::<Vec<_>>()).await?;
    let ical = events.iter().map(|e| e.to_ical(tags.get(&e.id).map(Vec::as_slice).unwrap_or_default())).collect();
    let name = match tag {
        Some(tag) => format!("{} · #{tag}", viewer.hub.name),
        None => viewer.hub.name.clone(),
    };
    Ok(Calendar { name, description: Some(viewer.hub.region.clone()).filter(|r| !r.is_empty()), events: ical })
}

pub async fn calendar_ics(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    Ok(ics_response(&feed_calendar(&state, &viewer, None).await?, "agenda.ics"))
}

pub async fn tag_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((tag, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let tag = normalise_tag(&tag).ok_or(PageError::NotFound)?;
    match file.as_str() {
        "calendar.ics" => {
            Ok(ics_response(&feed_calendar(&state, &viewer, Some(&tag)).await?, &format!("agenda-{tag}.ics")))
        }
        "feed.atom" | "feed.rss" => feed(&state, &viewer, Some(&tag), &file).await,
        _ => Err(PageError::NotFound),
    }
}

pub async fn atom(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    feed(&state, &viewer, None, "feed.atom").await
}

pub async fn rss(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    feed(&state, &viewer, None, "feed.rss").await
}

/// Atom or RSS of upcoming events (newest first by start), each with its one-line summary.
async fn feed(state: &AppState, viewer: &Viewer, tag: Option<&str>, file: &str) -> Result<Response, PageError> {
    let atom = match file {
        "feed.atom" => true,
        "feed.rss" => false,
        _ => return Err(PageError::NotFound),
    };
    let now = Utc::now();
    let window = Window {
        from: now,
        to: now + Days::new(LIST_DAYS),
        tag: tag.map(str::to_owned),
        city: None,
        mode: Mode::Any,
        limit: 50,
    };
    let dated = calendar::occurrences(&state.ctx.db, &window).await?;
    let lang = lang(viewer);
    let mut seen = Vec::new();
    let mut items = Vec::new();
    for d in dated.iter().filter(|d| {
        let first = !seen.contains(&d.event.id);
        seen.push(d.event.id);
        first
    }) {
        let line = d.event.summary(d.event.schedule().recurrence.as_ref().map(|_| d.start), lang);
        items.push(FeedItem {
            id: d.event.ap_id.clone(),
            title: d.event.title.clone(),
            link: state.ctx.config.url_for(&fed_events::event_path(d.event.id)),
            author: d.event.organiser_name.clone(),
            content_html: format!("<p>{}</p>{}", maillage_core::feeds::xml_escape(&line), d.event.description_html),
            published: d.event.created_at,
            updated: d.event.updated_at,
        });
    }
    let page_path = match tag {
        Some(tag) => format!("/events/tags/{tag}"),
        None => "/events".to_owned(),
    };
    let feed = Feed {
        title: format!("{} · {}", viewer.lang.text("events.title"), viewer.hub.name),
        link: state.ctx.config.url_for(&match tag {
            Some(tag) => format!("/events?tag={tag}"),
            None => "/events".to_owned(),
        }),
        self_link: state.ctx.config.url_for(&format!("{page_path}/{file}")),
        language: viewer.hub.default_language.clone(),
        items,
    };
    let (content_type, body) = if atom {
        ("application/atom+xml; charset=utf-8", feed.to_atom())
    } else {
        ("application/rss+xml; charset=utf-8", feed.to_rss())
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

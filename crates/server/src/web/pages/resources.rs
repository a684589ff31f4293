//! Library pages: the catalogue (facets and search), a resource's page (files, links, licence in
//! plain words), publishing and editing (each edit a version), the history of versions, file
//! uploads (streamed to the store, checked on the way) and downloads (streamed back).

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::CoreError;
use maillage_core::accounts::User;
use maillage_federation::FederationError;
use maillage_federation::resources as fed_resources;
use maillage_resources::files::{FileStore, UploadError};
use maillage_resources::library::{self, CatalogueQuery, Resource, ResourceInput};
use maillage_resources::{licences, vocabulary};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::AppState;
use crate::web::csrf::{CSRF_COOKIE, CsrfForm};
use crate::web::pages::auth::EmptyForm;
use crate::web::{PageError, Viewer};

/// Largest file a resource may attach (the upload route's body limit adds room for the form).
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// Where this hub keeps its files.
pub fn file_store(state: &AppState) -> FileStore {
    FileStore::for_data_dir(&state.ctx.config.data_dir)
}

fn may_edit(user: &User, resource: &Resource) -> bool {
    fed_resources::may_edit(user, resource)
}

/// Sizes as people read them: `820 o`, `12 Ko`, `1,2 Mo`.
fn size_label(bytes: i64, viewer: &Viewer) -> String {
    let (kb, mb) = match viewer.lang {
        crate::i18n::Lang::Fr => ("Ko", "Mo"),
        crate::i18n::Lang::En => ("KB", "MB"),
    };
    let text = if bytes < 1024 {
        format!("{bytes} o")
    } else if bytes < 1024 * 1024 {
        format!("{} {kb}", bytes / 1024)
    } else {
        format!("{:.1} {mb}", bytes as f64 / (1024.0 * 1024.0))
    };
    if viewer.lang == crate::i18n::Lang::Fr { text.replace('.', ",") } else { text }
}

/// The day of a time, in the hub's time zone (not UTC: a change at 00:30 in Paris is that day).
fn date_label(ms: i64, viewer: &Viewer) -> String {
    let lang = match viewer.lang {
        crate::i18n::Lang::Fr => maillage_events::summary::Lang::Fr,
        crate::i18n::Lang::En => maillage_events::summary::Lang::En,
    };
    let zone =
        maillage_events::schedule::parse_time_zone(&viewer.hub.default_timezone).unwrap_or(chrono_tz::Europe::Paris);
    maillage_events::summary::day_heading(maillage_core::time::to_datetime(ms).with_timezone(&zone).date_naive(), lang)
}

pub async fn catalogue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let catalogue = library::catalogue(db, &query).await?;
    let type_labels: std::collections::BTreeMap<String, String> =
        vocabulary::list(db, "resource_type").await?.into_iter().map(|t| (t.key, t.label)).collect();
    let licence_labels: std::collections::BTreeMap<&str, &str> =
        licences::LICENCES.iter().map(|l| (l.id, l.name)).collect();
    Ok(viewer.render(
        &state,
        "resources.html",
        context! {
            catalogue => catalogue,
            query => context! {
                q => query.q, theme => query.theme, public => query.public, resource_type => query.resource_type,
                licence => query.licence, origin => query.origin, language => query.language,
            },
            type_labels => type_labels,
            licence_labels => licence_labels,
            may_publish => viewer.user.is_some(),
            hub_name => &viewer.hub.name,
            handle => format!("@bibliotheque@{}", state.ctx.config.domain()),
        },
    ))
}

async fn visible(state: &AppState, id: i64) -> Result<library::Detail, PageError> {
    library::detail(&state.ctx.db, id).await?.filter(|d| d.resource.deleted_at == 0).ok_or(PageError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct PageParams {
    #[serde(default)]
    notice: String,
}

pub async fn resource_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<PageParams>,
) -> Result<Response, PageError> {
    if crate::activitypub::wants_activity_json(&headers) {
        let detail =
            library::detail(&state.ctx.db, id).await?.filter(|d| d.resource.is_local()).ok_or(PageError::NotFound)?;
        if detail.resource.deleted_at != 0 {
            let mut response = crate::activitypub::activity_json(&fed_resources::tombstone(&detail.resource));
            *response.status_mut() = StatusCode::GONE;
            return Ok(response);
        }
        let group = fed_resources::library_actor(&state.fed).await?;
        return Ok(crate::activitypub::activity_json(&fed_resources::article(&state.fed, &detail, &group)));
    }
    let detail = visible(&state, id).await?;
    let notice = if params.notice == "uploaded" { "uploaded" } else { "" };
    render_resource(&state, &viewer, detail, StatusCode::OK, notice, context! {}).await
}

async fn render_resource(
    state: &AppState,
    viewer: &Viewer,
    detail: library::Detail,
    status: StatusCode,
    notice: &str,
    errors: Value,
) -> Result<Response, PageError> {
    let adaptations = library::adaptations(&state.ctx.db, &detail.resource).await?;
    let may_adapt = viewer.user.is_some() && detail.licence.is_some_and(|l| l.derivatives);
    let files: Vec<Value> = detail
        .files
        .iter()
        .map(|f| {
            let href = if f.url.is_empty() { format!("/resources/files/{}/{}", f.id, f.name) } else { f.url.clone() };
            context! { id => f.id, name => &f.name, media_type => &f.media_type, size_label => size_label(f.size, viewer), href => href }
        })
        .collect();
    let editable = viewer.user.as_ref().is_some_and(|u| may_edit(u, &detail.resource));
    Ok(viewer.render_status(
        state,
        status,
        "resource.html",
        context! {
            files => files,
            updated_label => date_label(detail.resource.updated_at, viewer),
            may_edit => editable,
            may_upload => editable,
            remote => !detail.resource.is_local(),
            max_upload_label => size_label(MAX_UPLOAD_BYTES as i64, viewer),
            notice => notice,
            errors => errors,
            adaptations => adaptations,
            may_adapt => may_adapt,
            detail => detail,
        },
    ))
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: &ResourceInput,
    errors: Value,
    resource_id: Option<i64>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    // Adapting: the original, and only the licences its own allows.
    let origin = match form.derived_from.trim() {
        "" => None,
        ap_id => library::by_ap_id(db, ap_id).await?,
    };
    let allowed: Vec<&licences::Licence> = match origin.as_ref().and_then(|o| o.licence()) {
        Some(licence) => licences::allowed_for_adaptation(licence),
        None => licences::LICENCES.iter().collect(),
    };
    let licences: Vec<Value> = allowed.iter().map(|l| context! { id => l.id, name => l.name, url => l.url }).collect();
    let adapting = origin.map(|o| {
        let licence = o.licence();
        context! {
            title => &o.title,
            url => if o.url.is_empty() { o.ap_id.clone() } else { o.url.clone() },
            licence_name => licence.map(|l| l.name).unwrap_or_default(),
            share_alike => licence.is_some_and(|l| l.share_alike),
            non_commercial => licence.is_some_and(|l| l.non_commercial),
        }
    });
    Ok(viewer.render_status(
        state,
        status,
        "resource_form.html",
        context! {
            form => form,
            errors => errors,
            action => match resource_id { Some(id) => format!("/resources/{id}/edit"), None => "/resources/new".to_owned() },
            editing => resource_id.is_some(),
            resource_id => resource_id,
            vocab => context! {
                themes => vocabulary::list(db, "theme").await?,
                publics => vocabulary::list(db, "public").await?,
                resource_types => vocabulary::list(db, "resource_type").await?,
            },
            licences => licences,
            adapting => adapting,
        },
    ))
}

pub async fn new_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_user()?;
    let form = ResourceInput { language: "fr".into(), licence: licences::DEFAULT.into(), ..Default::default() };
    form_page(&state, &viewer, StatusCode::OK, &form, context! {}, None).await
}

/// "Adapter cette ressource": a new resource's form, started from the original (ours or another
/// hub's) when its licence allows derivatives.
pub async fn adapt_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require_user()?;
    let detail = visible(&state, id).await?;
    if !detail.licence.is_some_and(|l| l.derivatives) {
        return Err(PageError::Forbidden);
    }
    form_page(&state, &viewer, StatusCode::OK, &library::adaptation_draft(&detail), context! {}, None).await
}

/// The form as sent: browsers repeat `themes` and `publics` for each ticked box.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct ResourceForm(Vec<(String, String)>);

impl ResourceForm {
    fn input(&self) -> ResourceInput {
        let mut input = ResourceInput::default();
        for (name, value) in &self.0 {
            let value = value.clone();
            match name.as_str() {
                "title" => input.title = value,
                "summary" => input.summary = value,
                "body" => input.body = value,
                "language" => input.language = value,
                "licence" => input.licence = value,
                "resource_type" => input.resource_type = value,
                "themes" => input.themes.push(value),
                "publics" => input.publics.push(value),
                "authors" => input.authors = value,
                "links" => input.links = value,
                "change_note" => input.change_note = value,
                "derived_from" => input.derived_from = value,
                _ => {}
            }
        }
        input
    }
}

async fn refused(
    state: &AppState,
    viewer: &Viewer,
    input: &ResourceInput,
    error: CoreError,
    resource_id: Option<i64>,
) -> Result<Response, PageError> {
    match error {
        CoreError::Invalid(errors) => {
            let errors = Value::from_serialize(viewer.field_errors(&errors));
            form_page(state, viewer, StatusCode::UNPROCESSABLE_ENTITY, input, errors, resource_id).await
        }
        other => Err(other.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> Result<Response, PageError> {
    let user = viewer.require_user()?;
    let input = form.input();
    let id = match fed_resources::create(&state.fed, user, &input).await {
        Ok(id) => id,
        Err(FederationError::Core(e)) => return refused(&state, &viewer, &input, e, None).await,
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/resources/{id}")).into_response())
}

async fn editable(state: &AppState, viewer: &Viewer, id: i64) -> Result<(User, library::Detail), PageError> {
    let user = viewer.require_user()?.clone();
    let detail = visible(state, id).await?;
    if !may_edit(&user, &detail.resource) {
        return Err(PageError::Forbidden);
    }
    Ok((user, detail))
}

pub async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (_, detail) = editable(&state, &viewer, id).await?;
    // What it adapts is fixed at creation; the edit form does not carry it.
    let form = ResourceInput { derived_from: String::new(), ..library::input_of(&detail) };
    form_page(&state, &viewer, StatusCode::OK, &form, context! {}, Some(id)).await
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> Result<Response, PageError> {
    let (user, _) = editable(&state, &viewer, id).await?;
    let input = form.input();
    match fed_resources::update(&state.fed, &user, id, &input).await {
        Ok(_) => {}
        Err(FederationError::Core(e)) => return refused(&state, &viewer, &input, e, Some(id)).await,
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/resources/{id}")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let (user, _) = editable(&state, &viewer, id).await?;
    fed_resources::delete(&state.fed, &user, id).await?;
    Ok(Redirect::to("/resources").into_response())
}

/// A file arrives as multipart: the CSRF token first (the form puts it first), then the file,
/// streamed to the store and checked on the way.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    jar: axum_extra::extract::CookieJar,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (user, detail) = editable(&state, &viewer, id).await?;
    let cookie_token = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let mut csrf_ok = false;
    while let Some(field) = multipart.next_field().await.map_err(|_| PageError::BadRequest)? {
        match field.name() {
            Some("csrf_token") => {
                let token = field.text().await.map_err(|_| PageError::BadRequest)?;
                csrf_ok = !cookie_token.is_empty() && maillage_core::token::constant_time_eq(&cookie_token, &token);
            }
            Some("file") => {
                if !csrf_ok {
                    return Err(PageError::CsrfFailed);
                }
                let name = sanitise_file_name(field.file_name().unwrap_or_default());
                let stored = file_store(&state).put(&name, field, MAX_UPLOAD_BYTES).await;
                let stored = match stored {
                    Ok(stored) => stored,
                    Err(e) => {
                        let (status, code) = match e {
                            UploadError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "error.file_too_large"),
                            UploadError::TypeNotAllowed => {
                                (StatusCode::UNPROCESSABLE_ENTITY, "error.file_type_not_allowed")
                            }
                            UploadError::ContentMismatch => {
                                (StatusCode::UNPROCESSABLE_ENTITY, "error.file_content_mismatch")
                            }
                            UploadError::Empty => (StatusCode::UNPROCESSABLE_ENTITY, "error.file_empty"),
                            UploadError::Storage(e) => return Err(CoreError::Internal(e).into()),
                        };
                        let errors = context! { file => viewer.lang.text(code) };
                        return render_resource(&state, &viewer, detail, status, "", errors).await;
                    }
                };
                if let Err(e) = fed_resources::add_file(&state.fed, &user, id, &stored, &name).await {
                    // Not attached: the stored copy goes.
                    let _ = file_store(&state).delete(&stored.key).await;
                    return Err(e.into());
                }
                return Ok(Redirect::to(&format!("/resources/{id}?notice=uploaded")).into_response());
            }
            _ => {}
        }
    }
    Err(PageError::BadRequest)
}

/// A file name safe to show and to put in a URL: its last path part, without control
/// characters, slashes or quotes, at most 120 characters.
fn sanitise_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | '<' | '>' | '?' | '#' | '%'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "fichier".into() } else { cleaned }
}

/// Streams a stored file (never loaded whole in memory).
pub async fn download(
    State(state): State<AppState>,
    Path((file_id, _name)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let (name, media_type, key) = library::stored_file(&state.ctx.db, file_id).await?.ok_or(PageError::NotFound)?;
    let (file, size) = file_store(&state).open(&key).await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    // Images and PDFs open in the browser; the rest downloads under its name.
    let disposition =
        if media_type.starts_with("image/") || media_type == "application/pdf" { "inline" } else { "attachment" };
    // An ASCII name for old clients, the real one (RFC 6266 / 8187) for the others.
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
        ],
        body,
    )
        .into_response())
}

pub async fn versions_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    render_versions(&state, &viewer, id, None).await
}

pub async fn version_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, version)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    render_versions(&state, &viewer, id, Some(version)).await
}

async fn render_versions(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    shown: Option<i64>,
) -> Result<Response, PageError> {
    let detail = visible(state, id).await?;
    let versions = library::versions(&state.ctx.db, id).await?;
    let shown = match shown {
        Some(n) => Some(versions.iter().find(|v| v.version == n).ok_or(PageError::NotFound)?),
        None => None,
    };
    let row = |v: &library::Version| {
        context! {
            version => v.version, title => &v.title, summary => &v.summary, body_html => &v.body_html,
            change_note => &v.change_note, author_name => &v.author_name, created_label => date_label(v.created_at, viewer),
        }
    };
    Ok(viewer.render(
        state,
        "resource_versions.html",
        context! {
            resource => &detail.resource,
            versions => versions.iter().map(row).collect::<Vec<_>>(),
            shown => shown.map(row),
        },
    ))
}

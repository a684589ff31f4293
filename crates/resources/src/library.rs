//! Resources as stored: ours (checked from what a member fills in, each published edit a
//! version), and later other libraries' (same table, `local` = 0). The catalogue lists them
//! with facets (theme, public, type, licence, origin, language) and full-text search.

use maillage_core::Db;
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::search::{self, SearchQuery};
use maillage_core::time::now_ms;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

use crate::licences;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_SUMMARY_CHARS: usize = 500;
pub const MAX_BODY_BYTES: usize = 200 * 1024;
pub const PER_PAGE: i64 = 20;

/// What a member fills in (form and API).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResourceInput {
    pub title: String,
    /// Plain text that stands alone (Mastodon shows it with the title and a link).
    pub summary: String,
    /// Markdown (headings, images, links).
    pub body: String,
    /// `fr`, `en`, …
    pub language: String,
    /// SPDX id, or `all-rights-reserved`; Etalab 2.0 when empty.
    pub licence: String,
    /// A key of the `resource_type` vocabulary.
    pub resource_type: String,
    /// Keys of the `theme` vocabulary.
    pub themes: Vec<String>,
    /// Keys of the `public` vocabulary.
    pub publics: Vec<String>,
    /// One author per line: `Name` or `Name | https://their.page`.
    pub authors: String,
    /// One link per line: `https://…` or `Title | https://…`.
    pub links: String,
    /// What changed (for a new version).
    pub change_note: String,
    /// The ActivityPub id of the resource this adapts (local or another hub's), if any.
    pub derived_from: String,
}

/// Checked values, ready to store.
#[derive(Debug, Clone)]
pub struct ResourceFields {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub body_html: String,
    pub language: String,
    pub licence: String,
    pub resource_type: String,
    pub themes: Vec<String>,
    pub publics: Vec<String>,
    pub authors: Vec<(String, String)>,
    pub links: Vec<(String, String)>,
    pub change_note: String,
    /// What it adapts: (id, title, page), empty when original.
    pub derived_from: (String, String, String),
}

fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
}

/// `Name | https://…` lines into (name, url) pairs; `None` when a URL is not a web address.
fn pairs(text: &str, url_first_alone: bool) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, url) = match line.split_once('|') {
            Some((name, url)) => (name.trim().to_owned(), url.trim().to_owned()),
            None if url_first_alone => (String::new(), line.to_owned()),
            None => (line.to_owned(), String::new()),
        };
        if !url.is_empty() && !is_web_url(&url) {
            return None;
        }
        out.push((name, url));
    }
    Some(out)
}

/// Checks what a member filled in against the hub's vocabularies.
pub async fn check(db: &Db, input: &ResourceInput) -> CoreResult<ResourceFields> {
    let mut v = Validation::new();
    let title = input.title.trim();
    v.check(title.is_empty(), "title", "error.required");
    v.check(title.chars().count() > MAX_TITLE_CHARS, "title", "error.too_long");
    let summary = input.summary.trim();
    v.check(summary.is_empty(), "summary", "error.required");
    v.check(summary.chars().count() > MAX_SUMMARY_CHARS, "summary", "error.too_long");
    v.check(input.body.len() > MAX_BODY_BYTES, "body", "error.too_long");
    let licence = if input.licence.trim().is_empty() { licences::DEFAULT } else { input.licence.trim() };
    let licence = licences::find(licence).map(|l| l.id);
    v.check(licence.is_none(), "licence", "error.invalid_choice");
    let known = |kind: &'static str| async move {
        sqlx::query_scalar::<_, String>("SELECT key FROM resource_vocabulary WHERE kind = $1")
            .bind(kind)
            .fetch_all(db.pool())
            .await
    };
    let (types, themes, publics) = (known("resource_type").await?, known("theme").await?, known("public").await?);
    v.check(input.resource_type.is_empty() || !types.contains(&input.resource_type), "resource_type", "error.required");
    v.check(input.themes.is_empty(), "themes", "error.choose_one");
    v.check(input.themes.iter().any(|t| !themes.contains(t)), "themes", "error.invalid_choice");
    v.check(input.publics.iter().any(|p| !publics.contains(p)), "publics", "error.invalid_choice");
    let language = if input.language.trim().is_empty() { "fr" } else { input.language.trim() };
    v.check(
        language.len() > 8 || !language.chars().all(|c| c.is_ascii_alphabetic() || c == '-'),
        "language",
        "error.invalid_choice",
    );
    let authors = pairs(&input.authors, false);
    v.check(authors.is_none(), "authors", "error.invalid_url");
    let links = pairs(&input.links, true);
    v.check(links.is_none(), "links", "error.invalid_url");
    v.check(input.change_note.chars().count() > 500, "change_note", "error.too_long");
    // An adaptation: allowed by the original's licence, and under a licence it allows.
    let mut derived_from = (String::new(), String::new(), String::new());
    if !input.derived_from.trim().is_empty() {
        match by_ap_id(db, input.derived_from.trim()).await?.filter(|o| o.deleted_at == 0) {
            None => v.push("derived_from", "error.not_found"),
            Some(origin) => {
                let allowed = origin.licence().map(licences::allowed_for_adaptation).unwrap_or_default();
                if allowed.is_empty() {
                    v.push("derived_from", "error.licence_forbids_adaptation");
                } else if licence.is_some_and(|chosen| !allowed.iter().any(|l| l.id == chosen)) {
                    v.push("licence", "error.licence_not_allowed_for_adaptation");
                }
                let page = if origin.url.is_empty() { origin.ap_id.clone() } else { origin.url.clone() };
                derived_from = (origin.ap_id, origin.title, page);
            }
        }
    }
    v.finish()?;
    let mut themes_chosen = input.themes.clone();
    themes_chosen.dedup();
    let mut publics_chosen = input.publics.clone();
    publics_chosen.dedup();
    Ok(ResourceFields {
        title: title.to_owned(),
        summary: summary.to_owned(),
        body: input.body.clone(),
        body_html: maillage_core::markdown::render_document(&input.body),
        language: language.to_ascii_lowercase(),
        licence: licence.unwrap_or(licences::DEFAULT).to_owned(),
        resource_type: input.resource_type.clone(),
        themes: themes_chosen,
        publics: publics_chosen,
        authors: authors.unwrap_or_default(),
        links: links.unwrap_or_default(),
        change_note: input.change_note.trim().to_owned(),
        derived_from,
    })
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Resource {
    pub id: i64,
    pub ap_id: String,
    pub url: String,
    pub local: i64,
    pub origin_actor: String,
    pub origin_name: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub body_html: String,
    pub language: String,
    pub licence: String,
    pub resource_type: String,
    pub version: i64,
    pub derived_from: String,
    pub derived_from_title: String,
    pub derived_from_url: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: i64,
}

const COLUMNS: &str = "id, ap_id, url, local, origin_actor, origin_name, title, summary, body, body_html, language, \
    licence, resource_type, version, derived_from, derived_from_title, derived_from_url, created_by, created_at, \
    updated_at, deleted_at";

impl Resource {
    pub fn is_local(&self) -> bool {
        self.local != 0
    }

    pub fn licence(&self) -> Option<&'static licences::Licence> {
        licences::find(&self.licence)
    }
}

/// Our resources' public id: `{public_url}/resources/{id}`.
pub fn local_ap_id(base: &str, id: i64) -> String {
    format!("{}/resources/{id}", base.trim_end_matches('/'))
}

/// What the search index holds: title, summary, body and file names.
async fn index_text(conn: &mut AnyConnection, id: i64, fields: &ResourceFields) -> CoreResult<String> {
    let files: Vec<String> = sqlx::query_scalar("SELECT name FROM resource_files WHERE resource_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let body = maillage_core::markdown::html_to_text(&fields.body_html);
    let mut parts: Vec<&str> = vec![&fields.title, &fields.summary, &body];
    parts.extend(files.iter().map(String::as_str));
    Ok(search::index_text(&parts))
}

/// Refreshes the search words of a resource (after its files changed).
pub async fn reindex(conn: &mut AnyConnection, id: i64) -> CoreResult<()> {
    let resource = by_id_in(conn, id).await?.ok_or(CoreError::NotFound)?;
    let fields = ResourceFields {
        title: resource.title,
        summary: resource.summary,
        body: resource.body,
        body_html: resource.body_html,
        language: resource.language,
        licence: resource.licence,
        resource_type: resource.resource_type,
        themes: Vec::new(),
        publics: Vec::new(),
        authors: Vec::new(),
        links: Vec::new(),
        change_note: String::new(),
        derived_from: Default::default(),
    };
    let text = index_text(conn, id, &fields).await?;
    sqlx::query("UPDATE resources SET search_text = $1 WHERE id = $2").bind(text).bind(id).execute(&mut *conn).await?;
    Ok(())
}

async fn set_details(conn: &mut AnyConnection, id: i64, fields: &ResourceFields) -> CoreResult<()> {
    for table in ["resource_terms", "resource_authors", "resource_links"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE resource_id = $1")).bind(id).execute(&mut *conn).await?;
    }
    for (kind, keys) in [("theme", &fields.themes), ("public", &fields.publics)] {
        for key in keys {
            sqlx::query(
                "INSERT INTO resource_terms (resource_id, kind, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
    }
    for (position, (name, url)) in fields.authors.iter().enumerate() {
        sqlx::query("INSERT INTO resource_authors (resource_id, position, name, url) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(position as i64)
            .bind(name)
            .bind(url)
            .execute(&mut *conn)
            .await?;
    }
    for (position, (title, url)) in fields.links.iter().enumerate() {
        sqlx::query("INSERT INTO resource_links (resource_id, position, title, url) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(position as i64)
            .bind(title)
            .bind(url)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn record_version(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    fields: &ResourceFields,
    author_name: &str,
    now: i64,
) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO resource_versions (resource_id, version, title, summary, body, body_html, change_note, author_name, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(version)
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(&fields.body)
    .bind(&fields.body_html)
    .bind(&fields.change_note)
    .bind(author_name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Who publishes: a member of this hub.
pub struct Publisher<'a> {
    pub user_id: i64,
    pub name: &'a str,
}

/// Stores one of our resources and its first version (inside the caller's transaction).
pub async fn insert(
    conn: &mut AnyConnection,
    base: &str,
    fields: &ResourceFields,
    publisher: &Publisher<'_>,
) -> CoreResult<i64> {
    let now = now_ms();
    let placeholder = format!("urn:maillage:pending:{}", maillage_core::token::random_token());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO resources (ap_id, local, title, summary, body, body_html, language, licence, resource_type, \
         created_by, created_at, updated_at, derived_from, derived_from_title, derived_from_url) \
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13) RETURNING id",
    )
    .bind(&placeholder)
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(&fields.body)
    .bind(&fields.body_html)
    .bind(&fields.language)
    .bind(&fields.licence)
    .bind(&fields.resource_type)
    .bind(publisher.user_id)
    .bind(now)
    .bind(&fields.derived_from.0)
    .bind(&fields.derived_from.1)
    .bind(&fields.derived_from.2)
    .fetch_one(&mut *conn)
    .await?;
    let ap_id = local_ap_id(base, id);
    let text = index_text(conn, id, fields).await?;
    sqlx::query("UPDATE resources SET ap_id = $1, url = $1, search_text = $2 WHERE id = $3")
        .bind(&ap_id)
        .bind(text)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    set_details(conn, id, fields).await?;
    record_version(conn, id, 1, fields, publisher.name, now).await?;
    Ok(id)
}

/// Publishes an edit of one of our resources as its next version.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    fields: &ResourceFields,
    publisher: &Publisher<'_>,
) -> CoreResult<i64> {
    let now = now_ms();
    let text = index_text(conn, id, fields).await?;
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE resources SET title = $1, summary = $2, body = $3, body_html = $4, language = $5, licence = $6, \
         resource_type = $7, search_text = $8, version = version + 1, updated_at = $9 \
         WHERE id = $10 AND local = 1 AND deleted_at = 0 RETURNING version",
    )
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(&fields.body)
    .bind(&fields.body_html)
    .bind(&fields.language)
    .bind(&fields.licence)
    .bind(&fields.resource_type)
    .bind(text)
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let version = version.ok_or(CoreError::NotFound)?;
    set_details(conn, id, fields).await?;
    record_version(conn, id, version, fields, publisher.name, now).await?;
    Ok(version)
}

/// Soft deletion: the row stays so that servers asking for it get a tombstone.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> CoreResult<()> {
    sqlx::query("UPDATE resources SET deleted_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: i64) -> CoreResult<Option<Resource>> {
    Ok(sqlx::query_as::<_, Resource>(&format!("SELECT {COLUMNS} FROM resources WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn by_id_in(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Resource>> {
    Ok(sqlx::query_as::<_, Resource>(&format!("SELECT {COLUMNS} FROM resources WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A resource with everything its page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Detail {
    pub resource: Resource,
    pub licence: Option<licences::Licence>,
    /// (key, label) pairs, in the vocabulary's order.
    pub themes: Vec<(String, String)>,
    pub publics: Vec<(String, String)>,
    pub resource_type_label: String,
    pub authors: Vec<(String, String)>,
    pub links: Vec<(String, String)>,
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct File {
    pub id: i64,
    pub resource_id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub storage_key: String,
    pub url: String,
    pub created_at: i64,
}

pub async fn detail(db: &Db, id: i64) -> CoreResult<Option<Detail>> {
    let mut conn = db.pool().acquire().await?;
    detail_in(&mut conn, id).await
}

/// A resource's detail read on `conn` (inside a transaction that just changed it).
pub async fn detail_in(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Detail>> {
    let Some(resource) = by_id_in(conn, id).await? else { return Ok(None) };
    let mut terms = Vec::new();
    for kind in ["theme", "public"] {
        terms.push(
            sqlx::query_as::<_, (String, String)>(
                "SELECT t.key, COALESCE(v.label, t.key) FROM resource_terms t \
                 LEFT JOIN resource_vocabulary v ON v.kind = t.kind AND v.key = t.key \
                 WHERE t.resource_id = $1 AND t.kind = $2 ORDER BY COALESCE(v.position, 0), t.key",
            )
            .bind(id)
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?,
        );
    }
    let publics = terms.pop().unwrap_or_default();
    let themes = terms.pop().unwrap_or_default();
    let resource_type_label: Option<String> =
        sqlx::query_scalar("SELECT label FROM resource_vocabulary WHERE kind = 'resource_type' AND key = $1")
            .bind(&resource.resource_type)
            .fetch_optional(&mut *conn)
            .await?;
    let authors = sqlx::query_as::<_, (String, String)>(
        "SELECT name, url FROM resource_authors WHERE resource_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let links = sqlx::query_as::<_, (String, String)>(
        "SELECT title, url FROM resource_links WHERE resource_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let files = sqlx::query_as::<_, File>(
        "SELECT id, resource_id, name, media_type, size, storage_key, url, created_at FROM resource_files \
         WHERE resource_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Detail {
        licence: resource.licence().copied(),
        resource_type_label: resource_type_label.unwrap_or_else(|| resource.resource_type.clone()),
        resource,
        themes,
        publics,
        authors,
        links,
        files,
    }))
}

/// Attaches a stored file to one of our resources (inside the caller's transaction) and adds
/// its name to the search words.
pub async fn add_file(
    conn: &mut AnyConnection,
    resource_id: i64,
    name: &str,
    media_type: &str,
    size: u64,
    storage_key: &str,
) -> CoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO resource_files (resource_id, name, media_type, size, storage_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(resource_id)
    .bind(name)
    .bind(media_type)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(storage_key)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    reindex(conn, resource_id).await?;
    Ok(id)
}

/// A stored file of a visible resource: (name, media type, storage key).
pub async fn stored_file(db: &Db, file_id: i64) -> CoreResult<Option<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT f.name, f.media_type, f.storage_key FROM resource_files f JOIN resources r ON r.id = f.resource_id \
         WHERE f.id = $1 AND r.deleted_at = 0 AND f.storage_key <> ''",
    )
    .bind(file_id)
    .fetch_optional(db.pool())
    .await?)
}

/// The form's values for a resource being edited.
pub fn input_of(detail: &Detail) -> ResourceInput {
    let lines = |pairs: &[(String, String)], url_alone: bool| {
        pairs
            .iter()
            .map(|(name, url)| match (name.is_empty(), url.is_empty()) {
                (true, _) if url_alone => url.clone(),
                (_, true) => name.clone(),
                _ => format!("{name} | {url}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let r = &detail.resource;
    ResourceInput {
        title: r.title.clone(),
        summary: r.summary.clone(),
        body: r.body.clone(),
        language: r.language.clone(),
        licence: r.licence.clone(),
        resource_type: r.resource_type.clone(),
        themes: detail.themes.iter().map(|(k, _)| k.clone()).collect(),
        publics: detail.publics.iter().map(|(k, _)| k.clone()).collect(),
        authors: lines(&detail.authors, false),
        links: lines(&detail.links, true),
        change_note: String::new(),
        derived_from: r.derived_from.clone(),
    }
}

/// The form of a new resource adapting `origin`: its content to start from, its classification,
/// its licence (the same by default: share-alike requires it), its authors credited.
pub fn adaptation_draft(origin: &Detail) -> ResourceInput {
    let mut draft = input_of(origin);
    let r = &origin.resource;
    if draft.body.is_empty() {
        // Another hub's resource comes as HTML: its text, paragraph by paragraph.
        draft.body = maillage_core::markdown::html_to_text(&r.body_html.replace("</p>", "\n\n").replace("<br>", "\n"));
    }
    draft.title = format!("{} (adaptation)", r.title);
    draft.derived_from = r.ap_id.clone();
    draft.change_note = String::new();
    draft
}

/// An adaptation of one of our resources made elsewhere.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Adaptation {
    pub title: String,
    pub url: String,
    pub origin_name: String,
}

/// Adaptations of a resource: made here (derived resources) and on other hubs (as told).
pub async fn adaptations(db: &Db, resource: &Resource) -> CoreResult<Vec<Adaptation>> {
    Ok(sqlx::query_as::<_, Adaptation>(
        "SELECT title, url, '' AS origin_name FROM resources WHERE derived_from = $1 AND deleted_at = 0 AND local = 1 \
         UNION ALL SELECT title, url, origin_name FROM resource_adaptations WHERE resource_id = $2 \
         ORDER BY title",
    )
    .bind(&resource.ap_id)
    .bind(resource.id)
    .fetch_all(db.pool())
    .await?)
}

/// Another hub tells us it adapted one of our resources.
pub async fn record_adaptation(
    conn: &mut AnyConnection,
    resource_id: i64,
    ap_id: &str,
    title: &str,
    url: &str,
    origin_name: &str,
) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO resource_adaptations (resource_id, ap_id, title, url, origin_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ap_id) DO UPDATE SET title = $3, url = $4",
    )
    .bind(resource_id)
    .bind(ap_id)
    .bind(maillage_core::text::clip(title, MAX_TITLE_CHARS))
    .bind(url)
    .bind(maillage_core::text::clip(origin_name, 200))
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Version {
    pub version: i64,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub change_note: String,
    pub author_name: String,
    pub created_at: i64,
}

/// Every version, newest first.
pub async fn versions(db: &Db, id: i64) -> CoreResult<Vec<Version>> {
    Ok(sqlx::query_as::<_, Version>(
        "SELECT version, title, summary, body_html, change_note, author_name, created_at FROM resource_versions \
         WHERE resource_id = $1 ORDER BY version DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

/// What the catalogue asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CatalogueQuery {
    /// Words to find (title, summary, body, file names; French stemming, accents folded).
    pub q: String,
    pub theme: String,
    pub public: String,
    pub resource_type: String,
    pub licence: String,
    /// `local` (this hub), or the name of another hub.
    pub origin: String,
    pub language: String,
    pub page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Summary {
    pub id: i64,
    pub ap_id: String,
    pub url: String,
    pub local: i64,
    pub origin_name: String,
    pub title: String,
    pub summary: String,
    pub licence: String,
    pub resource_type: String,
    pub language: String,
    pub updated_at: i64,
}

/// One value of a facet with how many resources of the current selection have it.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct FacetValue {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub themes: Vec<FacetValue>,
    pub publics: Vec<FacetValue>,
    pub resource_types: Vec<FacetValue>,
    pub licences: Vec<FacetValue>,
    pub origins: Vec<FacetValue>,
    pub languages: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Catalogue {
    pub items: Vec<Summary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub facets: Facets,
}

/// Adds a bound value; returns its placeholder (`$n`).
fn bind(value: &str, binds: &mut Vec<String>) -> String {
    binds.push(value.to_owned());
    format!("${}", binds.len())
}

/// The catalogue: visible resources matching the query, newest first, with facet counts over
/// the whole selection.
pub async fn catalogue(db: &Db, query: &CatalogueQuery) -> CoreResult<Catalogue> {
    let mut conditions = vec!["r.deleted_at = 0".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let parsed = SearchQuery::parse(&query.q);
    if !parsed.is_empty() {
        bind(&parsed.match_expression(db.engine()), &mut binds);
        conditions.push(SearchQuery::condition(db.engine(), "resources", "r.id", "r.search_text", binds.len()));
    }
    for (kind, value) in [("theme", &query.theme), ("public", &query.public)] {
        if !value.is_empty() {
            let p = bind(value, &mut binds);
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM resource_terms t WHERE t.resource_id = r.id AND t.kind = '{kind}' AND t.key = {p})"
            ));
        }
    }
    for (column, value) in
        [("r.resource_type", &query.resource_type), ("r.licence", &query.licence), ("r.language", &query.language)]
    {
        if !value.is_empty() {
            let p = bind(value, &mut binds);
            conditions.push(format!("{column} = {p}"));
        }
    }
    match query.origin.as_str() {
        "" => {}
        "local" => conditions.push("r.local = 1".into()),
        other => {
            let p = bind(other, &mut binds);
            conditions.push(format!("r.local = 0 AND r.origin_name = {p}"));
        }
    }
    let filter = conditions.join(" AND ");
    let run_scalar = |sql: String| {
        let binds = binds.clone();
        async move {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_one(db.pool()).await
        }
    };
    let total = run_scalar(format!("SELECT COUNT(*) FROM resources r WHERE {filter}")).await?;
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let sql = format!(
        "SELECT r.id, r.ap_id, r.url, r.local, r.origin_name, r.title, r.summary, r.licence, r.resource_type, r.language, \
         r.updated_at FROM resources r WHERE {filter} ORDER BY r.updated_at DESC, r.id DESC LIMIT {PER_PAGE} OFFSET {}",
        (page - 1) * PER_PAGE
    );
    let mut select = sqlx::query_as::<_, Summary>(&sql);
    for b in &binds {
        select = select.bind(b);
    }
    let items = select.fetch_all(db.pool()).await?;
    let facet = |sql: String| {
        let binds = binds.clone();
        async move {
            let mut q = sqlx::query_as::<_, FacetValue>(&sql);
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_all(db.pool()).await
        }
    };
    let term_facet = |kind: &str| {
        format!(
            "SELECT t.key, COALESCE(v.label, t.key) AS label, COUNT(*) AS count FROM resources r \
             JOIN resource_terms t ON t.resource_id = r.id AND t.kind = '{kind}' \
             LEFT JOIN resource_vocabulary v ON v.kind = t.kind AND v.key = t.key \
             WHERE {filter} GROUP BY t.key, v.label ORDER BY count DESC, label"
        )
    };
    let facets = Facets {
        themes: facet(term_facet("theme")).await?,
        publics: facet(term_facet("public")).await?,
        resource_types: facet(format!(
            "SELECT r.resource_type AS key, COALESCE(v.label, r.resource_type) AS label, COUNT(*) AS count FROM resources r \
             LEFT JOIN resource_vocabulary v ON v.kind = 'resource_type' AND v.key = r.resource_type \
             WHERE {filter} GROUP BY r.resource_type, v.label ORDER BY count DESC, label"
        ))
        .await?,
        licences: facet(format!(
            "SELECT r.licence AS key, r.licence AS label, COUNT(*) AS count FROM resources r WHERE {filter} \
             GROUP BY r.licence ORDER BY count DESC, label"
        ))
        .await?
        .into_iter()
        .map(|mut f| {
            if let Some(l) = licences::find(&f.key) {
                f.label = l.name.to_owned();
            }
            f
        })
        .collect(),
        origins: facet(format!(
            "SELECT CASE WHEN r.local = 1 THEN 'local' ELSE r.origin_name END AS key, \
             CASE WHEN r.local = 1 THEN '' ELSE r.origin_name END AS label, COUNT(*) AS count FROM resources r \
             WHERE {filter} GROUP BY r.local, r.origin_name ORDER BY count DESC, label"
        ))
        .await?,
        languages: facet(format!(
            "SELECT r.language AS key, r.language AS label, COUNT(*) AS count FROM resources r WHERE {filter} \
             GROUP BY r.language ORDER BY count DESC, label"
        ))
        .await?,
    };
    Ok(Catalogue { items, total, page, pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1), facets })
}

/// Another library's resource, as the federation layer read it.
#[derive(Debug, Clone)]
pub struct RemoteResource {
    pub ap_id: String,
    pub url: String,
    pub origin_actor: String,
    pub origin_name: String,
    pub title: String,
    pub summary: String,
    /// Sanitised.
    pub body_html: String,
    pub language: String,
    /// SPDX id, or `all-rights-reserved` when unknown (nothing is allowed that was not said).
    pub licence: String,
    pub resource_type: String,
    /// Keys known to this hub's vocabulary only.
    pub themes: Vec<String>,
    pub publics: Vec<String>,
    pub authors: Vec<(String, String)>,
    pub links: Vec<(String, String)>,
    /// (name, media type, url): linked, not copied.
    pub files: Vec<(String, String, String)>,
    pub version: i64,
    pub derived_from: String,
    pub published_at: i64,
    pub updated_at: i64,
}

/// Stores or refreshes another library's resource; returns its id. A deleted one stays deleted.
pub async fn store_remote(conn: &mut AnyConnection, remote: &RemoteResource) -> CoreResult<Option<i64>> {
    let existing: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT id, deleted_at, updated_at FROM resources WHERE ap_id = $1")
            .bind(&remote.ap_id)
            .fetch_optional(&mut *conn)
            .await?;
    let id = match existing {
        Some((_, deleted, _)) if deleted != 0 => return Ok(None),
        // An older copy than ours (an outbox read after a delivery): keep ours.
        Some((id, _, updated)) if updated > remote.updated_at => return Ok(Some(id)),
        Some((id, _, _)) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO resources (ap_id, local, title, licence, created_at, updated_at) \
             VALUES ($1, 0, '', $2, $3, $3) RETURNING id",
            )
            .bind(&remote.ap_id)
            .bind(&remote.licence)
            .bind(remote.published_at)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let fields = ResourceFields {
        title: maillage_core::text::clip(&remote.title, MAX_TITLE_CHARS),
        summary: maillage_core::text::clip(&remote.summary, MAX_SUMMARY_CHARS * 2),
        body: String::new(),
        body_html: remote.body_html.clone(),
        language: remote.language.clone(),
        licence: remote.licence.clone(),
        resource_type: remote.resource_type.clone(),
        themes: remote.themes.clone(),
        publics: remote.publics.clone(),
        authors: remote.authors.clone(),
        links: remote.links.clone(),
        change_note: String::new(),
        derived_from: Default::default(),
    };
    sqlx::query(
        "UPDATE resources SET url = $1, origin_actor = $2, origin_name = $3, title = $4, summary = $5, body_html = $6, \
         language = $7, licence = $8, resource_type = $9, version = $10, derived_from = $11, updated_at = $12 \
         WHERE id = $13",
    )
    .bind(&remote.url)
    .bind(&remote.origin_actor)
    .bind(maillage_core::text::clip(&remote.origin_name, 200))
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(&fields.body_html)
    .bind(&fields.language)
    .bind(&fields.licence)
    .bind(&fields.resource_type)
    .bind(remote.version.max(1))
    .bind(&remote.derived_from)
    .bind(remote.updated_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    set_details(conn, id, &fields).await?;
    sqlx::query("DELETE FROM resource_files WHERE resource_id = $1").bind(id).execute(&mut *conn).await?;
    for (name, media_type, url) in &remote.files {
        sqlx::query(
            "INSERT INTO resource_files (resource_id, name, media_type, url, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(maillage_core::text::clip(name, 200))
        .bind(media_type)
        .bind(url)
        .bind(remote.updated_at)
        .execute(&mut *conn)
        .await?;
    }
    let text = index_text(conn, id, &fields).await?;
    sqlx::query("UPDATE resources SET search_text = $1 WHERE id = $2").bind(text).bind(id).execute(&mut *conn).await?;
    Ok(Some(id))
}

/// Another library deleted its resource.
pub async fn delete_remote(conn: &mut AnyConnection, ap_id: &str, origin_actor: &str) -> CoreResult<bool> {
    let deleted =
        sqlx::query("UPDATE resources SET deleted_at = $1 WHERE ap_id = $2 AND local = 0 AND origin_actor = $3")
            .bind(now_ms())
            .bind(ap_id)
            .bind(origin_actor)
            .execute(&mut *conn)
            .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Keys of a vocabulary kind this hub knows (to keep only those of a remote resource).
pub async fn known_keys(db: &Db, kind: &str) -> CoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT key FROM resource_vocabulary WHERE kind = $1")
        .bind(kind)
        .fetch_all(db.pool())
        .await?)
}

pub async fn by_ap_id(db: &Db, ap_id: &str) -> CoreResult<Option<Resource>> {
    Ok(sqlx::query_as::<_, Resource>(&format!("SELECT {COLUMNS} FROM resources WHERE ap_id = $1"))
        .bind(ap_id)
        .fetch_optional(db.pool())
        .await?)
}

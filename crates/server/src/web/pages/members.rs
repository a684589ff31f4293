//! The member directory ("trombinoscope") and profile pages.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maillage_core::accounts::{self, AccountStatus, DirectoryQuery};
use minijinja::context;

use crate::AppState;
use crate::web::{PageError, Viewer};

pub async fn directory(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, PageError> {
    let db = &state.ctx.db;
    let page = accounts::directory(db, &query).await?;
    let territories = accounts::known_territories(db).await?;
    let pages = (page.total + i64::from(page.per_page) - 1) / i64::from(page.per_page);
    Ok(viewer.render(
        &state,
        "members.html",
        context! {
            query => context! { q => &query.q, territory => &query.territory, skill => &query.skill },
            members => &page.members,
            total => page.total,
            page => page.page,
            pages => pages,
            territories => territories,
        },
    ))
}

pub async fn profile(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    // The same URL is the member's page and their ActivityPub actor.
    if crate::activitypub::wants_activity_json(&headers) {
        return Ok(crate::activitypub::person_document(&state, &username.to_lowercase()).await);
    }
    let member = accounts::user_by_username(&state.ctx.db, &username)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or(PageError::NotFound)?;
    let mut response = viewer.render(&state, "profile.html", context! { member => member });
    // The same URL serves the actor document: caches must key on Accept.
    response.headers_mut().insert(axum::http::header::VARY, axum::http::HeaderValue::from_static("Accept"));
    Ok(response)
}

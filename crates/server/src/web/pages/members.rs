//! The member directory ("trombinoscope") and profile pages.

use axum::extract::{Path, Query, State};
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
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    let member = accounts::user_by_username(&state.ctx.db, &username)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or(PageError::NotFound)?;
    Ok(viewer.render(&state, "profile.html", context! { member => member }))
}

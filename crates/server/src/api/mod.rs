//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//!
//! The document is generated from the handlers' annotations by utoipa, and the router is built
//! from the same annotations, so a route cannot exist without its description.

mod accounts;
mod admin;
mod events;
pub mod federation;
mod forum;
mod resources;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use maillage_core::accounts::{Role, SessionKind, User};
use maillage_core::{CoreError, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::i18n::Lang;

#[derive(OpenApi)]
#[openapi(
    info(title = "Maillage API", description = "Everything a Maillage hub's pages can do, as JSON.", license(name = "AGPL-3.0-or-later")),
    modifiers(&BearerAuth),
    tags(
        (name = "hub", description = "The hub's identity"),
        (name = "accounts", description = "Registration, tokens and one's own account"),
        (name = "members", description = "The member directory"),
        (name = "admin", description = "Administration (admins only)"),
        (name = "forum", description = "Categories, topics, replies, solutions, likes, search, reports and moderation"),
        (name = "notifications", description = "One's notifications"),
        (name = "events", description = "The calendar: dates, events, registrations"),
        (name = "resources", description = "The library: catalogue, resources, versions, vocabularies"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The OpenAPI router of every API endpoint.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::hub_identity))
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::create_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(accounts::me, accounts::delete_me))
        .routes(routes!(accounts::update_profile))
        .routes(routes!(accounts::change_password))
        .routes(routes!(accounts::directory))
        .routes(routes!(accounts::member))
        .routes(routes!(admin::update_hub))
        .routes(routes!(admin::registrations))
        .routes(routes!(admin::approve))
        .routes(routes!(admin::reject))
        .routes(routes!(admin::invitations, admin::create_invitation))
        .routes(routes!(admin::revoke_invitation))
        .routes(routes!(admin::set_role))
        .routes(routes!(federation::status))
        .routes(routes!(federation::follow, federation::unfollow))
        .routes(routes!(federation::set_policy))
        .routes(routes!(federation::network_list))
        .routes(routes!(forum::categories))
        .routes(routes!(forum::all_topics))
        .routes(routes!(forum::category_topics, forum::create_topic))
        .routes(routes!(forum::topic))
        .routes(routes!(forum::reply))
        .routes(routes!(forum::edit_post, forum::delete_post))
        .routes(routes!(forum::toggle_like))
        .routes(routes!(forum::set_solution))
        .routes(routes!(forum::report))
        .routes(routes!(forum::search))
        .routes(routes!(forum::pin))
        .routes(routes!(forum::lock))
        .routes(routes!(forum::move_topic))
        .routes(routes!(forum::remove_post))
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::get_event, events::update, events::delete))
        .routes(routes!(events::register, events::unregister))
        .routes(routes!(events::registrations))
        .routes(routes!(resources::catalogue, resources::publish))
        .routes(routes!(resources::vocabularies))
        .routes(routes!(resources::resource, resources::update, resources::delete))
        .routes(routes!(resources::versions))
        .routes(routes!(resources::add_term))
        .routes(routes!(forum::create_category))
        .routes(routes!(forum::update_category))
        .routes(routes!(forum::notifications))
        .routes(routes!(forum::mark_notifications_read))
}

/// The OpenAPI document (also used by tests and `docs/`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub fn routes() -> Router<AppState> {
    let (router, document) = api_router().split_for_parts();
    let document = Arc::new(document);
    router.route("/api/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
}

/// An API error: a stable code, an English message, and the refused fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// `not_found`, `unauthorized`, `forbidden`, `invalid`, `rate_limited`, `bad_request`, `too_large`, `internal`.
    pub error: String,
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    /// Translation key, e.g. `error.username_taken`.
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), fields: Vec::new() }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> ApiError {
        match error {
            CoreError::NotFound => ApiError::not_found(),
            CoreError::Unauthorized => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong credentials or token")
            }
            CoreError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your role does not allow this"),
            CoreError::RateLimited => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many attempts; try again later")
            }
            CoreError::Invalid(fields) => ApiError {
                fields,
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "some fields are invalid")
            },
            CoreError::Database(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
            CoreError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: self.code.to_owned(),
            message: self.message,
            fields: self
                .fields
                .into_iter()
                .map(|f| ApiFieldError { message: Lang::En.text(&f.code), field: f.field, code: f.code })
                .collect(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A JSON body whose failures are API errors (400 broken JSON, 413 too large, 415 wrong type).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "bad_request",
                    "send Content-Type: application/json",
                ),
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the body is too large")
                }
                other => ApiError::bad_request(other.body_text()),
            }),
        }
    }
}

/// The member a bearer token belongs to.
pub struct ApiUser {
    pub user: User,
    pub token: String,
}

impl ApiUser {
    pub fn require(&self, role: Role) -> Result<&User, ApiError> {
        if self.user.has_role(role) { Ok(&self.user) } else { Err(CoreError::Forbidden.into()) }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "send Authorization: Bearer TOKEN")
            })?;
        let user = maillage_core::accounts::session_user(&state.ctx.db, token, SessionKind::Api)
            .await?
            .ok_or_else(|| ApiError::from(CoreError::Unauthorized))?;
        Ok(ApiUser { user, token: token.to_owned() })
    }
}

/// The client's address, for rate limits.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(crate::web::client_address(
            state,
            &parts.headers,
            parts.extensions.get::<ConnectInfo<SocketAddr>>(),
        )))
    }
}

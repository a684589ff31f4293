//! Page routes.

mod admin;
pub(crate) mod auth;
mod home;
mod members;
mod network;
mod settings;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/about", get(home::about))
        .route("/health", get(home::health))
        .route("/static/style.css", get(home::stylesheet))
        .route("/lang", post(home::set_language))
        .route("/signup", get(auth::signup_page).post(auth::signup))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/members", get(members::directory))
        .route("/u/{username}", get(members::profile))
        .route("/settings", get(settings::settings_page).post(settings::save_profile))
        .route("/settings/password", post(settings::change_password))
        .route("/settings/delete", get(settings::delete_page).post(settings::delete_account))
        .route("/network", get(network::network_page))
        .route("/admin/federation", get(network::admin_page))
        .route("/admin/federation/follow", post(network::follow))
        .route("/admin/federation/unfollow", post(network::unfollow))
        .route("/admin/federation/instances", post(network::set_policy))
        .route("/admin", get(admin::dashboard))
        .route("/admin/registrations", get(admin::registrations))
        .route("/admin/registrations/{id}/approve", post(admin::approve))
        .route("/admin/registrations/{id}/reject", post(admin::reject))
        .route("/admin/hub", get(admin::hub_page).post(admin::save_hub))
        .route("/admin/invitations", get(admin::invitations).post(admin::create_invitation))
        .route("/admin/invitations/{id}/revoke", post(admin::revoke_invitation))
        .route("/admin/members", get(admin::members))
        .route("/admin/members/{id}/role", post(admin::set_role))
}

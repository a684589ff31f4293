//! Page routes.

mod admin;
pub(crate) mod auth;
mod events;
mod forum;
mod home;
mod members;
mod network;
mod notifications;
pub(crate) mod resources;
mod settings;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Routes whose bodies are files: they get their own, larger, body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/resources/{id}/files", post(resources::upload))
}

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
        .route("/forum", get(forum::index))
        .route("/forum/topics", get(forum::all_topics))
        .route("/forum/mine", get(forum::my_questions))
        .route("/forum/search", get(forum::search))
        .route("/forum/follow", get(forum::follow_page).post(forum::follow))
        .route("/forum/c/{slug}", get(forum::category_page))
        .route("/forum/c/{slug}/new", get(forum::new_topic_page).post(forum::create_topic))
        .route("/forum/c/{slug}/watch", post(forum::watch))
        .route("/forum/c/{slug}/unfollow", post(forum::unfollow))
        .route("/forum/c/{slug}/{file}", get(forum::category_feed))
        .route("/forum/tags/{tag}", get(forum::tag_page))
        .route("/forum/tags/{tag}/{file}", get(forum::tag_feed))
        .route("/forum/t/{id}", get(forum::topic_page))
        .route("/forum/t/{id}/reply", post(forum::reply))
        .route("/forum/t/{id}/unsolve", post(forum::clear_solution))
        .route("/forum/t/{id}/pin", post(forum::pin))
        .route("/forum/t/{id}/lock", post(forum::lock))
        .route("/forum/t/{id}/move", post(forum::move_topic))
        .route("/forum/p/{id}", get(forum::post_page))
        .route("/forum/p/{id}/edit", get(forum::edit_page).post(forum::save_edit))
        .route("/forum/p/{id}/delete", post(forum::delete_post))
        .route("/forum/p/{id}/like", post(forum::like))
        .route("/forum/p/{id}/solution", post(forum::mark_solution))
        .route("/forum/p/{id}/remove", post(forum::remove_post))
        .route("/forum/p/{id}/report", get(forum::report_page).post(forum::report))
        .route("/moderation", get(forum::moderation))
        .route("/moderation/reports/{id}/resolve", post(forum::resolve_report))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::mark_read))
        .route("/settings/notifications", get(notifications::settings_page).post(notifications::save_settings))
        .route("/admin/forum", get(forum::admin_categories).post(forum::admin_create_category))
        .route("/admin/forum/{id}", get(forum::admin_category_page).post(forum::admin_save_category))
        .route("/events", get(events::index))
        .route("/events/month", get(events::month))
        .route("/events/day/{date}", get(events::day))
        .route("/events/new", get(events::new_page).post(events::create))
        .route("/events/calendar.ics", get(events::calendar_ics))
        .route("/events/feed.atom", get(events::atom))
        .route("/events/feed.rss", get(events::rss))
        .route("/events/tags/{tag}/{file}", get(events::tag_file))
        .route("/events/{id}", get(events::event_page))
        .route("/events/{id}/calendar.ics", get(events::event_ics))
        .route("/events/{id}/edit", get(events::edit_page).post(events::save))
        .route("/events/{id}/delete", post(events::delete))
        .route("/events/{id}/register", post(events::register))
        .route("/events/{id}/unregister", post(events::unregister))
        .route("/events/{id}/registrations", get(events::registrations_page).post(events::add_registration))
        .route("/events/{id}/registrations.csv", get(events::registrations_csv))
        .route("/events/{id}/registrations/{registration}/remove", post(events::remove_registration))
        .route("/resources", get(resources::catalogue))
        .route("/resources/new", get(resources::new_page).post(resources::create))
        .route("/resources/files/{id}/{name}", get(resources::download))
        .route("/resources/{id}", get(resources::resource_page))
        .route("/resources/{id}/edit", get(resources::edit_page).post(resources::save))
        .route("/resources/{id}/delete", post(resources::delete))
        .route("/resources/{id}/adapt", get(resources::adapt_page))
        .route("/resources/{id}/versions", get(resources::versions_page))
        .route("/resources/{id}/versions/{version}", get(resources::version_page))
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

//! Maillage's web server: routes, pages, JSON API and command line.
//!
//! Handlers stay thin: they read the request, call one use case in `maillage-core` or a feature
//! crate, and render a page or JSON. No SQL here.

pub mod activitypub;
pub mod api;
pub mod app;
pub mod cli;
pub mod i18n;
pub mod render;
pub mod transfer;
pub mod web;

pub use app::{AppState, router, serve};

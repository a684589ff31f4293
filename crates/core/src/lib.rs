//! Maillage core: what every part of a hub shares.
//!
//! Configuration, the database (SQLite or PostgreSQL behind one pool), errors, time and
//! identifiers, markdown rendering and HTML sanitising, accounts and the hub's identity.
//! Feature crates (forum, resources, events) depend on this crate and on nothing else of ours.

pub mod accounts;
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod feeds;
pub mod hub;
pub mod markdown;
pub mod notifications;
pub mod rate;
pub mod search;
pub mod tags;
pub mod text;
pub mod time;
pub mod token;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::Config;
pub use context::Context;
pub use db::{Db, Engine};
pub use error::{CoreError, CoreResult, FieldError};

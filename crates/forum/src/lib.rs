//! Maillage forum: where mediators ask peers and mark what solved it.
//!
//! Categories (ours, and those of other servers that members follow), topics and their replies
//! (local and remote, stored alike), tags, likes, the solution, reports and moderation, search
//! and the lists pages show. Nothing here speaks ActivityPub: `maillage-federation` wraps the
//! writes that must be published (it passes its transaction in, so a post and its deliveries
//! commit together) and stores what other servers send through `posts::store_remote`.

pub mod categories;
pub mod mentions;
pub mod posts;
pub mod reports;
pub mod topics;

use maillage_core::Config;
use maillage_core::accounts::User;
use serde::Serialize;

/// Longest topic title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest post body, in bytes of Markdown (or of HTML for remote posts).
pub const MAX_BODY_BYTES: usize = 100 * 1024;
/// Tags per topic.
pub const MAX_TAGS: usize = 5;

/// Who wrote a post: a member of this hub or a remote actor, copied onto the post so it keeps
/// its signature when the account or the actor goes away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    pub user_id: Option<i64>,
    /// ActivityPub id (`https://hub/u/alice`).
    pub ap_id: String,
    pub name: String,
    /// `@alice@hub.example`.
    pub handle: String,
    /// Where a reader learns more about them.
    pub url: String,
}

impl Author {
    /// A member of this hub.
    pub fn local(config: &Config, user: &User) -> Author {
        let url = config.url_for(&format!("/u/{}", user.username));
        Author {
            user_id: Some(user.id),
            ap_id: url.clone(),
            name: user.shown_name().to_owned(),
            handle: format!("@{}@{}", user.username, config.domain()),
            url,
        }
    }
}

pub use maillage_core::tags::{normalise_tag, parse_tags};

/// Integers as a SQL list (`1,2,3`), for `IN (…)` over ids we read from the database.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() { "NULL".to_owned() } else { ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",") }
}

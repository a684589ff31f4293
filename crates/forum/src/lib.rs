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
/// Tags per topic, and characters per tag.
pub const MAX_TAGS: usize = 5;
pub const MAX_TAG_CHARS: usize = 40;

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

/// Tags as people type them ("#CAF, aidants connect") made into tags ("caf", "aidants-connect").
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in text.split([',', ';', '\n']).flat_map(|part| {
        // "#a #b" on one line are two tags; "aidants connect" is one.
        if part.contains('#') { part.split('#').map(str::to_owned).collect::<Vec<_>>() } else { vec![part.to_owned()] }
    }) {
        if let Some(tag) = normalise_tag(&raw)
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    tags
}

/// One tag in its stored form: folded, words joined by dashes, letters, digits, `-` and `_` only.
pub fn normalise_tag(raw: &str) -> Option<String> {
    let folded = maillage_core::text::fold(raw.trim().trim_start_matches('#'));
    let tag: String = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if tag.is_empty() { None } else { Some(tag.chars().take(MAX_TAG_CHARS).collect()) }
}

/// Integers as a SQL list (`1,2,3`), for `IN (…)` over ids we read from the database.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() { "NULL".to_owned() } else { ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(parse_tags("#CAF, Aidants Connect; caf"), ["caf", "aidants-connect"]);
        assert_eq!(parse_tags("#e-mail #Démarches"), ["e-mail", "demarches"]);
        assert_eq!(parse_tags(" , # ,"), Vec::<String>::new());
    }
}

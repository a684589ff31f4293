//! The hub's identity: what its admin says it is. Pages, NodeInfo and every actor show it.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::Db;
use crate::error::{CoreResult, Validation};
use crate::markdown::render_markdown;
use crate::text::{char_len, is_web_address};
use crate::time::now_ms;

/// Who may join the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may create an account.
    Open,
    /// Anyone may ask; an admin approves.
    Approval,
    /// Only people with an invitation link.
    Invitation,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Open => "open",
            RegistrationMode::Approval => "approval",
            RegistrationMode::Invitation => "invitation",
        }
    }

    pub fn parse(text: &str) -> Option<RegistrationMode> {
        match text {
            "open" => Some(RegistrationMode::Open),
            "approval" => Some(RegistrationMode::Approval),
            "invitation" => Some(RegistrationMode::Invitation),
            _ => None,
        }
    }
}

/// The interface languages we ship catalogues for.
pub const LANGUAGES: &[&str] = &["fr", "en"];

#[derive(Debug, Clone, FromRow)]
struct HubRow {
    name: String,
    region: String,
    description: String,
    logo_url: String,
    contact: String,
    rules: String,
    terms: String,
    registration_mode: String,
    default_timezone: String,
    default_language: String,
    updated_at: i64,
}

/// The hub's identity as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HubIdentity {
    pub name: String,
    pub region: String,
    /// Markdown.
    pub description: String,
    pub description_html: String,
    pub logo_url: String,
    pub contact: String,
    pub rules: String,
    pub rules_html: String,
    pub terms: String,
    pub terms_html: String,
    pub registration_mode: RegistrationMode,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub default_timezone: String,
    /// `fr` or `en`.
    pub default_language: String,
    pub updated_at: i64,
}

/// What an admin submits to change the identity.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HubIdentityUpdate {
    pub name: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub rules: String,
    #[serde(default)]
    pub terms: String,
    pub registration_mode: String,
    pub default_timezone: String,
    pub default_language: String,
}

impl HubIdentityUpdate {
    fn validate(&self) -> CoreResult<()> {
        let mut v = Validation::new();
        let name = self.name.trim();
        v.check(name.is_empty(), "name", "error.required");
        v.check(char_len(name) > 100, "name", "error.too_long");
        v.check(char_len(&self.region) > 100, "region", "error.too_long");
        v.check(char_len(&self.description) > 5_000, "description", "error.too_long");
        v.check(char_len(&self.contact) > 300, "contact", "error.too_long");
        v.check(char_len(&self.rules) > 20_000, "rules", "error.too_long");
        v.check(char_len(&self.terms) > 50_000, "terms", "error.too_long");
        v.printable(&[
            ("name", &self.name),
            ("region", &self.region),
            ("description", &self.description),
            ("contact", &self.contact),
            ("rules", &self.rules),
            ("terms", &self.terms),
        ]);
        let logo = self.logo_url.trim();
        v.check(!logo.is_empty() && !is_web_address(logo), "logo_url", "error.invalid_url");
        v.check(
            RegistrationMode::parse(&self.registration_mode).is_none(),
            "registration_mode",
            "error.invalid_choice",
        );
        v.check(!is_plausible_timezone(&self.default_timezone), "default_timezone", "error.invalid_timezone");
        v.check(!LANGUAGES.contains(&self.default_language.as_str()), "default_language", "error.invalid_choice");
        v.finish()
    }
}

/// IANA names look like `Area/City` (or `UTC`); the events feature checks them against the database.
fn is_plausible_timezone(tz: &str) -> bool {
    tz == "UTC"
        || (tz.contains('/')
            && tz.len() <= 64
            && tz.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
}

impl From<HubRow> for HubIdentity {
    fn from(row: HubRow) -> HubIdentity {
        HubIdentity {
            description_html: render_markdown(&row.description),
            rules_html: render_markdown(&row.rules),
            terms_html: render_markdown(&row.terms),
            name: row.name,
            region: row.region,
            description: row.description,
            logo_url: row.logo_url,
            contact: row.contact,
            rules: row.rules,
            terms: row.terms,
            registration_mode: RegistrationMode::parse(&row.registration_mode).unwrap_or(RegistrationMode::Approval),
            default_timezone: row.default_timezone,
            default_language: row.default_language,
            updated_at: row.updated_at,
        }
    }
}

/// Reads the hub's identity.
pub async fn identity(db: &Db) -> CoreResult<HubIdentity> {
    let row: HubRow = sqlx::query_as(
        "SELECT name, region, description, logo_url, contact, rules, terms, registration_mode, \
         default_timezone, default_language, updated_at FROM hub_settings WHERE id = 1",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(row.into())
}

/// Changes the hub's identity (admins only; the caller checks the role).
pub async fn update_identity(db: &Db, update: &HubIdentityUpdate) -> CoreResult<HubIdentity> {
    update.validate()?;
    sqlx::query(
        "UPDATE hub_settings SET name = $1, region = $2, description = $3, logo_url = $4, \
         contact = $5, rules = $6, terms = $7, registration_mode = $8, default_timezone = $9, \
         default_language = $10, updated_at = $11 WHERE id = 1",
    )
    .bind(update.name.trim())
    .bind(update.region.trim())
    .bind(update.description.trim())
    .bind(update.logo_url.trim())
    .bind(update.contact.trim())
    .bind(update.rules.trim())
    .bind(update.terms.trim())
    .bind(&update.registration_mode)
    .bind(&update.default_timezone)
    .bind(&update.default_language)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    identity(db).await
}

//! The words resources are classified with — themes, publics, resource types, professional
//! sectors — as data: seeded from the national platform "Les Bases du numérique d'intérêt
//! général" (`data/les-bases.json`) into a fresh hub, then extended by its admins.

use maillage_core::Db;
use maillage_core::error::{CoreResult, Validation};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

/// The seed, copied from Les Bases (keys and French labels).
const SEED: &str = include_str!("../data/les-bases.json");

pub const KINDS: &[&str] = &["theme", "public", "resource_type", "sector"];

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, utoipa::ToSchema)]
pub struct Term {
    pub kind: String,
    pub key: String,
    pub label: String,
    pub category: String,
    pub position: i64,
}

#[derive(Deserialize)]
struct SeedFile {
    themes: Vec<SeedTerm>,
    resource_types: Vec<SeedTerm>,
    publics: Vec<SeedTerm>,
    professional_sectors: Vec<SeedTerm>,
}

#[derive(Deserialize)]
struct SeedTerm {
    key: String,
    label: String,
    #[serde(default)]
    category: String,
}

/// Fills the vocabulary of a hub that has none yet (admins' additions are kept).
pub async fn seed(db: &Db) -> CoreResult<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resource_vocabulary").fetch_one(db.pool()).await?;
    if count > 0 {
        return Ok(());
    }
    let seed: SeedFile =
        serde_json::from_str(SEED).map_err(|e| maillage_core::CoreError::Internal(format!("vocabulary seed: {e}")))?;
    let mut tx = db.pool().begin().await?;
    for (kind, terms) in [
        ("theme", &seed.themes),
        ("resource_type", &seed.resource_types),
        ("public", &seed.publics),
        ("sector", &seed.professional_sectors),
    ] {
        for (position, term) in terms.iter().enumerate() {
            sqlx::query(
                "INSERT INTO resource_vocabulary (kind, key, label, category, position) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (kind, key) DO NOTHING",
            )
            .bind(kind)
            .bind(&term.key)
            .bind(&term.label)
            .bind(&term.category)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every term of a kind, in their order.
pub async fn list(db: &Db, kind: &str) -> CoreResult<Vec<Term>> {
    Ok(sqlx::query_as::<_, Term>(
        "SELECT kind, key, label, category, position FROM resource_vocabulary WHERE kind = $1 ORDER BY position, label",
    )
    .bind(kind)
    .fetch_all(db.pool())
    .await?)
}

/// An admin adds a term (its key is made from the label).
pub async fn add(db: &Db, kind: &str, label: &str, category: &str) -> CoreResult<Term> {
    let mut v = Validation::new();
    v.check(!KINDS.contains(&kind), "kind", "error.invalid_choice");
    v.check(label.trim().is_empty(), "label", "error.required");
    v.check(label.chars().count() > 100, "label", "error.too_long");
    let key = maillage_core::tags::normalise_tag(label).unwrap_or_default().replace('-', "_");
    v.check(key.is_empty(), "label", "error.required");
    v.finish()?;
    let position: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM resource_vocabulary WHERE kind = $1")
            .bind(kind)
            .fetch_one(db.pool())
            .await?;
    let inserted = sqlx::query(
        "INSERT INTO resource_vocabulary (kind, key, label, category, position) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (kind, key) DO NOTHING",
    )
    .bind(kind)
    .bind(&key)
    .bind(label.trim())
    .bind(category.trim())
    .bind(position)
    .execute(db.pool())
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(maillage_core::CoreError::invalid("label", "error.term_exists"));
    }
    Ok(Term { kind: kind.into(), key, label: label.trim().into(), category: category.trim().into(), position })
}

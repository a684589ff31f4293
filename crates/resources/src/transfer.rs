//! Export and import of a hub's library: a directory holding `library.json` (the manifest: the
//! vocabulary terms the hub added, and each of its own resources with its metadata and the
//! paths of its files) and `files/`. What reads and writes files and publishes the imported
//! resources is the command line's (`maillage resources export|import`); this module says what
//! the manifest holds and how a hub answers "was this one imported already?".

use maillage_core::Db;
use maillage_core::error::CoreResult;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::library::{self, ResourceInput};
use crate::vocabulary::{self, Term};

/// The manifest's format, checked on import.
pub const FORMAT: &str = "maillage-library/1";
pub const MANIFEST: &str = "library.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The exporting hub's address.
    pub hub: String,
    pub exported_at: String,
    /// Every vocabulary term of the exporting hub (the importing hub adds those it lacks).
    pub vocabulary: Vec<Term>,
    pub resources: Vec<ExportedResource>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedResource {
    /// Its id on the exporting hub (what makes a second import skip it).
    pub id: String,
    pub input: ResourceInput,
    pub files: Vec<ExportedFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedFile {
    pub name: String,
    pub media_type: String,
    /// Relative to the export directory.
    pub path: String,
    /// The key it has in the exporting hub's store.
    #[serde(skip)]
    pub storage_key: String,
}

/// The manifest of this hub's own resources (not those of followed libraries).
pub async fn manifest(db: &Db, hub: &str) -> CoreResult<Manifest> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM resources WHERE local = 1 AND deleted_at = 0 ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    let mut resources = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(detail) = library::detail(db, id).await? else { continue };
        let files = detail
            .files
            .iter()
            .filter(|f| !f.storage_key.is_empty())
            .map(|f| ExportedFile {
                name: f.name.clone(),
                media_type: f.media_type.clone(),
                path: format!("files/{}", f.storage_key),
                storage_key: f.storage_key.clone(),
            })
            .collect();
        let mut input = library::input_of(&detail);
        input.change_note = String::new();
        resources.push(ExportedResource { id: detail.resource.ap_id.clone(), input, files });
    }
    let mut terms = Vec::new();
    for kind in vocabulary::KINDS {
        terms.extend(vocabulary::list(db, kind).await?);
    }
    Ok(Manifest {
        format: FORMAT.into(),
        hub: hub.into(),
        exported_at: maillage_core::time::to_rfc3339(maillage_core::time::now_ms()),
        vocabulary: terms,
        resources,
    })
}

/// Adds the manifest's vocabulary terms this hub lacks (by kind and key). Returns how many.
pub async fn add_missing_terms(db: &Db, terms: &[Term]) -> CoreResult<u64> {
    let mut added = 0;
    for term in terms {
        let inserted = sqlx::query(
            "INSERT INTO resource_vocabulary (kind, key, label, category, position) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kind, key) DO NOTHING",
        )
        .bind(&term.kind)
        .bind(&term.key)
        .bind(&term.label)
        .bind(&term.category)
        .bind(term.position)
        .execute(db.pool())
        .await?;
        added += inserted.rows_affected();
    }
    Ok(added)
}

/// The resource an earlier import made from `exported_id`, if any.
pub async fn imported(db: &Db, exported_id: &str) -> CoreResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM resources WHERE imported_from = $1 AND deleted_at = 0")
        .bind(exported_id)
        .fetch_optional(db.pool())
        .await?)
}

/// Remembers where an imported resource came from.
pub async fn mark_imported(conn: &mut AnyConnection, id: i64, exported_id: &str) -> CoreResult<()> {
    sqlx::query("UPDATE resources SET imported_from = $1 WHERE id = $2")
        .bind(exported_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

//! `maillage resources export DIR` and `maillage resources import DIR --as USER`: a hub's own
//! library, metadata and files, written to a directory and read back into another hub. Files
//! are copied and streamed, never held whole in memory; an import publishes each resource as
//! the importing member (followers and later backfills get them) and skips what an earlier
//! import of the same export brought.

use std::path::Path;

use maillage_core::Context;
use maillage_core::accounts::User;
use maillage_federation::Federation;
use maillage_resources::files::FileStore;
use maillage_resources::library;
use maillage_resources::transfer::{self, MANIFEST, Manifest};

/// Writes the library to `dir` (created if needed): files first, the manifest last, so that an
/// interrupted export has no manifest. Returns how many resources.
pub async fn export(ctx: &Context, dir: &Path) -> anyhow::Result<usize> {
    let manifest = transfer::manifest(&ctx.db, ctx.config.public_url.as_str()).await?;
    let store = FileStore::for_data_dir(&ctx.config.data_dir);
    tokio::fs::create_dir_all(dir.join("files")).await?;
    for file in manifest.resources.iter().flat_map(|r| r.files.iter()) {
        let (mut source, _) = store.open(&file.storage_key).await?;
        let mut target = tokio::fs::File::create(dir.join(&file.path)).await?;
        tokio::io::copy(&mut source, &mut target).await?;
    }
    let text = serde_json::to_string_pretty(&manifest)?;
    tokio::fs::write(dir.join(MANIFEST), text).await?;
    Ok(manifest.resources.len())
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub resources: usize,
    pub skipped: usize,
    pub files: usize,
    pub terms: u64,
}

/// Reads an export into this hub, as `user`. `progress(done, total)` is called after each
/// resource.
pub async fn import(
    fed: &Federation,
    user: &User,
    dir: &Path,
    progress: impl Fn(usize, usize),
) -> anyhow::Result<Imported> {
    let text = tokio::fs::read_to_string(dir.join(MANIFEST))
        .await
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.join(MANIFEST).display()))?;
    let manifest: Manifest = serde_json::from_str(&text)?;
    anyhow::ensure!(manifest.format == transfer::FORMAT, "unknown export format {:?}", manifest.format);
    let db = &fed.ctx.db;
    let store = FileStore::for_data_dir(&fed.ctx.config.data_dir);
    let mut report =
        Imported { terms: transfer::add_missing_terms(db, &manifest.vocabulary).await?, ..Default::default() };
    let total = manifest.resources.len();
    for (done, exported) in manifest.resources.iter().enumerate() {
        if transfer::imported(db, &exported.id).await?.is_some() {
            report.skipped += 1;
            progress(done + 1, total);
            continue;
        }
        let mut input = exported.input.clone();
        // What it adapts is kept only when this hub knows it.
        if !input.derived_from.is_empty() && library::by_ap_id(db, &input.derived_from).await?.is_none() {
            input.derived_from.clear();
        }
        let id = maillage_federation::resources::create(fed, user, &input)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", exported.input.title))?;
        let mut tx = db.pool().begin().await?;
        transfer::mark_imported(&mut tx, id, &exported.id).await?;
        tx.commit().await?;
        for file in &exported.files {
            // The path comes from the manifest: only a file directly under `files/`.
            let name =
                Path::new(&file.path).file_name().ok_or_else(|| anyhow::anyhow!("bad file path {}", file.path))?;
            let source = tokio::fs::File::open(dir.join("files").join(name)).await?;
            let stored = store
                .put(&file.name, tokio_util::io::ReaderStream::new(source), crate::web::MAX_UPLOAD_BYTES)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.name))?;
            maillage_federation::resources::add_file(fed, user, id, &stored, &file.name).await?;
            report.files += 1;
        }
        report.resources += 1;
        progress(done + 1, total);
    }
    Ok(report)
}

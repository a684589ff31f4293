//! Files of resources: checked as they stream in (size limit, an allowlist of types, content
//! that matches its extension), stored under the data directory, and streamed back out. The
//! store is one type with one method per operation, so that a second backend (S3-compatible
//! object storage, for hubs that scale out) slots in beside `Local`.

use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt};
use maillage_core::error::{CoreError, CoreResult};
use tokio::io::AsyncWriteExt;

/// Types a resource may attach, by extension: (extension, media type).
pub const ALLOWED: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("opus", "audio/ogg"),
];

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("this type of file is not accepted")]
    TypeNotAllowed,
    #[error("the content of the file does not match its extension")]
    ContentMismatch,
    #[error("the file is empty")]
    Empty,
    #[error("storage: {0}")]
    Storage(String),
}

/// The media type for a file name, if its extension is allowed.
pub fn media_type_for(name: &str) -> Option<&'static str> {
    let extension = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    ALLOWED.iter().find(|(ext, _)| *ext == extension).map(|(_, media)| *media)
}

/// Whether the first bytes of a file are those of `media_type` (magic numbers; ODF and OOXML are
/// zip files, ODF naming its own type in its first entry).
pub fn content_matches(media_type: &str, head: &[u8]) -> bool {
    let zip = head.starts_with(b"PK\x03\x04");
    match media_type {
        "application/pdf" => head.starts_with(b"%PDF-"),
        t if t.starts_with("application/vnd.oasis.opendocument.") => {
            zip && head.windows(t.len()).any(|w| w == t.as_bytes())
        }
        t if t.starts_with("application/vnd.openxmlformats-officedocument.") => zip,
        "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => head.starts_with(b"\xff\xd8\xff"),
        "image/gif" => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
        "image/webp" => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        "audio/mpeg" => head.starts_with(b"ID3") || (head.len() > 1 && head[0] == 0xff && head[1] & 0xe0 == 0xe0),
        "audio/ogg" => head.starts_with(b"OggS"),
        _ => false,
    }
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub media_type: &'static str,
    pub size: u64,
}

/// Where files live.
#[derive(Debug, Clone)]
pub enum FileStore {
    /// A directory (by default `{data_dir}/files`).
    Local { root: PathBuf },
}

/// Bytes looked at to recognise a file's type.
const HEAD_BYTES: usize = 512;

impl FileStore {
    pub fn local(root: impl Into<PathBuf>) -> FileStore {
        FileStore::Local { root: root.into() }
    }

    /// The hub's store: `{data_dir}/files`.
    pub fn for_data_dir(data_dir: &Path) -> FileStore {
        FileStore::local(data_dir.join("files"))
    }

    fn path(&self, key: &str) -> CoreResult<PathBuf> {
        // Keys are ours (random hex and a checked extension); refuse anything else.
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') || key.starts_with('.') {
            return Err(CoreError::NotFound);
        }
        match self {
            FileStore::Local { root } => Ok(root.join(&key[..2.min(key.len())]).join(key)),
        }
    }

    /// Stores a file arriving as a stream of chunks, checking it on the way: refused (and
    /// nothing kept) beyond `max_bytes`, for a name whose type is not allowed, or for content
    /// that does not match the name. The whole file is never held in memory.
    pub async fn put<S, E>(&self, name: &str, mut chunks: S, max_bytes: u64) -> Result<Stored, UploadError>
    where
        S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let media_type = media_type_for(name).ok_or(UploadError::TypeNotAllowed)?;
        let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("bin").to_ascii_lowercase();
        let key = format!("{}.{extension}", maillage_core::token::random_token().to_ascii_lowercase());
        let key: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
        let path = self.path(&key).map_err(|e| UploadError::Storage(e.to_string()))?;
        let storage = |e: std::io::Error| UploadError::Storage(e.to_string());
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(storage)?;
        }
        let partial = path.with_extension("partial");
        let mut file = tokio::fs::File::create(&partial).await.map_err(storage)?;
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
        let outcome = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| UploadError::Storage(e.to_string()))?;
                size += chunk.len() as u64;
                if size > max_bytes {
                    return Err(UploadError::TooLarge(max_bytes));
                }
                if head.len() < HEAD_BYTES {
                    let take = (HEAD_BYTES - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                    if head.len() == HEAD_BYTES && !content_matches(media_type, &head) {
                        return Err(UploadError::ContentMismatch);
                    }
                }
                file.write_all(&chunk).await.map_err(storage)?;
            }
            if size == 0 {
                return Err(UploadError::Empty);
            }
            if head.len() < HEAD_BYTES && !content_matches(media_type, &head) {
                return Err(UploadError::ContentMismatch);
            }
            file.flush().await.map_err(storage)?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = outcome {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        tokio::fs::rename(&partial, &path).await.map_err(storage)?;
        Ok(Stored { key, media_type, size })
    }

    /// Opens a stored file for streaming, with its size.
    pub async fn open(&self, key: &str) -> CoreResult<(tokio::fs::File, u64)> {
        let path = self.path(key)?;
        let file = tokio::fs::File::open(&path).await.map_err(|_| CoreError::NotFound)?;
        let size = file.metadata().await.map_err(|e| CoreError::Internal(e.to_string()))?.len();
        Ok((file, size))
    }

    pub async fn delete(&self, key: &str) -> CoreResult<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CoreError::Internal(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(parts: Vec<&'static [u8]>) -> impl Stream<Item = Result<bytes::Bytes, String>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(|p| Ok(bytes::Bytes::from_static(p))))
    }

    #[tokio::test]
    async fn files_are_checked_while_they_stream_in() {
        let dir = std::env::temp_dir().join(format!("maillage-files-{}", maillage_core::token::random_token()));
        let store = FileStore::local(&dir);
        let pdf = store.put("Kit atelier.PDF", stream(vec![b"%PDF-1.7\n", b"rest of the file"]), 1_000).await.unwrap();
        assert_eq!(pdf.media_type, "application/pdf");
        assert_eq!(pdf.size, 25);
        let (_, size) = store.open(&pdf.key).await.unwrap();
        assert_eq!(size, 25);
        assert_eq!(
            store.put("big.pdf", stream(vec![b"%PDF-1.7\n", &[0u8; 600], &[0u8; 600]]), 1_000).await,
            Err(UploadError::TooLarge(1_000))
        );
        assert_eq!(store.put("script.sh", stream(vec![b"#!/bin/sh"]), 1_000).await, Err(UploadError::TypeNotAllowed));
        assert_eq!(
            store.put("fake.pdf", stream(vec![b"MZ\x90\x00 this is an exe"]), 1_000).await,
            Err(UploadError::ContentMismatch)
        );
        assert_eq!(store.put("empty.png", stream(vec![]), 1_000).await, Err(UploadError::Empty));
        // Nothing is left of refused files.
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            count += std::fs::read_dir(entry.unwrap().path()).unwrap().count();
        }
        assert_eq!(count, 1);
        assert!(store.open("../../etc/passwd").await.is_err());
        store.delete(&pdf.key).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn office_files_are_recognised() {
        let odt = b"PK\x03\x04\x14\x00\x00\x08\x00\x00mimetypeapplication/vnd.oasis.opendocument.text";
        assert!(content_matches("application/vnd.oasis.opendocument.text", odt));
        assert!(!content_matches("application/vnd.oasis.opendocument.presentation", odt));
        assert!(content_matches(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04"
        ));
        assert!(!content_matches("image/png", b"GIF89a"));
    }
}

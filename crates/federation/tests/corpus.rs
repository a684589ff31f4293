//! Every real payload in `shared/interop` (about 200 documents from 30 fediverse programs) goes
//! through the same reading the inbox and `maillage federation inspect` use: no panic, and each
//! one is understood or refused with a reason.

use std::path::{Path, PathBuf};

use maillage_federation::inspect::inspect_text;

fn corpus_dir() -> PathBuf {
    std::env::var("MAILLAGE_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "txt")) {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_payload_is_understood_or_refused_with_a_reason() {
    let dir = corpus_dir();
    if !dir.exists() {
        eprintln!("no interop corpus at {}: set MAILLAGE_INTEROP_DIR", dir.display());
        return;
    }
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    assert!(paths.len() > 150, "only {} payloads found in {}", paths.len(), dir.display());
    let (mut accepted, mut refused) = (0, 0);
    let mut kinds = std::collections::BTreeMap::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let inspection = std::panic::catch_unwind(|| inspect_text(&text))
            .unwrap_or_else(|_| panic!("inspect panicked on {}", path.display()));
        *kinds.entry(inspection.kind.clone()).or_insert(0) += 1;
        match &inspection.verdict {
            Ok(plan) => {
                assert!(!plan.is_empty(), "{}", path.display());
                accepted += 1;
            }
            Err(reason) => {
                assert!(!reason.is_empty(), "refused without a reason: {}", path.display());
                refused += 1;
            }
        }
    }
    eprintln!("{accepted} understood, {refused} refused, by kind: {kinds:?}");
    // The bulk of real traffic must be understood, not refused.
    assert!(accepted > paths.len() * 3 / 4, "{accepted} of {} understood", paths.len());
    for kind in ["activity", "actor", "object", "collection", "webfinger", "nodeinfo"] {
        assert!(kinds.contains_key(kind), "no {kind} recognised in the corpus");
    }
}

/// Specific shapes real peers send, read the way the inbox reads them.
#[test]
fn known_peer_shapes() {
    let dir = corpus_dir();
    if !dir.exists() {
        return;
    }
    let inspect =
        |rel: &str| inspect_text(&std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")));
    // A Mastodon actor served over HTTP, headers and all.
    let actor = inspect("mastodon/http/activitypub-actor.txt");
    assert_eq!(actor.kind, "actor");
    assert!(actor.verdict.is_ok(), "{actor}");
    // A Lemmy WebFinger capture wrapped with its headers.
    let webfinger = inspect("lemmy/http/webfinger_lemmy.ml.capture.json");
    assert_eq!(webfinger.kind, "webfinger");
    assert!(webfinger.verdict.is_ok(), "{webfinger}");
    // Gancio's array of places is not a document on its own.
    let places = inspect("gancio/places/place_multiple_mixed_locations.json");
    assert!(places.verdict.is_err());
}

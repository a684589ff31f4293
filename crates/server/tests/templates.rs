//! Every string a template shows comes from both catalogues.

use std::collections::BTreeSet;

use maillage_core::notifications::Kind;
use maillage_server::i18n::Lang;

/// `t("key")` and `t('key')` calls in a template, plus keys built with `~` from known suffixes.
fn keys_in(source: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for quote in ['"', '\''] {
        let marker = format!("t({quote}");
        let mut rest = source;
        while let Some(start) = rest.find(&marker) {
            let after = &rest[start + marker.len()..];
            let end = after.find(quote).unwrap();
            let key = &after[..end];
            if after[end + 1..].trim_start().starts_with('~') {
                // A key completed at run time: check every value it can take.
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                let suffixes: &[&str] = match key {
                    "notifications.kind_" | "notifications.setting_" => &kinds,
                    "forum.filter_" => &["latest", "unanswered", "solved", "unsolved"],
                    "role." => &["member", "moderator", "admin"],
                    "admin.mode_" => &["open", "approval", "invitation"],
                    "network.health_" => &["ok", "failing", "paused"],
                    "federation.status_" => &["pending", "accepted"],
                    other => panic!("unknown dynamic key prefix {other}: list its values here"),
                };
                keys.extend(suffixes.iter().map(|s| format!("{key}{s}")));
            } else {
                keys.insert(key.to_owned());
            }
            rest = &after[end..];
        }
    }
    keys
}

#[test]
fn every_template_key_is_in_both_catalogues() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../frontend/templates");
    let mut missing = Vec::new();
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for key in keys_in(&source) {
            total += 1;
            for lang in Lang::ALL {
                if lang.lookup(&key).is_none() {
                    missing.push(format!("{}: {key} ({})", path.file_name().unwrap().to_string_lossy(), lang.code()));
                }
            }
        }
    }
    assert!(total > 100, "found only {total} keys: is the scan broken?");
    assert!(missing.is_empty(), "missing translations:\n{}", missing.join("\n"));
}

#[test]
fn error_codes_used_by_the_core_are_translated() {
    let sources = [include_str!("../../core/src/accounts.rs"), include_str!("../../core/src/hub.rs")];
    let mut missing = Vec::new();
    for source in sources {
        let mut rest = source;
        while let Some(start) = rest.find("\"error.") {
            let after = &rest[start + 1..];
            let end = after.find('"').unwrap();
            let key = &after[..end];
            for lang in Lang::ALL {
                if lang.lookup(key).is_none() {
                    missing.push(format!("{key} ({})", lang.code()));
                }
            }
            rest = &after[end..];
        }
    }
    assert!(missing.is_empty(), "untranslated error codes: {missing:?}");
}

#[test]
fn every_template_file_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../frontend/templates");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    files.sort();
    let embedded: Vec<&str> = maillage_server::render::TEMPLATES.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, embedded, "list every template of frontend/templates in render.rs");
}

//! Text folding for search: lower case, accents removed, so "Éric" finds "eric" on both engines.
//!
//! SQLite's LIKE folds ASCII case only and PostgreSQL's LIKE folds nothing; storing a folded copy
//! and folding the query the same way gives the same results on both.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips diacritics: "Médiathèque Œuvre" → "mediatheque œuvre".
pub fn fold(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// A `LIKE` pattern that matches `needle` anywhere, with `%`, `_` and `\` escaped (use `ESCAPE '\'`).
pub fn like_contains(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in fold(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether `text` is an absolute http(s) URL of reasonable length (links to logos, avatars).
pub fn is_web_address(text: &str) -> bool {
    text.len() <= 500
        && url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether text holds control characters other than line breaks and tabs (PostgreSQL refuses
/// NUL, and no person types the others).
pub fn has_control_chars(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// At most `max_chars` characters of `text` (for remote strings we store).
pub fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Length in characters (what a person counts), not bytes.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Médiathèque ÉRIC"), "mediatheque eric");
        assert_eq!(fold("Conseillère numérique"), "conseillere numerique");
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}

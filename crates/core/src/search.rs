//! Full-text search words: the same on SQLite and PostgreSQL.
//!
//! Text is split into words, folded (lower case, no accents), stripped of French stop words and
//! stemmed with the Snowball French stemmer ("inscriptions" and "inscrire" meet at "inscr"). We
//! store these words in a `search_text` column and index them with each engine's full-text
//! index (FTS5 on SQLite, a GIN index over `to_tsvector('simple', …)` on PostgreSQL). Neither
//! engine stems or folds again, so both match exactly the same posts for the same query.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::Engine;
use crate::text::fold;

static FRENCH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));

/// Words too common to help a search (folded). A query made only of them finds nothing.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "comment", "dans", "de", "des", "du", "elle", "en", "est",
    "et", "il", "je", "la", "le", "les", "leur", "ma", "mais", "me", "mes", "mon", "ne", "nous", "on", "ou", "par",
    "pas", "pour", "qu", "que", "qui", "sa", "se", "ses", "son", "sur", "ta", "te", "tu", "un", "une", "vos", "votre",
    "vous", "l", "d", "j", "n", "s", "c", "m", "t", "y", "the", "and", "of", "to", "in", "is", "an", "or", "for",
];

/// Longest word we index (longer ones are noise: hashes, base64, URLs).
const MAX_WORD: usize = 40;

/// The stemmed, folded words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD && !STOP_WORDS.contains(w))
        .map(|w| FRENCH.stem(singular(w)).into_owned())
        .collect()
}

/// Drops a plural ending first: the stemmer alone gives "conseiller" for "conseillers" but
/// "conseil" for "conseiller", and a search must not depend on the number.
fn singular(word: &str) -> &str {
    if word.chars().count() > 3
        && (word.ends_with('s') && !word.ends_with("ss") || word.ends_with("aux") || word.ends_with("eux"))
    {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// What to store in a `search_text` column for these pieces of text.
pub fn index_text(parts: &[&str]) -> String {
    parts.iter().flat_map(|part| words(part)).collect::<Vec<_>>().join(" ")
}

/// A parsed search: the words every result must contain (as prefixes, so "inscri" finds
/// "inscription"). At most eight, so a pasted paragraph stays a cheap query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub words: Vec<String>,
}

impl SearchQuery {
    pub fn parse(query: &str) -> SearchQuery {
        let mut words = words(query);
        words.dedup();
        words.truncate(8);
        SearchQuery { words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The engine's match expression. Words are alphanumeric only (see `words`), so they
    /// cannot carry query syntax into it.
    pub fn match_expression(&self, engine: Engine) -> String {
        match engine {
            Engine::Sqlite => self.words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" "),
            Engine::Postgres => self.words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & "),
        }
    }

    /// A SQL condition true for rows whose `column` (of table `table`, with an FTS5 twin named
    /// `{table}_fts` on SQLite) matches the bound parameter `$n` holding `match_expression`.
    pub fn condition(engine: Engine, table: &str, id_column: &str, column: &str, n: usize) -> String {
        match engine {
            Engine::Sqlite => {
                format!("{id_column} IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ${n})")
            }
            Engine::Postgres => format!("to_tsvector('simple', {column}) @@ to_tsquery('simple', ${n})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_words_are_folded_and_stemmed() {
        assert_eq!(words("Les démarches en ligne"), ["demarch", "lign"]);
        assert_eq!(words("inscriptions")[0], words("inscription")[0]);
        assert_eq!(words("Numérique")[0], words("numeriques")[0]);
        assert_eq!(words("conseillers"), words("Conseiller"));
        assert_eq!(words("ateliers"), words("atelier"));
        assert_eq!(words("CAF, e-mail & adresse"), ["caf", "e", "mail", "adress"]);
    }

    #[test]
    fn queries_cannot_inject_syntax() {
        let query = SearchQuery::parse("\" OR 1=1 -- :* & | ! ( ) NEAR(a b)");
        for word in &query.words {
            assert!(word.chars().all(char::is_alphanumeric), "{word}");
        }
        assert_eq!(SearchQuery::parse("le la les").words, Vec::<String>::new());
        assert_eq!(SearchQuery::parse("aide CAF").match_expression(Engine::Postgres), "aid:* & caf:*");
        assert_eq!(SearchQuery::parse("aide CAF").match_expression(Engine::Sqlite), "\"aid\"* \"caf\"*");
    }
}

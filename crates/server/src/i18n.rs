//! Translation catalogues (French first, English too) and the choice of a reader's language.
//!
//! Catalogues are flat TOML files in `frontend/i18n`, embedded at build time. Every string a page
//! shows goes through them; a test fails when a template uses a key one catalogue lacks.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "en")]
    En,
}

type Catalogue = HashMap<String, String>;

fn parse_catalogue(name: &str, text: &str) -> Catalogue {
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("catalogue {name} is invalid: {e}"));
    let mut flat = HashMap::new();
    flatten("", &table, &mut flat);
    flat
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            toml::Value::Table(t) => flatten(&full, t, out),
            other => panic!("catalogue key {full} must be a string, not {other}"),
        }
    }
}

static FR: LazyLock<Catalogue> =
    LazyLock::new(|| parse_catalogue("fr", include_str!("../../../frontend/i18n/fr.toml")));
static EN: LazyLock<Catalogue> =
    LazyLock::new(|| parse_catalogue("en", include_str!("../../../frontend/i18n/en.toml")));

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// This language's catalogue.
    pub fn catalogue(self) -> &'static Catalogue {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The text for `key`, if the catalogue has it.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        self.catalogue().get(key).map(String::as_str)
    }

    /// The text for `key`, or the key itself (only for messages built outside templates).
    pub fn text(self, key: &str) -> String {
        self.lookup(key).map(str::to_owned).unwrap_or_else(|| key.to_owned())
    }

    /// The language for a request: the member's choice, then the `lang` cookie, then the
    /// browser's `Accept-Language`, then the hub's default.
    pub fn negotiate(
        member: Option<&str>,
        cookie: Option<&str>,
        accept_language: Option<&str>,
        hub_default: &str,
    ) -> Lang {
        if let Some(lang) = member.and_then(Lang::parse).or_else(|| cookie.and_then(Lang::parse)) {
            return lang;
        }
        if let Some(header) = accept_language {
            let mut ranked: Vec<(f32, Lang)> = header
                .split(',')
                .filter_map(|part| {
                    let mut pieces = part.split(';');
                    let tag = pieces.next()?.trim();
                    let primary = tag.split('-').next()?;
                    let lang = Lang::parse(primary)?;
                    let q = pieces
                        .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                        .unwrap_or(1.0);
                    (q > 0.0).then_some((q, lang))
                })
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            if let Some((_, lang)) = ranked.first() {
                return *lang;
            }
        }
        Lang::parse(hub_default).unwrap_or(Lang::Fr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_order() {
        assert_eq!(Lang::negotiate(Some("en"), Some("fr"), Some("fr"), "fr"), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("en"), Some("fr"), "fr"), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("de-DE,en-GB;q=0.8,fr;q=0.5"), "fr"), Lang::En);
        assert_eq!(Lang::negotiate(None, None, Some("en;q=0.2, fr-FR"), "en"), Lang::Fr);
        assert_eq!(Lang::negotiate(None, None, Some("de"), "en"), Lang::En);
        assert_eq!(Lang::negotiate(Some(""), None, None, "xx"), Lang::Fr);
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let mut fr: Vec<_> = FR.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        fr.sort();
        en.sort();
        let only_fr: Vec<_> = fr.iter().filter(|k| !EN.contains_key(k.as_str())).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !FR.contains_key(k.as_str())).collect();
        assert!(only_fr.is_empty() && only_en.is_empty(), "only in fr: {only_fr:?}; only in en: {only_en:?}");
    }
}

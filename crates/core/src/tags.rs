//! Tags (hashtags) as every feature stores them: folded, words joined by dashes.

/// Characters per tag.
pub const MAX_TAG_CHARS: usize = 40;

/// Tags as people type them ("#CAF, aidants connect") made into tags ("caf", "aidants-connect").
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in text.split([',', ';', '\n']).flat_map(|part| {
        // "#a #b" on one line are two tags; "aidants connect" is one.
        if part.contains('#') { part.split('#').map(str::to_owned).collect::<Vec<_>>() } else { vec![part.to_owned()] }
    }) {
        if let Some(tag) = normalise_tag(&raw)
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    tags
}

/// One tag in its stored form: folded, words joined by dashes, letters, digits, `-` and `_` only.
pub fn normalise_tag(raw: &str) -> Option<String> {
    let folded = crate::text::fold(raw.trim().trim_start_matches('#'));
    let tag: String = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if tag.is_empty() { None } else { Some(tag.chars().take(MAX_TAG_CHARS).collect()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(parse_tags("#CAF, Aidants Connect; caf"), ["caf", "aidants-connect"]);
        assert_eq!(parse_tags("#e-mail #Démarches"), ["e-mail", "demarches"]);
        assert_eq!(parse_tags(" , # ,"), Vec::<String>::new());
    }
}

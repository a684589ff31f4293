//! `@name` and `@name@host` in what members write: found, then turned into links once resolved.

/// A mention as written: `@alice` (this hub) or `@alice@hub.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Written {
    pub username: String,
    /// `None` for this hub.
    pub host: Option<String>,
}

impl Written {
    /// How it appears in the text.
    pub fn text(&self) -> String {
        match &self.host {
            Some(host) => format!("@{}@{host}", self.username),
            None => format!("@{}", self.username),
        }
    }
}

/// At most this many mentions per post are resolved (each may cost a WebFinger lookup).
pub const MAX_MENTIONS: usize = 10;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Mentions in Markdown source, outside code, each once, in order of appearance.
pub fn find(source: &str) -> Vec<Written> {
    let mut found: Vec<Written> = Vec::new();
    let mut in_fence = false;
    for line in source.lines() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || line.starts_with("    ") {
            continue;
        }
        for (_, written) in scan_line(line) {
            if !found.contains(&written) && found.len() < MAX_MENTIONS {
                found.push(written);
            }
        }
    }
    found
}

/// Mentions in one line with their byte offsets and lengths, skipping `inline code`.
fn scan_line(line: &str) -> Vec<(usize, Written)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c == '`' {
            in_code = !in_code;
        }
        let preceded_ok = i == 0 || !(is_name_char(chars[i - 1].1) || chars[i - 1].1 == '@');
        if c == '@' && !in_code && preceded_ok {
            let mut j = i + 1;
            while j < chars.len() && is_name_char(chars[j].1) {
                j += 1;
            }
            let username: String = chars[i + 1..j].iter().map(|(_, c)| *c).collect();
            let username = username.trim_end_matches('.').to_owned();
            let mut host = None;
            let mut end = i + 1 + username.chars().count();
            if end < chars.len() && chars[end].1 == '@' {
                let mut k = end + 1;
                while k < chars.len() && (is_name_char(chars[k].1) || chars[k].1 == ':') {
                    k += 1;
                }
                let candidate: String = chars[end + 1..k].iter().map(|(_, c)| *c).collect();
                let candidate = candidate.trim_end_matches(['.', ':']).to_owned();
                if candidate.contains('.') || candidate.contains(':') || candidate == "localhost" {
                    end = end + 1 + candidate.chars().count();
                    host = Some(candidate.to_lowercase());
                }
            }
            if !username.is_empty() {
                out.push((at, Written { username: username.to_lowercase(), host }));
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// The source with each resolved mention made a link (`[@alice@hub](url)`), in Mastodon's
/// markup so every server shows it as a mention. Code is left alone.
pub fn link(source: &str, resolved: &[(Written, String)]) -> String {
    if resolved.is_empty() {
        return source.to_owned();
    }
    let mut out = String::with_capacity(source.len() + 64);
    let mut in_fence = false;
    for (n, line) in source.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence || line.starts_with("    ") {
            out.push_str(line);
            continue;
        }
        let mut last = 0;
        for (at, written) in scan_line(line) {
            let text = written.text();
            let Some((_, url)) = resolved.iter().find(|(w, _)| *w == written) else { continue };
            // The text as typed may differ in case from `text`.
            let typed_len = text.len();
            if at < last || at + typed_len > line.len() {
                continue;
            }
            out.push_str(&line[last..at]);
            out.push_str(&format!(
                "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@{}</a></span>",
                url.replace('"', "%22"),
                written.username
            ));
            last = at + typed_len;
        }
        out.push_str(&line[last..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(username: &str, host: Option<&str>) -> Written {
        Written { username: username.into(), host: host.map(str::to_owned) }
    }

    #[test]
    fn finds_local_and_remote_mentions_outside_code() {
        let text = "Merci @Alice et @bob@mastodon.example, voir `@pas@ici.fr`.\n```\n@non\n```\nmail: a@b.fr @carol@localhost:8080.";
        assert_eq!(
            find(text),
            [w("alice", None), w("bob", Some("mastodon.example")), w("carol", Some("localhost:8080"))]
        );
    }

    #[test]
    fn links_resolved_mentions() {
        let text = "Bonjour @bob@m.example !";
        let linked = link(text, &[(w("bob", Some("m.example")), "https://m.example/users/bob".into())]);
        assert_eq!(
            linked,
            "Bonjour <span class=\"h-card\"><a href=\"https://m.example/users/bob\" class=\"u-url mention\">@bob</a></span> !"
        );
        assert_eq!(link("@nobody here", &[(w("bob", None), "x".into())]), "@nobody here");
    }
}

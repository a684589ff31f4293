//! RSS 2.0 and Atom feeds, for any list a feature publishes (forum topics, upcoming events).

use crate::time::to_rfc3339;

#[derive(Debug, Clone)]
pub struct FeedItem {
    pub id: String,
    pub title: String,
    pub link: String,
    pub author: String,
    /// Sanitised HTML.
    pub content_html: String,
    pub published: i64,
    pub updated: i64,
}

#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    /// The page the feed follows.
    pub link: String,
    /// The feed's own URL.
    pub self_link: String,
    pub language: String,
    pub items: Vec<FeedItem>,
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc2822(ms: i64) -> String {
    crate::time::to_datetime(ms).format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

impl Feed {
    pub fn to_atom(&self) -> String {
        let updated = self.items.iter().map(|i| i.updated.max(i.published)).max().unwrap_or(0);
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
             <title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<updated>{}</updated>\n",
            xml_escape(&self.language),
            xml_escape(&self.title),
            xml_escape(&self.self_link),
            xml_escape(&self.link),
            xml_escape(&self.self_link),
            to_rfc3339(updated)
        );
        for item in &self.items {
            xml.push_str(&format!(
                "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
                 <author><name>{}</name></author>\n<published>{}</published>\n<updated>{}</updated>\n\
                 <content type=\"html\">{}</content>\n</entry>\n",
                xml_escape(&item.title),
                xml_escape(&item.id),
                xml_escape(&item.link),
                xml_escape(&item.author),
                to_rfc3339(item.published),
                to_rfc3339(item.updated.max(item.published)),
                xml_escape(&item.content_html)
            ));
        }
        xml.push_str("</feed>\n");
        xml
    }

    pub fn to_rss(&self) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
             <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>{}</language>\n\
             <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
            xml_escape(&self.title),
            xml_escape(&self.link),
            xml_escape(&self.title),
            xml_escape(&self.language),
            xml_escape(&self.self_link)
        );
        for item in &self.items {
            xml.push_str(&format!(
                "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{}</guid>\n\
                 <dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">{}</dc:creator>\n<pubDate>{}</pubDate>\n\
                 <description>{}</description>\n</item>\n",
                xml_escape(&item.title),
                xml_escape(&item.link),
                xml_escape(&item.id),
                xml_escape(&item.author),
                rfc2822(item.published),
                xml_escape(&item.content_html)
            ));
        }
        xml.push_str("</channel>\n</rss>\n");
        xml
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_escape_everything() {
        let feed = Feed {
            title: "Entraide & <aide>".into(),
            link: "https://h/forum".into(),
            self_link: "https://h/forum/feed.atom".into(),
            language: "fr".into(),
            items: vec![FeedItem {
                id: "https://h/forum/p/1".into(),
                title: "Sans e-mail ? \u{1}".into(),
                link: "https://h/forum/t/1".into(),
                author: "Léa".into(),
                content_html: "<p>a</p>".into(),
                published: 0,
                updated: 0,
            }],
        };
        let atom = feed.to_atom();
        assert!(atom.contains("<title>Entraide &amp; &lt;aide&gt;</title>"));
        assert!(atom.contains("&lt;p&gt;a&lt;/p&gt;"));
        assert!(!atom.contains('\u{1}'));
        assert!(feed.to_rss().contains("<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>"));
    }
}

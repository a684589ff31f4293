//! Markdown to safe HTML, and sanitising of HTML that other servers send.
//!
//! One allowlist for both, kept inside what Mastodon keeps, so what we show is what peers show.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::Builder;
use pulldown_cmark::{Options, Parser, html};

/// Tags that survive; Mastodon's sanitiser keeps the same set (plus `span` for its mentions).
const ALLOWED_TAGS: &[&str] =
    &["p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "del", "span"];

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(post_sanitizer);

fn post_sanitizer() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect::<HashSet<_>>())
        .tag_attributes(
            [("a", ["href", "title"].into_iter().collect::<HashSet<_>>()), ("ol", ["start"].into_iter().collect())]
                .into_iter()
                .collect(),
        )
        // Mastodon marks mentions and hashtags with these classes; keep them, drop the rest.
        .allowed_classes(
            [
                ("a", ["mention", "hashtag", "u-url"].into_iter().collect::<HashSet<_>>()),
                ("span", ["h-card", "invisible", "ellipsis"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener ugc"))
        .strip_comments(true);
    builder
}

/// Renders a member's markdown to HTML that is safe to embed in our pages and in activities.
/// Headings and images are outside the allowlist: their text stays, the markup goes.
pub fn render_markdown(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(source, options);
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    sanitize_html(&unsafe_html)
}

/// Documents (library resources) also keep headings (`h2`–`h4`: the page has the `h1`), tables
/// and images from `https` addresses with their alt text.
static DOCUMENT_SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = post_sanitizer();
    builder
        .add_tags(["h2", "h3", "h4", "img", "table", "thead", "tbody", "tr", "th", "td", "hr"])
        .add_tag_attributes("img", ["src", "alt", "title"])
        .add_tag_attributes("th", ["scope"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !value.starts_with("https://") => None,
            _ => Some(value.into()),
        });
    builder
});

/// Renders a document's markdown (a resource's body) to safe HTML with its structure: headings
/// one level below the page's title, tables, images.
pub fn render_document(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    // `#` is the page's title: every heading goes one level down (and `h5`, `h6` stay `h4`).
    let events = Parser::new_ext(source, options).map(|event| match event {
        pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading { level, id, classes, attrs }) => {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading { level: demote(level), id, classes, attrs })
        }
        pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(level)) => {
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(demote(level)))
        }
        other => other,
    });
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    DOCUMENT_SANITIZER.clean(&unsafe_html).to_string().trim().to_owned()
}

fn demote(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 => H2,
        H2 => H3,
        _ => H4,
    }
}

/// Cleans a document received from another server (another hub's resource).
pub fn sanitize_remote_document(html: &str) -> String {
    DOCUMENT_SANITIZER.clean(html).to_string().trim().to_owned()
}

/// Cleans HTML received from another server (a Mastodon reply, a Lemmy post).
pub fn sanitize_remote_html(html: &str) -> String {
    sanitize_html(html)
}

fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string().trim().to_owned()
}

/// Plain text of an HTML fragment (for search, summaries and page titles).
pub fn html_to_text(html: &str) -> String {
    let stripped = Builder::empty().clean(html).to_string();
    // ammonia escapes text; undo the few entities it produces.
    stripped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_structure_and_stay_safe() {
        let html = render_document(
            "# Kit\n\n## Déroulé\n\n![Une médiatrice](https://img.example/a.png) ![x](http://img.example/b.png)\n\n\
             | a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h2>Kit</h2>") && html.contains("<h3>Déroulé</h3>"), "{html}");
        assert!(html.contains("<img src=\"https://img.example/a.png\" alt=\"Une médiatrice\">"), "{html}");
        assert!(
            !html.contains("http://img.example") && !html.contains("onerror") && !html.contains("<script"),
            "{html}"
        );
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn renders_markdown_basics() {
        let html = render_markdown("Bonjour **toi**, voir [le guide](https://example.org/g).");
        assert_eq!(
            html,
            "<p>Bonjour <strong>toi</strong>, voir <a href=\"https://example.org/g\" rel=\"nofollow noopener ugc\">le guide</a>.</p>"
        );
    }

    #[test]
    fn headings_and_images_lose_their_markup_not_their_text() {
        let html = render_markdown("# Titre\n\n![un chat](https://x/c.png)");
        assert!(!html.contains("<h1"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("Titre"));
    }

    #[test]
    fn raw_html_in_markdown_is_neutralised() {
        let html = render_markdown("<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\">x</a>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn hostile_remote_html_is_cleaned() {
        let vectors = [
            "<img src=x onerror=alert(1)>",
            "<p onclick=\"alert(1)\">hi</p>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg><script>alert(1)</script></svg>",
            "<iframe src=\"https://evil\"></iframe>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<form action=\"https://evil\"><input name=x></form>",
        ];
        for vector in vectors {
            let clean = sanitize_remote_html(vector);
            for bad in [
                "<script",
                "onerror",
                "onclick",
                "javascript:",
                "<iframe",
                "style=",
                "data:",
                "<img",
                "<form",
                "<input",
            ] {
                assert!(!clean.contains(bad), "{vector} gave {clean}");
            }
        }
    }

    #[test]
    fn keeps_mastodon_mentions() {
        let html = "<p><span class=\"h-card\"><a href=\"https://m.example/@a\" class=\"u-url mention\">@<span>a</span></a></span> merci</p>";
        let clean = sanitize_remote_html(html);
        assert!(clean.contains("class=\"h-card\""), "{clean}");
        assert!(clean.contains("rel=\"nofollow noopener ugc\""), "{clean}");
    }

    #[test]
    fn text_of_html() {
        assert_eq!(html_to_text("<p>Tom &amp; Léa</p><p>&lt;3</p>"), "Tom & Léa<3");
    }
}

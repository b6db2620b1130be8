//! Unit tests for the markdown pipeline: one test per rule in the module doc.

use super::*;

fn html(source: &str) -> String {
    render(source).expect("renders")
}

const LINK_ATTRS: &str = r#"target="_blank" rel="noopener noreferrer""#;

#[test]
fn paragraphs_and_emphasis_render_as_commonmark() {
    assert_eq!(
        html("Hello *there* **you**"),
        "<p>Hello <em>there</em> <strong>you</strong></p>\n"
    );
}

#[test]
fn tables_render_without_style_attributes() {
    let out = html("| a | b |\n|:--|--:|\n| 1 | 2 |\n");
    assert!(out.contains("<table>"), "{out}");
    assert!(out.contains("<th>a</th>"), "{out}");
    assert!(out.contains("<td>2</td>"), "{out}");
    assert!(!out.contains("style"), "{out}");
}

#[test]
fn strikethrough_renders_as_del() {
    assert_eq!(html("~~gone~~"), "<p><del>gone</del></p>\n");
}

#[test]
fn markdown_links_open_in_a_new_tab_without_opener() {
    assert_eq!(
        html("[shop](https://shop.example/a?b=1)"),
        format!("<p><a href=\"https://shop.example/a?b=1\" {LINK_ATTRS}>shop</a></p>\n")
    );
}

#[test]
fn bare_urls_and_emails_are_autolinked() {
    let out = html("Visit https://shop.example/returns, www.shop.example or help@shop.example.");
    for (href, text) in [
        (
            "https://shop.example/returns",
            "https://shop.example/returns",
        ),
        ("https://www.shop.example", "www.shop.example"),
        ("mailto:help@shop.example", "help@shop.example"),
    ] {
        let link = format!("<a href=\"{href}\" {LINK_ATTRS}>{text}</a>");
        assert!(out.contains(&link), "{link} in {out}");
    }
    assert!(
        out.contains("</a>, ") && out.ends_with("</a>.</p>\n"),
        "{out}"
    );
}

#[test]
fn urls_in_code_and_inside_links_are_not_autolinked_again() {
    assert_eq!(
        html("`https://a.example`"),
        "<p><code>https://a.example</code></p>\n"
    );
    assert_eq!(
        html("```\nhttps://a.example\n```"),
        "<pre><code>https://a.example\n</code></pre>\n"
    );
    let out = html("[https://a.example](https://b.example)");
    assert_eq!(out.matches("<a ").count(), 1, "{out}");
    assert!(out.contains("href=\"https://b.example\""), "{out}");
}

#[test]
fn angle_autolinks_and_email_autolinks_keep_working() {
    let out = html("<https://a.example> <me@shop.example>");
    assert!(out.contains("href=\"https://a.example\""), "{out}");
    assert!(out.contains("href=\"mailto:me@shop.example\""), "{out}");
}

#[test]
fn raw_html_blocks_and_inline_html_are_shown_escaped() {
    assert_eq!(
        html("<script>alert(1)</script>"),
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;\n</p>\n"
    );
    assert_eq!(
        html("a <b onclick=\"x()\">bold</b>"),
        "<p>a &lt;b onclick=\"x()\"&gt;bold&lt;/b&gt;</p>\n"
    );
    let out = html("<div>\n<img src=x onerror=alert(1)>\n</div>");
    assert!(!out.contains("<img"), "{out}");
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
}

#[test]
fn javascript_links_lose_the_link_and_keep_the_text() {
    for url in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "%20javascript:alert(1)",
    ] {
        let out = html(&format!("[click]({url})"));
        assert_eq!(out, "<p>click</p>\n", "{url}");
    }
}

#[test]
fn vbscript_and_data_links_are_removed() {
    assert_eq!(html("[v](vbscript:msgbox(1))"), "<p>v</p>\n");
    assert_eq!(
        html("[d](data:text/html;base64,PHNjcmlwdD4=)"),
        "<p>d</p>\n"
    );
}

#[test]
fn entity_encoded_schemes_are_removed_too() {
    let out = html("[x](&#106;avascript:alert(1)) [y](jav&#x09;ascript:alert(1))");
    assert!(!out.contains("href"), "{out}");
}

#[test]
fn mailto_and_tel_links_are_kept() {
    assert!(html("[call](tel:+390612345678)").contains("href=\"tel:+390612345678\""));
    assert!(html("[mail](mailto:a@b.example)").contains("href=\"mailto:a@b.example\""));
}

#[test]
fn relative_links_are_dropped_because_the_host_page_is_not_ours() {
    assert_eq!(html("[rel](/returns)"), "<p>rel</p>\n");
    assert!(html("[w](www.shop.example/x)").contains("href=\"https://www.shop.example/x\""));
}

#[test]
fn images_render_only_from_http_sources() {
    let out = html("![a shoe](https://cdn.example/shoe.png)");
    assert_eq!(
        out,
        "<p><img src=\"https://cdn.example/shoe.png\" alt=\"a shoe\"></p>\n"
    );
    assert_eq!(
        html("![pixel](data:image/png;base64,AAAA)"),
        "<p>pixel</p>\n"
    );
    assert_eq!(html("![x](javascript:alert(1))"), "<p>x</p>\n");
    assert_eq!(html("![local](shoe.png)"), "<p>local</p>\n");
}

#[test]
fn sources_over_the_size_limit_are_refused() {
    let source = "a".repeat(MAX_SOURCE_BYTES + 1);
    assert_eq!(
        render(&source),
        Err(MarkdownError::TooLarge {
            size: MAX_SOURCE_BYTES + 1,
            limit: MAX_SOURCE_BYTES
        })
    );
    assert!(render(&"a".repeat(MAX_SOURCE_BYTES)).is_ok());
}

#[test]
fn deep_block_quotes_are_refused() {
    let limit = MAX_NESTING;
    assert_eq!(
        render(&">".repeat(MAX_SOURCE_BYTES)),
        Err(MarkdownError::TooDeep { limit })
    );
    assert_eq!(
        render(&format!("{} deep", ">".repeat(MAX_NESTING))),
        Err(MarkdownError::TooDeep { limit })
    );
    assert!(render(&format!("{} fine", ">".repeat(MAX_NESTING - 1))).is_ok());
}

#[test]
fn deep_lists_are_refused() {
    let numbered = format!("{}x", "1. ".repeat(MAX_SOURCE_BYTES / 4));
    assert_eq!(
        render(&numbered),
        Err(MarkdownError::TooDeep { limit: MAX_NESTING })
    );
    let indented: String = (0..40)
        .map(|level| format!("{}- item\n", "  ".repeat(level)))
        .collect();
    assert_eq!(
        render(&indented),
        Err(MarkdownError::TooDeep { limit: MAX_NESTING })
    );
}

#[test]
fn many_brackets_and_stars_render_as_text() {
    for c in ["[", "]", "*", "_", "`", "<", "(", "!["] {
        let source = c.repeat(MAX_SOURCE_BYTES / c.len());
        let out = render(&source).expect("renders");
        assert!(!out.is_empty(), "{c}");
    }
}

#[test]
fn a_hundred_thousand_quote_markers_are_refused_by_size_first() {
    let source = ">".repeat(100_000);
    assert!(matches!(
        render(&source),
        Err(MarkdownError::TooLarge { .. })
    ));
}

#[test]
fn no_style_attribute_or_tag_survives() {
    let out = html("<style>p{}</style>\n\n<p style=\"color:red\">x</p>");
    assert!(!out.contains("<style"), "{out}");
    assert!(!out.contains("<p style"), "{out}");
    let out = html("*x*{style=color:red}");
    assert!(!out.contains("<em style"), "{out}");
}

#[test]
fn shared_and_owned_renderers_agree() {
    let source = "*hi* https://a.example";
    assert_eq!(MarkdownRenderer::default().render(source), render(source));
}

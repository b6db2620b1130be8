//! Rewrites the pulldown-cmark event stream before it becomes HTML.
//!
//! - raw HTML (`Event::Html`, `Event::InlineHtml`) becomes text, so it shows literally;
//! - bare URLs and e-mail addresses in text become links (not in code, links or images);
//! - links with a scheme outside the allowlist lose the link and keep their text; images
//!   not served over `http(s)` become their alt text; `www.` destinations get `https://`;
//! - nesting deeper than the limit stops the render with [`MarkdownError::TooDeep`].
//!
//! Ammonia runs afterwards regardless; this pass makes the common cases read well instead of
//! leaving empty `<a>` elements behind.

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::MarkdownError;
use super::autolink::find_links;
use super::sanitizer::{IMAGE_SCHEMES, LINK_SCHEMES, has_scheme};

/// What an open link or image turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// Kept as a link or image.
    Kept,
    /// A link whose start and end are dropped; its text stays.
    Unwrapped,
    /// An image replaced by its alt text.
    AltText,
}

/// Rewrites `events` as the module doc says, failing when nesting exceeds `max_depth`.
pub(crate) fn rewrite<'a>(
    events: impl Iterator<Item = Event<'a>>,
    max_depth: usize,
) -> Result<Vec<Event<'a>>, MarkdownError> {
    let mut out = Vec::new();
    let mut depth = 0_usize;
    let mut opened: Vec<Opened> = Vec::new();
    let mut verbatim = 0_usize;
    for event in events {
        match event {
            Event::Start(tag) => {
                depth += 1;
                if depth > max_depth {
                    return Err(MarkdownError::TooDeep { limit: max_depth });
                }
                start_tag(tag, &mut out, &mut opened, &mut verbatim);
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                end_tag(end, &mut out, &mut opened, &mut verbatim);
            }
            Event::Html(html) => {
                out.push(Event::Text(CowStr::from(
                    html.trim_end_matches('\n').to_owned(),
                )));
                out.push(Event::SoftBreak);
            }
            Event::InlineHtml(html) => out.push(Event::Text(html)),
            Event::Text(text) if verbatim == 0 => push_autolinked(text, &mut out),
            other => out.push(other),
        }
    }
    Ok(out)
}

fn start_tag<'a>(
    tag: Tag<'a>,
    out: &mut Vec<Event<'a>>,
    opened: &mut Vec<Opened>,
    verbatim: &mut usize,
) {
    match tag {
        Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        } => {
            *verbatim += 1;
            let dest_url = normalize_destination(link_type, dest_url);
            if has_scheme(&dest_url, &LINK_SCHEMES) {
                opened.push(Opened::Kept);
                out.push(Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    title,
                    id,
                }));
            } else {
                opened.push(Opened::Unwrapped);
            }
        }
        Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        } => {
            *verbatim += 1;
            if has_scheme(&dest_url, &IMAGE_SCHEMES) {
                opened.push(Opened::Kept);
                out.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            } else {
                opened.push(Opened::AltText);
            }
        }
        Tag::CodeBlock(_) => {
            *verbatim += 1;
            out.push(Event::Start(tag));
        }
        Tag::HtmlBlock => {
            *verbatim += 1;
            out.push(Event::Start(Tag::Paragraph));
        }
        other => out.push(Event::Start(other)),
    }
}

fn end_tag<'a>(
    end: TagEnd,
    out: &mut Vec<Event<'a>>,
    opened: &mut Vec<Opened>,
    verbatim: &mut usize,
) {
    match end {
        TagEnd::Link | TagEnd::Image => {
            *verbatim = verbatim.saturating_sub(1);
            if opened.pop() == Some(Opened::Kept) {
                out.push(Event::End(end));
            }
        }
        TagEnd::CodeBlock => {
            *verbatim = verbatim.saturating_sub(1);
            out.push(Event::End(end));
        }
        TagEnd::HtmlBlock => {
            *verbatim = verbatim.saturating_sub(1);
            out.push(Event::End(TagEnd::Paragraph));
        }
        other => out.push(Event::End(other)),
    }
}

/// Gives e-mail autolinks their `mailto:` and scheme-less `www.` destinations `https://`.
fn normalize_destination(link_type: LinkType, dest_url: CowStr<'_>) -> CowStr<'_> {
    if link_type == LinkType::Email {
        return CowStr::from(format!("mailto:{dest_url}"));
    }
    let trimmed = dest_url.trim_start();
    if trimmed.len() >= 4 && trimmed.as_bytes()[..4].eq_ignore_ascii_case(b"www.") {
        return CowStr::from(format!("https://{trimmed}"));
    }
    dest_url
}

/// Pushes `text`, turning the bare links in it into link events.
fn push_autolinked<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    let links = find_links(&text);
    if links.is_empty() {
        out.push(Event::Text(text));
        return;
    }
    let mut cursor = 0;
    for link in links {
        if link.span.start > cursor {
            out.push(Event::Text(CowStr::from(
                text[cursor..link.span.start].to_owned(),
            )));
        }
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::from(link.href),
            title: CowStr::Borrowed(""),
            id: CowStr::Borrowed(""),
        }));
        out.push(Event::Text(CowStr::from(
            text[link.span.clone()].to_owned(),
        )));
        out.push(Event::End(TagEnd::Link));
        cursor = link.span.end;
    }
    if cursor < text.len() {
        out.push(Event::Text(CowStr::from(text[cursor..].to_owned())));
    }
}

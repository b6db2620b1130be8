//! Markdown to safe HTML for bot and agent messages.
//!
//! The pipeline is pulldown-cmark (CommonMark + tables + strikethrough), an event rewrite
//! ([`events`]: raw HTML shown literally, bare URLs linked, bad link schemes unwrapped, depth
//! bounded), pulldown-cmark's HTML writer, then ammonia with one allowlist ([`sanitizer`]).
//!
//! Guarantees, each with a test here or in `tests/markdown_props.rs`:
//! - no `<script>`, no `style`, no `on*` attribute, no `javascript:`/`vbscript:`/`data:` URL
//!   ever reaches the output; only `http`, `https`, `mailto` and `tel` links survive, and
//!   images only over `http(s)`;
//! - links carry `target="_blank" rel="noopener noreferrer"`;
//! - a source above [`MAX_SOURCE_BYTES`] is refused with [`MarkdownError::TooLarge`] before
//!   parsing, and element nesting above [`MAX_NESTING`] with [`MarkdownError::TooDeep`], so
//!   hostile input (100k `>` or `[`) costs linear time and no deep recursion.
//!
//! Table column alignment is not kept: pulldown-cmark expresses it as a `style` attribute,
//! and `style` is never allowed.

mod autolink;
mod events;
mod sanitizer;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser};

/// The largest markdown source, in bytes, that is rendered.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024;

/// The deepest nesting of elements (block quotes, list items, emphasis, ...) that is rendered.
pub const MAX_NESTING: usize = 16;

/// Why a markdown source was not rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkdownError {
    /// The source is longer than the limit.
    #[error("markdown source is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The source length in bytes.
        size: usize,
        /// The limit in bytes ([`MAX_SOURCE_BYTES`]).
        limit: usize,
    },
    /// Elements are nested deeper than the limit.
    #[error("markdown nests elements deeper than {limit} levels")]
    TooDeep {
        /// The nesting limit ([`MAX_NESTING`]).
        limit: usize,
    },
}

/// Renders markdown to sanitized HTML. Build one and reuse it: building the sanitizer
/// allocates its allowlists, rendering does not rebuild them. [`render`] uses a shared one.
pub struct MarkdownRenderer {
    sanitizer: ammonia::Builder<'static>,
    options: Options,
}

impl MarkdownRenderer {
    /// A renderer with the allowlist and limits described in the module doc.
    pub fn new() -> Self {
        Self {
            sanitizer: sanitizer::build(),
            options: Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        }
    }

    /// Renders `source` to sanitized HTML.
    pub fn render(&self, source: &str) -> Result<String, MarkdownError> {
        if source.len() > MAX_SOURCE_BYTES {
            return Err(MarkdownError::TooLarge {
                size: source.len(),
                limit: MAX_SOURCE_BYTES,
            });
        }
        let parser = Parser::new_ext(source, self.options);
        let events = events::rewrite(pulldown_cmark::TextMergeStream::new(parser), MAX_NESTING)?;
        let mut html = String::with_capacity(source.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        Ok(self.sanitizer.clean(&html).to_string())
    }
}

impl Default for MarkdownRenderer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MarkdownRenderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MarkdownRenderer")
            .field("max_source_bytes", &MAX_SOURCE_BYTES)
            .field("max_nesting", &MAX_NESTING)
            .finish_non_exhaustive()
    }
}

static SHARED_RENDERER: LazyLock<MarkdownRenderer> = LazyLock::new(MarkdownRenderer::new);

/// Renders `source` to sanitized HTML with a renderer built once per process.
pub fn render(source: &str) -> Result<String, MarkdownError> {
    SHARED_RENDERER.render(source)
}

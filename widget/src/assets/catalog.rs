//! The files compiled into the binary: the launcher script, the lazily loaded chat script,
//! the demo shop page and its media, each with a content hash used as ETag and version.
//!
//! Everything is embedded with `include_str!`/`include_bytes!`, so `cargo run` needs no JS
//! build step; the scripts are served without their whole-line comments (`comments.rs`). The launcher learns the chat script's version by substitution of
//! [`CHAT_VERSION_PLACEHOLDER`] at start-up, which lets the chat script be cached forever
//! under `?v=<hash>`.

use std::io::Write as _;
use std::sync::LazyLock;

use super::comments::without_comments;

/// Text the launcher source carries where the chat script's version goes.
pub const CHAT_VERSION_PLACEHOLDER: &str = "__STAFFETTA_CHAT_VERSION__";

/// Launcher source: the loader (registry, options, helpers), the instance (launcher, API)
/// and the boot (rendering, config, loading the chat window, creating the instances) share
/// one private scope, so the three files are wrapped in a single function.
const LAUNCHER_SOURCE: &str = concat!(
    "/*! Staffetta web chat loader and launcher. Apache-2.0. */\n(function () {\n'use strict';\n",
    include_str!("../../assets/widget.js"),
    include_str!("../../assets/launcher.js"),
    include_str!("../../assets/boot.js"),
    "\n})();\n"
);

/// Chat window source: the transport (with its identity renewal, its "Continue", its
/// long-poll fallback and the tab hand-over), the shared render helpers, the window, the item
/// renderers, the handoff side and what the conversation's events do share one private
/// scope, so the ten files are wrapped in a single function at compile time.
const CHAT_SOURCE: &str = concat!(
    "/*! Staffetta web chat window. Apache-2.0. */\n(function () {\n'use strict';\n",
    include_str!("../../assets/transport.js"),
    include_str!("../../assets/identity.js"),
    include_str!("../../assets/keepalive.js"),
    include_str!("../../assets/longpoll.js"),
    include_str!("../../assets/tabs.js"),
    include_str!("../../assets/render.js"),
    include_str!("../../assets/chat.js"),
    include_str!("../../assets/items.js"),
    include_str!("../../assets/handoff.js"),
    include_str!("../../assets/events.js"),
    "\n})();\n"
);

/// The demo shop page served at `/`.
const DEMO_PAGE: &str = include_str!("../../assets/demo/index.html");

/// A file as served: its bytes, its media type and a strong validator.
#[derive(Debug)]
pub struct Asset {
    /// Media type sent as `Content-Type`.
    pub content_type: &'static str,
    /// Uncompressed bytes.
    pub bytes: Vec<u8>,
    /// Gzip of `bytes` (level 9); `None` for formats that do not compress (PNG).
    pub gzip: Option<Vec<u8>>,
    /// 16 hex digits of the FNV-1a hash of `bytes`; the ETag is this value quoted.
    pub hash: String,
}

impl Asset {
    fn new(content_type: &'static str, bytes: Vec<u8>, compress: bool) -> Self {
        let hash = format!("{:016x}", fnv1a(&bytes));
        let gzip = compress.then(|| gzip(&bytes));
        Self {
            content_type,
            bytes,
            gzip,
            hash,
        }
    }

    /// The quoted strong ETag.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.hash)
    }
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

static CHAT: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(JAVASCRIPT, without_comments(CHAT_SOURCE).into_bytes(), true));

static LAUNCHER: LazyLock<Asset> = LazyLock::new(|| {
    let source = without_comments(LAUNCHER_SOURCE).replace(CHAT_VERSION_PLACEHOLDER, &CHAT.hash);
    Asset::new(JAVASCRIPT, source.into_bytes(), true)
});

static DEMO: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "text/html; charset=utf-8",
        DEMO_PAGE.as_bytes().to_vec(),
        true,
    )
});

/// `(file name, media type, bytes)` of every demo medium; all self-made (see
/// `widget/assets/demo/make_media.py` for the PNG and the WAV, `make_video.sh` for the MP4).
const MEDIA_FILES: [(&str, &str, &[u8]); 8] = [
    (
        "vase.svg",
        "image/svg+xml",
        include_bytes!("../../assets/demo/media/vase.svg"),
    ),
    (
        "scarf.svg",
        "image/svg+xml",
        include_bytes!("../../assets/demo/media/scarf.svg"),
    ),
    (
        "lamp.svg",
        "image/svg+xml",
        include_bytes!("../../assets/demo/media/lamp.svg"),
    ),
    (
        "map.svg",
        "image/svg+xml",
        include_bytes!("../../assets/demo/media/map.svg"),
    ),
    (
        "workshop-poster.svg",
        "image/svg+xml",
        include_bytes!("../../assets/demo/media/workshop-poster.svg"),
    ),
    (
        "aurora-logo.png",
        "image/png",
        include_bytes!("../../assets/demo/media/aurora-logo.png"),
    ),
    (
        "chime.wav",
        "audio/wav",
        include_bytes!("../../assets/demo/media/chime.wav"),
    ),
    (
        "workshop-tour.mp4",
        "video/mp4",
        include_bytes!("../../assets/demo/media/workshop-tour.mp4"),
    ),
];

static MEDIA: LazyLock<Vec<(&'static str, Asset)>> = LazyLock::new(|| {
    MEDIA_FILES
        .iter()
        .map(|(name, content_type, bytes)| {
            let compress = content_type.starts_with("image/svg");
            (*name, Asset::new(content_type, bytes.to_vec(), compress))
        })
        .collect()
});

/// `widget.js`: loader and launcher, with the chat version filled in.
pub fn launcher() -> &'static Asset {
    &LAUNCHER
}

/// `widget/chat.js`: the chat window and its transport.
pub fn chat() -> &'static Asset {
    &CHAT
}

/// The demo shop page.
pub fn demo_page() -> &'static Asset {
    &DEMO
}

/// One demo medium by file name, if it exists.
pub fn demo_media(name: &str) -> Option<&'static Asset> {
    MEDIA
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, asset)| asset)
}

/// Names of all demo media files.
pub fn demo_media_names() -> impl Iterator<Item = &'static str> {
    MEDIA_FILES.iter().map(|(name, _, _)| *name)
}

/// 64-bit FNV-1a: a stable content hash (not a security primitive; it only versions files).
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Gzip at level 9. Writing into a `Vec` cannot fail, so an error here is unreachable in
/// practice; it falls back to an empty body that the router never serves (it checks length).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if encoder.write_all(bytes).is_err() {
        return Vec::new();
    }
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launcher_carries_the_chat_version_instead_of_the_placeholder() {
        let source = String::from_utf8_lossy(&launcher().bytes);
        assert!(!source.contains(CHAT_VERSION_PLACEHOLDER));
        assert!(source.contains(&chat().hash));
    }

    #[test]
    fn hash_changes_when_content_changes() {
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read as _;
        let asset = chat();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(asset.gzip.as_deref().unwrap_or_default())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, asset.bytes);
    }

    #[test]
    fn every_demo_medium_is_found_by_name() {
        for name in demo_media_names() {
            assert!(demo_media(name).is_some(), "{name}");
        }
        assert!(demo_media("../Cargo.toml").is_none());
    }

    /// What makes taking out whole-line comments safe (see `comments.rs`): no literal spans
    /// lines, so a line that starts with `//` or `/*` is never inside one.
    #[test]
    fn no_string_or_template_literal_of_the_scripts_spans_lines() {
        for (number, line) in CHAT_SOURCE
            .lines()
            .chain(LAUNCHER_SOURCE.lines())
            .enumerate()
        {
            assert!(
                line.matches('`').count() % 2 == 0,
                "a template literal spans lines at {number}: {line}"
            );
            assert!(
                !line.ends_with('\\'),
                "a string continues on the next line at {number}: {line}"
            );
        }
    }
}

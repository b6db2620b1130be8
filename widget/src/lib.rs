//! The browser-facing side: the embeddable widget assets, the agent console page and the
//! visitor wire protocol types (`ClientFrame` / `ServerFrame`).
//!
//! # Layout
//!
//! - [`assets`]: `GET /widget.js` (loader + launcher), `GET /widget/chat.js` (chat window,
//!   lazy), `GET /` (demo shop page) and `GET /demo/media/{file}`, all embedded in the binary.
//! - [`console`]: `GET /agent` (the agent console page, script and style), merged into the
//!   asset router.
//! - [`protocol`]: the visitor wire contract v1 (session bodies, events, websocket frames).

pub mod assets;
pub mod console;
pub mod protocol;

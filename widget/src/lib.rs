//! The browser-facing side: the embeddable widget assets, the agent console page and the
//! visitor wire protocol types (`ClientFrame` / `ServerFrame`).

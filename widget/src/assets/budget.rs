//! The weight budget of issue 5: the launcher at most 15 KB gzip, launcher plus chat window
//! at most 40 KB gzip, measured on the exact bytes the router serves (gzip level 9).
//! Sizes with brotli too: `cargo run -p staffetta-widget --example asset_sizes`.

use super::{chat, launcher};

/// Launcher budget in bytes (15 KB, counted as 15,000 bytes to stay on the safe side).
const LAUNCHER_GZIP_BUDGET: usize = 15_000;
/// Launcher + chat window budget in bytes (40 KB as 40,000 bytes).
const TOTAL_GZIP_BUDGET: usize = 40_000;

fn gzip_len(asset: &super::Asset) -> usize {
    asset.gzip.as_ref().map_or(asset.bytes.len(), Vec::len)
}

#[test]
fn launcher_stays_within_15_kb_gzip() {
    let size = gzip_len(launcher());
    assert!(
        size <= LAUNCHER_GZIP_BUDGET,
        "widget.js is {size} bytes gzip, budget {LAUNCHER_GZIP_BUDGET}"
    );
}

#[test]
fn launcher_and_chat_window_stay_within_40_kb_gzip() {
    let size = gzip_len(launcher()) + gzip_len(chat());
    assert!(
        size <= TOTAL_GZIP_BUDGET,
        "widget.js + chat.js are {size} bytes gzip, budget {TOTAL_GZIP_BUDGET}"
    );
}

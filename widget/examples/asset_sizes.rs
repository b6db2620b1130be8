//! Run with: `cargo run -p staffetta-widget --example asset_sizes`
//!
//! Prints raw, gzip (level 9) and brotli (quality 11) sizes of the scripts exactly as the
//! router serves them; the figures go to docs/BENCHMARKS.md, section "Widget size".

use std::io::Write as _;

use staffetta_widget::assets::{Asset, chat, launcher};

fn gzip(bytes: &[u8]) -> std::io::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn brotli(bytes: &[u8]) -> std::io::Result<usize> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out.len())
}

fn main() -> std::io::Result<()> {
    let rows: [(&str, &Asset); 2] = [
        ("widget.js (loader + launcher)", launcher()),
        ("widget/chat.js (chat window, lazy)", chat()),
    ];
    println!("| file | raw | gzip -9 | brotli 11 |");
    println!("|---|---:|---:|---:|");
    let mut totals = (0, 0, 0);
    for (name, asset) in rows {
        let (raw, gz, br) = (
            asset.bytes.len(),
            gzip(&asset.bytes)?,
            brotli(&asset.bytes)?,
        );
        totals = (totals.0 + raw, totals.1 + gz, totals.2 + br);
        println!("| {name} | {raw} | {gz} | {br} |");
    }
    println!("| **total** | {} | {} | {} |", totals.0, totals.1, totals.2);
    Ok(())
}

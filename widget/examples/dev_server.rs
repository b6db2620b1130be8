//! Run with: `cargo run -p staffetta-widget --example dev_server -- serve --listen 127.0.0.1:0`
//!
//! Serves only the widget asset router (plus `GET /healthz`) so the browser tests can run
//! before, or without, the full server. It accepts the same `serve --listen ADDR` arguments
//! as `staffetta serve` (and ignores `--data-dir DIR`) and prints the same
//! `Staffetta listening on http://ADDR` line, so `tests/browser` can start either binary.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut listen = String::from("127.0.0.1:0");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().unwrap_or(listen),
            "--data-dir" => {
                args.next();
            }
            _ => {}
        }
    }
    let app: Router = staffetta_widget::assets::router().route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Staffetta listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

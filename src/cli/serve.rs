//! `staffetta serve`: load config, open the store, bind, print the URLs, run until a signal.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, load_settings};
use crate::server::{self, Server};

/// Flags of `staffetta serve`; they override the config file and STAFFETTA__* variables.
#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "STAFFETTA_LISTEN")]
    listen: Option<SocketAddr>,
    /// Folder of the embedded store.
    #[arg(long, env = "STAFFETTA_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

pub(super) fn serve(cli: &Cli, args: &ServeArgs) -> ExitCode {
    let mut settings = match load_settings(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    if let Some(dir) = &args.data_dir {
        settings.store.path.clone_from(dir);
    }
    let is_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    crate::telemetry::init(cli.log_format, std::io::stderr, is_terminal);
    if let Ok(dir) = std::env::current_dir() {
        let resolved = settings.describe_relative_paths(&dir);
        if !resolved.is_empty() {
            tracing::info!(
                working_dir = %dir.display(),
                paths = %resolved.join("; "),
                "relative paths are resolved against the working directory, not the config file's folder"
            );
        }
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let addr = settings.server.listen;
        // The demo page at `/` embeds the widget of the site `demo`.
        let has_demo_site = settings.site("demo").is_some();
        let server = Server::build(settings).await?;
        let listener = server::bind(addr).await?;
        print_urls(listener.local_addr()?, has_demo_site);
        print_demo_credentials(server.demo_credentials());
        server.run(listener, crate::shutdown::signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Shown once, on the start that created the demo operators; never logged.
fn print_demo_credentials(credentials: &[crate::agent::provision::DemoCredentials]) {
    if credentials.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "  demo operators (site `demo`; shown only this once):");
    for demo in credentials {
        let _ = writeln!(
            out,
            "    login {:<12} password {}",
            demo.login, demo.password
        );
    }
    let _ = out.flush();
}

/// The node's URLs; the demo page only when a site `demo` is configured (its widget would be
/// refused otherwise).
fn print_urls(addr: SocketAddr, has_demo_site: bool) {
    let base = format!("http://{addr}");
    let mut out = std::io::stdout().lock();
    // Tests and scripts parse the first line; keep its shape stable.
    let _ = writeln!(out, "Staffetta listening on {base}");
    if has_demo_site {
        let _ = writeln!(out, "  demo page:     {base}/");
    }
    let _ = writeln!(out, "  agent console: {base}/agent");
    let _ = out.flush();
}

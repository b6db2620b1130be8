//! `staffetta operator add|passwd|list|remove`: manage operator accounts directly in the
//! configured store (with sled, stop the server first: the store is locked while it runs).
//! Passwords are read from the first line of stdin, never from the command line.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use staffetta_handoff::operator::{Login, Role};

use super::{Cli, load_settings};
use crate::agent::operators;
use crate::agent::provision::{self, NewOperator};
use crate::store::{self, Clock};

/// Arguments of `staffetta operator`.
#[derive(Debug, clap::Subcommand)]
pub(super) enum OperatorCommand {
    /// Create an operator; the password is read from stdin.
    Add {
        /// The site.
        #[arg(long)]
        site: String,
        /// The login.
        #[arg(long)]
        login: String,
        /// Name shown to visitors (default: the login).
        #[arg(long)]
        display_name: Option<String>,
        /// admin, supervisor or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Allow seeing and banning visitor IPs.
        #[arg(long)]
        can_see_ip: bool,
    },
    /// Set a new password, read from stdin.
    Passwd {
        /// The site.
        #[arg(long)]
        site: String,
        /// The login.
        #[arg(long)]
        login: String,
    },
    /// List the operators of a site.
    List {
        /// The site.
        #[arg(long)]
        site: String,
    },
    /// Remove an operator.
    Remove {
        /// The site.
        #[arg(long)]
        site: String,
        /// The login.
        #[arg(long)]
        login: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs an operator command.
pub(super) fn run(cli: &Cli, command: &OperatorCommand) -> ExitCode {
    let settings = match load_settings(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<()> = runtime.block_on(async move {
        let store = store::open(&settings.store, Clock::system())
            .await
            .context("cannot open the store")?;
        let policy = settings.agent.password_hashing.policy();
        let known = |site: &str| {
            settings
                .site(site)
                .map(|_| ())
                .with_context(|| format!("no site `{site}` in the configuration"))
        };
        match command {
            OperatorCommand::Add {
                site,
                login,
                display_name,
                role,
                can_see_ip,
            } => {
                known(site)?;
                let role: Role = serde_json::from_value(serde_json::Value::String(role.clone()))
                    .context("role must be admin, supervisor or agent")?;
                let new = NewOperator {
                    login: login.clone(),
                    password: read_password()?,
                    display_name: display_name.clone(),
                    role,
                    can_see_ip: *can_see_ip,
                    capacity: None,
                    skills: Vec::new(),
                };
                let operator =
                    provision::create_operator(store.as_ref(), policy, site, new).await?;
                println!(
                    "created {} ({})",
                    operator.login.as_str(),
                    operator.id.as_str()
                );
            }
            OperatorCommand::Passwd { site, login } => {
                known(site)?;
                let login = Login::parse(login)?;
                let password = read_password()?;
                policy.check(&password)?;
                let hash = operators::hash_password(policy, password).await?;
                operators::set_password(store.as_ref(), site, &login, hash).await?;
                println!("password changed");
            }
            OperatorCommand::List { site } => {
                known(site)?;
                let mut table = String::new();
                for op in operators::list(store.as_ref(), site).await? {
                    let role = serde_json::to_value(op.role)?;
                    table.push_str(&format!(
                        "{}\t{}\t{}\t{}\n",
                        op.login.as_str(),
                        role.as_str().unwrap_or("?"),
                        op.display_name.as_str(),
                        if op.can_see_ip { "can_see_ip" } else { "-" }
                    ));
                }
                super::output::print(&table);
            }
            OperatorCommand::Remove { site, login } => {
                known(site)?;
                operators::remove(store.as_ref(), site, &Login::parse(login)?).await?;
                println!("removed");
            }
        }
        store.flush().await?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

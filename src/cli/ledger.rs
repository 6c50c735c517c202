use std::path::Path;

use anyhow::Context;
use newsletter::ledger::{copy, Ledger};

/// Manage the ledger.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: LedgerCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Copy the SQLite ledger (state/newsletter.sqlite) into PostgreSQL.
    ///
    /// Safe to repeat: rows the target already has are kept as they are and
    /// only the missing ones are added. Then set [ledger] url to the same URL.
    Migrate {
        /// postgres://user@host:5432/database (the password comes from the
        /// variable named by --password-env, or [ledger] password_env).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Environment variable holding the target's password.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// The SQLite ledger to copy (default: the one in the config's state folder).
        #[arg(long, value_name = "PATH")]
        from: Option<std::path::PathBuf>,
    },
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config_or_default(config_path)?;
    match args.command {
        LedgerCommand::Migrate {
            to,
            password_env,
            from,
        } => {
            let from = from.unwrap_or_else(|| config.ledger_path());
            if !from.is_file() {
                return Err(super::BadInput(format!(
                    "{}: no SQLite ledger to copy\n  hint: pass --from PATH, or --config for the project whose ledger it is",
                    from.display()
                ))
                .into());
            }
            let var = password_env.or_else(|| config.ledger.password_env.clone());
            let password = match &var {
                None => None,
                Some(v) => Some(std::env::var(v).map_err(|_| {
                    super::BadInput(format!(
                        "the environment variable {v} (the target's password) is not set"
                    ))
                })?),
            };
            let source = Ledger::open(&from).context("opening the SQLite ledger")?;
            let target = Ledger::open_postgres(&to, password.as_deref())
                .context("opening the target ledger")?;
            let copies = copy::copy_ledger(&source, &target).context("copying the ledger")?;
            for c in &copies {
                println!("{}: {} row(s), {} added", c.table, c.read, c.added);
            }
            let added: usize = copies.iter().map(|c| c.added).sum();
            println!(
                "copied {} into {}: {added} row(s) added; set [ledger] url to use it",
                from.display(),
                newsletter::ledger::redact(&to)
            );
            Ok(0)
        }
    }
}

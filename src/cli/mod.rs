//! Command-line interface: one file per command, each only wiring library
//! stages together and printing what happened.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use newsletter::config::Config;

mod bounces;
mod build;
mod check;
mod clean;
mod fetch;
mod ledger;
mod preview;
mod run;
mod schedule;
mod send;
mod serve;
mod subscribers;
mod summarize;

/// Turns scraped news articles into a twice-weekly HTML email newsletter and
/// delivers it over SMTP.
///
/// Drop articles (.txt, .html, .md, RSS/Atom/JSON feeds) into content/inbox/,
/// then `newsletter run --now` summarizes, builds and sends one issue.
/// With the default config nothing leaves the machine: messages are written
/// to outbox/ as .eml files.
#[derive(Debug, Parser)]
#[command(name = "newsletter", version, propagate_version = true)]
pub struct Cli {
    /// Config file; paths inside it are relative to its folder.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "config.toml"
    )]
    pub config: PathBuf,

    /// Append everything the command prints to this file instead of the
    /// terminal, creating its folder first (for cron, where a shell
    /// redirection into a folder that does not exist yet would fail).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Fetch(fetch::Args),
    Clean(clean::Args),
    Summarize(summarize::Args),
    Build(build::Args),
    Preview(preview::Args),
    Send(send::Args),
    Run(run::Args),
    Schedule(schedule::Args),
    Check(check::Args),
    Ledger(ledger::Args),
    Serve(serve::Args),
    #[command(subcommand)]
    Subscribers(subscribers::Command),
    Bounces(bounces::Args),
}

/// Bad input from the user (exit code 2), as opposed to a runtime failure (1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { 2 } else { 0 };
        }
    };
    if let Some(path) = &cli.log_file {
        if let Err(err) = log_to_file(path) {
            eprintln!("error: --log-file {}: {err:#}", path.display());
            return 2;
        }
    }
    let result = match cli.command {
        Command::Fetch(args) => fetch::run(&cli.config, args),
        Command::Clean(args) => clean::run(&cli.config, args),
        Command::Summarize(args) => summarize::run(&cli.config, args),
        Command::Build(args) => build::run(&cli.config, args),
        Command::Preview(args) => preview::run(&cli.config, args),
        Command::Send(args) => send::run(&cli.config, args),
        Command::Run(args) => run::run(&cli.config, args),
        Command::Schedule(args) => schedule::run(&cli.config, args),
        Command::Check(args) => check::run(&cli.config, args),
        Command::Ledger(args) => ledger::run(&cli.config, args),
        Command::Serve(args) => serve::run(&cli.config, args),
        Command::Subscribers(command) => subscribers::run(&cli.config, command),
        Command::Bounces(args) => bounces::run(&cli.config, args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit_code(&err)
        }
    }
}

/// Points standard output and standard error at `path` (appending), so
/// that everything the command prints, a panic's message included, lands there.
fn log_to_file(path: &Path) -> anyhow::Result<()> {
    use std::os::fd::AsRawFd;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .context("cannot open it for appending")?;
    for target in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: dup2 on a descriptor we own onto the standard streams; the
        // standard library's handles write to whatever descriptor 1 and 2 are.
        if unsafe { libc::dup2(file.as_raw_fd(), target) } < 0 {
            return Err(std::io::Error::last_os_error()).context("cannot redirect output");
        }
    }
    Ok(())
}

/// 2 when the cause is the user's input (config, article, template, flag), else 1.
fn exit_code(err: &anyhow::Error) -> i32 {
    use newsletter::config::ConfigError;
    use newsletter::summarize::SummarizeError;
    for cause in err.chain() {
        if cause.is::<BadInput>()
            || cause.is::<ConfigError>()
            || matches!(
                cause.downcast_ref::<SummarizeError>(),
                Some(SummarizeError::BadFile { .. })
            )
            || cause.is::<newsletter::render::RenderError>()
            || matches!(
                cause.downcast_ref::<newsletter::schedule::ScheduleError>(),
                Some(
                    newsletter::schedule::ScheduleError::BadCron { .. }
                        | newsletter::schedule::ScheduleError::NotExpressible { .. }
                        | newsletter::schedule::ScheduleError::UnwritablePath { .. }
                )
            )
            || matches!(
                cause.downcast_ref::<newsletter::preview::PreviewError>(),
                Some(newsletter::preview::PreviewError::BadHost { .. })
            )
            || cause
                .downcast_ref::<newsletter::send::SendError>()
                .is_some_and(|e| e.is_bad_input())
            || cause
                .downcast_ref::<newsletter::ledger::LedgerError>()
                .is_some_and(|e| e.is_bad_input())
            || cause
                .downcast_ref::<newsletter::audience::serve::ServeError>()
                .is_some_and(|e| e.is_bad_input())
        {
            return 2;
        }
    }
    1
}

/// Loads the config named by `--config`.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).context("loading the config")
}

/// Sends `tracing` events (the web servers' request lines and warnings) to
/// stderr, filtered by `NEWSLETTER_LOG` (default: info).
pub fn init_log() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEWSLETTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Prints problems (skipped inputs, warnings) to stderr.
pub fn report_problems(problems: &[newsletter::problem::Problem]) {
    for problem in problems {
        if problem.skipped {
            eprintln!("error: {problem}");
        } else {
            eprintln!("warning: {problem}");
        }
    }
}

/// The config for commands that can work without one (`clean`,
/// `summarize --stdout`): built-in defaults when the default `config.toml`
/// is absent, but an explicit `--config` that is missing is still an error.
pub fn load_config_or_default(path: &Path) -> anyhow::Result<Config> {
    if path == Path::new("config.toml") && !path.exists() {
        return Ok(Config::from_toml("", Path::new("config.toml"))?);
    }
    load_config(path)
}

/// Expands folders into the article files inside them.
pub fn expand_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(
                newsletter::ingest::discover(path)
                    .with_context(|| format!("{}: cannot list the folder", path.display()))?,
            );
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

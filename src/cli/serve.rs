use std::path::Path;

use anyhow::Context;
use newsletter::audience::serve::{self, ServeOptions};

/// The public web side: archive, one-click unsubscribe, double opt-in subscribe.
///
/// Serves the web archive from dist/ and answers the links in every issue:
/// POST /unsubscribe/{token} (RFC 8058 one-click; a GET shows a page with one
/// button), GET/POST /subscribe (double opt-in: a confirmation link is mailed
/// through the configured transport) and /confirm/{token}. Listens on
/// 127.0.0.1 unless told otherwise; put nginx or Caddy in front for TLS (see
/// the README). One log line per request goes to stderr; addresses are
/// masked. SIGTERM or Ctrl-C stops it after the requests in flight.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (default: [serve] host, 127.0.0.1).
    #[arg(long, value_name = "ADDR")]
    pub host: Option<String>,
    /// Port to listen on (default: [serve] port, 8080; 0 picks a free one).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(config_path)?;
    super::init_log();
    let options = ServeOptions {
        host: args.host.unwrap_or_else(|| config.serve.host.clone()),
        port: args.port.unwrap_or(config.serve.port),
    };
    serve::run(config, &options, |addr| {
        // The address goes to stdout, alone on its line, for scripts and tests.
        println!("http://{addr}/");
        if !addr.ip().is_loopback() {
            eprintln!(
                "serve: warning: listening on {}, so other machines can reach it directly",
                addr.ip()
            );
        }
    })
    .context("running the server")?;
    Ok(0)
}

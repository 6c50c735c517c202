use std::path::Path;

/// Build the issue, serve it locally, rebuild on every change and reload the browser.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on; only 127.0.0.1 unless you ask for another.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: String,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    newsletter::preview::serve(config_path, &args.host, args.port)?;
    Ok(0)
}

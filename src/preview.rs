//! `newsletter preview`: build, serve `dist/` on localhost, rebuild on change
//! and reload the browser.

use std::path::Path;

/// Serves the preview until interrupted.
pub fn serve(config_path: &Path, host: &str, port: u16) -> anyhow::Result<()> {
    let _ = (config_path, host, port);
    todo!("issue #7")
}

//! Running the built `newsletter` binary on a project's config.

use std::path::Path;
use std::process::{Command, Output};

/// `newsletter --config CONFIG ARGS...`, waited for.
pub fn run_cli(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// Fails the test with the command's stderr unless it exited 0.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

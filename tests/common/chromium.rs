//! Headless Chromium as the end-to-end tests run it: Debian's `chromium`
//! (or `$CHROMIUM`), a fresh profile, and no background network traffic,
//! which this machine's closed network would refuse.

use std::process::Command;

/// A `chromium --headless` command with the common flags and a fresh
/// profile; keep the returned folder alive as long as the browser runs.
pub fn headless() -> (Command, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let mut command = Command::new(binary);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    (command, profile)
}

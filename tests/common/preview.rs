//! Running `newsletter preview` on a project and asking it for pages.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `newsletter --config CONFIG preview --port 0`; returns the child
/// (kill it when done) and the address it printed.
pub fn spawn_preview(config: &Path) -> (Child, String) {
    spawn_preview_with(config, &[], Stdio::inherit())
}

/// [`spawn_preview`] with extra environment variables and its stderr sent
/// to `stderr`.
pub fn spawn_preview_with(config: &Path, env: &[(&str, &str)], stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .arg("--config")
        .arg(config)
        .args(["preview", "--port", "0"])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    (child, url)
}

/// GET over HTTP/1.0 (the server closes after the answer): (status, body).
pub fn get(base: &str, target: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

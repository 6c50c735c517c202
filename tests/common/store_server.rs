//! The servers the end-to-end tests start as child processes: aiosmtpd
//! storing every message (tests/e2e/store_server.py), and free ports to put
//! them on.

use std::collections::HashMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A child process killed (by its own id) when the test ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port` (bounded by attempts,
/// not by a clock assertion).
pub fn wait_for_port(port: u16) {
    for _ in 0..600 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

/// Starts tests/e2e/store_server.py; returns it and its port.
pub fn store_server(store: &Path, delay: Option<f64>) -> (Server, u16) {
    let portfile = store.with_extension("port");
    let mut cmd = Command::new("python3");
    cmd.arg(repo().join("tests/e2e/store_server.py"))
        .arg(store)
        .arg(&portfile);
    if let Some(d) = delay {
        cmd.arg("--delay").arg(d.to_string());
    }
    let server = Server(cmd.stdout(Stdio::null()).spawn().expect("python3 aiosmtpd"));
    for _ in 0..600 {
        if let Ok(p) = std::fs::read_to_string(&portfile) {
            let port: u16 = p.trim().parse().unwrap();
            wait_for_port(port);
            return (server, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("aiosmtpd did not start");
}

/// Recipient -> number of stored messages.
pub fn stored_counts(store: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for entry in std::fs::read_dir(store).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        let env: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for to in env["to"].as_array().unwrap() {
            *counts
                .entry(to.as_str().unwrap().to_lowercase())
                .or_insert(0) += 1;
        }
    }
    counts
}

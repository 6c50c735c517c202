//! A running `newsletter serve` (the real binary, on a free port) and a
//! small HTTP/1.1 client over a fresh TCP connection per request, so every
//! request is a separate connection as a mail provider's would be.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct Serve {
    pub child: Child,
    pub addr: SocketAddr,
    /// Everything the server wrote to stderr (its request log).
    log: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts `newsletter --config CONFIG serve --port 0` with `env` set.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_newsletter"));
        command
            .arg("--config")
            .arg(config)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start newsletter serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let reader = BufReader::new(stderr);
                for l in reader.lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&l);
                    log.push('\n');
                }
            });
        }
        let addr = line
            .trim()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|_| panic!("serve printed {line:?}"));
        Serve { child, addr, log }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The log once it contains `needle` (the log is read by another thread,
    /// so a line may land just after its request was answered).
    pub fn log_with(&self, needle: &str) -> String {
        for _ in 0..400 {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the log never showed {needle:?}:\n{}", self.log());
    }

    /// SIGTERM, then the exit code.
    pub fn stop(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer: status, headers (lower-cased names), body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request on a new connection and reads the whole answer.
pub fn request(addr: SocketAddr, method: &str, target: &str, body: Option<&str>) -> Answer {
    request_with(addr, method, target, body, &[])
}

/// A form POST on a new connection.
pub fn post(addr: SocketAddr, target: &str, body: &str) -> Answer {
    request_with(addr, "POST", target, Some(body), &[])
}

pub fn request_with(
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: Option<&str>,
    extra_headers: &[(&str, &str)],
) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect to serve");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some(body) = body {
        stream.write_all(body.as_bytes()).unwrap();
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The path (and query) of a URL, to send to the running server.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".into(),
    }
}

/// The https link in a `List-Unsubscribe` header value.
pub fn one_click_link(list_unsubscribe: &str) -> String {
    let flat = list_unsubscribe.replace(['\r', '\n'], "");
    flat.split(['<', '>'])
        .find(|part| part.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https link in {flat:?}"))
        .to_string()
}

/// The confirmation link in a confirmation mail.
pub fn confirm_link(raw: &[u8]) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a mail");
    let text = message.body_text(0).expect("a text part").into_owned();
    text.split_whitespace()
        .find(|w| w.contains("/confirm/"))
        .unwrap_or_else(|| panic!("no confirmation link in {text}"))
        .to_string()
}

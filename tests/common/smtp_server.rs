//! A real SMTP server inside the test process: mailin's protocol state
//! machine driven over a real `TcpListener` on 127.0.0.1 (one thread per
//! connection). It stores every accepted message with its envelope, and can
//! be told to answer with 4xx/5xx replies or to drop the connection, for
//! fault tests.
//!
//! ```ignore
//! mod common;
//! let server = common::smtp_server::SmtpServer::start();
//! // ... send to server.url() (smtp://127.0.0.1:PORT) ...
//! assert_eq!(server.messages().len(), 3);
//! ```
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use mailin::{Action, Handler, Response, SessionBuilder};

/// One message the server accepted (answered 250 to its final dot).
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM address.
    pub from: String,
    /// RCPT TO addresses.
    pub to: Vec<String>,
    /// The message as sent (headers and body, CRLF line ends, dots unstuffed).
    pub data: Vec<u8>,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Where in the SMTP exchange a fault applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Mail,
    Rcpt,
    Data,
    /// The reply to the message's final dot.
    DataEnd,
}

/// What to do instead of the normal reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this code and text (4xx transient, 5xx permanent).
    Reply(u16, String),
    /// Close the connection without answering.
    Drop,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Faults used once each, in order, per stage.
    next: HashMap<Stage, VecDeque<Fault>>,
    /// Recipients always refused with this reply.
    refused: HashMap<String, (u16, String)>,
    connections: usize,
    /// Messages whose data ended while a DataEnd fault was applied (what the
    /// server had in hand but did not acknowledge).
    unacknowledged: Vec<Received>,
}

/// A running server; stops accepting when dropped.
pub struct SmtpServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stopping: Arc<AtomicBool>,
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1 with an ephemeral port.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let stopping = Arc::new(AtomicBool::new(false));
        {
            let state = Arc::clone(&state);
            let stopping = Arc::clone(&stopping);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    thread::spawn(move || serve(stream, state));
                }
            });
        }
        SmtpServer {
            addr,
            state,
            stopping,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`, for `--smtp`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// All accepted messages so far, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Accepted messages addressed to `rcpt` (compared ignoring case).
    pub fn messages_to(&self, rcpt: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(rcpt)))
            .collect()
    }

    /// Messages the server received in full but never acknowledged.
    pub fn unacknowledged(&self) -> Vec<Received> {
        self.state.lock().unwrap().unacknowledged.clone()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Applies `fault` to the next `times` exchanges at `stage`.
    pub fn fail_next(&self, stage: Stage, fault: Fault, times: usize) {
        let mut state = self.state.lock().unwrap();
        let queue = state.next.entry(stage).or_default();
        for _ in 0..times {
            queue.push_back(fault.clone());
        }
    }

    /// Refuses `rcpt` at RCPT TO with `code text`, every time.
    pub fn refuse_recipient(&self, rcpt: &str, code: u16, text: &str) {
        self.state
            .lock()
            .unwrap()
            .refused
            .insert(rcpt.to_ascii_lowercase(), (code, text.to_string()));
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake the accept loop
    }
}

struct Conn {
    state: Arc<Mutex<State>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Conn {
    fn fault(&mut self, stage: Stage) -> Option<Response> {
        let fault = self
            .state
            .lock()
            .unwrap()
            .next
            .get_mut(&stage)
            .and_then(|q| q.pop_front())?;
        match fault {
            Fault::Reply(code, text) => Some(Response::custom(code, text)),
            Fault::Drop => {
                // Handlers run on the connection's own thread (see `serve`).
                DROP_NOW.with(|f| f.set(true));
                Some(Response::custom(451, "dropping".into()))
            }
        }
    }
}

fn strip_path(path: &str) -> String {
    path.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

impl Handler for Conn {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        if let Some(r) = self.fault(Stage::Mail) {
            return r;
        }
        self.from = strip_path(from);
        self.to.clear();
        mailin::response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if let Some(r) = self.fault(Stage::Rcpt) {
            return r;
        }
        let to = strip_path(to);
        if let Some((code, text)) = self
            .state
            .lock()
            .unwrap()
            .refused
            .get(&to.to_ascii_lowercase())
        {
            return Response::custom(*code, text.clone());
        }
        self.to.push(to);
        mailin::response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        if let Some(r) = self.fault(Stage::Data) {
            return r;
        }
        self.data.clear();
        mailin::response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            from: self.from.clone(),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        };
        if let Some(r) = self.fault(Stage::DataEnd) {
            self.state.lock().unwrap().unacknowledged.push(message);
            return r;
        }
        self.state.lock().unwrap().received.push(message);
        mailin::response::OK
    }
}

fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let peer = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let _ = stream.set_nodelay(true);
    state.lock().unwrap().connections += 1;
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let handler = Conn {
        state,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = SessionBuilder::new("test.smtp.local").build(peer, handler);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        if DROP_NOW.with(|f| f.replace(false)) {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
        match response.action {
            Action::NoReply => {}
            Action::Close => {
                let _ = response.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
            Action::Reply | Action::UpgradeTls => {
                if response.write_to(&mut writer).is_err() {
                    return;
                }
            }
        }
    }
}

thread_local! {
    /// Set by a handler callback on this connection's thread: close without replying.
    static DROP_NOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

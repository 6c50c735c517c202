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
//!
//! [`SmtpServer::start_with`] adds TLS (STARTTLS or implicit, with a
//! certificate from [`super::test_ca`]) and AUTH PLAIN/LOGIN, for the relay
//! tests.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How the server does TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text only; STARTTLS is not offered.
    None,
    /// Offers STARTTLS and upgrades when asked.
    StartTls,
    /// TLS from the first byte (port 465 style).
    Implicit,
}

/// What a server started with [`SmtpServer::start_with`] does.
pub struct ServerOptions {
    pub tls: TlsMode,
    /// The certificate chain (leaf first) and its key, for TLS.
    pub cert: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// The one login accepted, with these mechanisms offered; mail is
    /// refused until a client has logged in.
    pub login: Option<(String, String)>,
    pub mechanisms: Vec<AuthMechanism>,
    /// Offer AUTH before TLS too (a badly set up relay), to prove the
    /// client still never sends credentials in plain text.
    pub plaintext_auth: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            tls: TlsMode::None,
            cert: None,
            login: None,
            mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
            plaintext_auth: false,
        }
    }
}

struct Setup {
    builder: SessionBuilder,
    tls: TlsMode,
    tls_config: Option<Arc<rustls::ServerConfig>>,
    login: Option<(String, String)>,
}

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
    /// Every AUTH attempt: (mechanism, user, whether TLS was up, accepted).
    auth_attempts: Vec<AuthAttempt>,
}

/// One AUTH exchange the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAttempt {
    pub mechanism: &'static str,
    pub user: String,
    pub over_tls: bool,
    pub accepted: bool,
}

/// A running server; stops accepting when dropped.
pub struct SmtpServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stopping: Arc<AtomicBool>,
}

impl SmtpServer {
    /// Starts a plain-text server on 127.0.0.1 with an ephemeral port.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(ServerOptions::default())
    }

    /// Starts a server with TLS and/or AUTH as `options` say.
    pub fn start_with(options: ServerOptions) -> SmtpServer {
        let mut builder = SessionBuilder::new("test.smtp.local");
        if options.tls == TlsMode::StartTls {
            builder.enable_start_tls();
        }
        if options.login.is_some() {
            for m in &options.mechanisms {
                builder.enable_auth(m.clone());
            }
            if options.plaintext_auth {
                builder.insecure_enable_plaintext_auth();
            }
        }
        let tls_config = options.cert.map(|(chain, key)| {
            Arc::new(
                rustls::ServerConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .expect("test certificate"),
            )
        });
        let setup = Arc::new(Setup {
            builder,
            tls: options.tls,
            tls_config,
            login: options.login,
        });
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
                    let setup = Arc::clone(&setup);
                    thread::spawn(move || serve(stream, state, &setup));
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

    /// `smtps://127.0.0.1:PORT`, for a server started with implicit TLS.
    pub fn tls_url(&self) -> String {
        format!("smtps://{}", self.addr)
    }

    /// Every AUTH exchange so far.
    pub fn auth_attempts(&self) -> Vec<AuthAttempt> {
        self.state.lock().unwrap().auth_attempts.clone()
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
    login: Option<(String, String)>,
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

impl Conn {
    fn check_login(&mut self, mechanism: &'static str, user: &str, password: &str) -> Response {
        let accepted = self
            .login
            .as_ref()
            .is_some_and(|(u, p)| u == user && p == password);
        self.state.lock().unwrap().auth_attempts.push(AuthAttempt {
            mechanism,
            user: user.to_string(),
            over_tls: TLS_UP.with(|t| t.get()),
            accepted,
        });
        if accepted {
            mailin::response::AUTH_OK
        } else {
            mailin::response::INVALID_CREDENTIALS
        }
    }
}

impl Handler for Conn {
    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.check_login("PLAIN", user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check_login("LOGIN", user, password)
    }

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

/// The connection, before or after TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
    Gone,
}

impl Stream {
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => Some(&s.sock),
            Stream::Gone => None,
        }
    }

    /// Wraps the socket in TLS (the handshake runs on first use).
    fn upgrade(&mut self, config: &Arc<rustls::ServerConfig>) -> bool {
        match std::mem::replace(self, Stream::Gone) {
            Stream::Plain(tcp) => match rustls::ServerConnection::new(Arc::clone(config)) {
                Ok(conn) => {
                    *self = Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)));
                    TLS_UP.with(|t| t.set(true));
                    true
                }
                Err(_) => false,
            },
            _ => false,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Gone => Ok(0),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Gone => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Gone => Ok(()),
        }
    }
}

fn serve(tcp: TcpStream, state: Arc<Mutex<State>>, setup: &Setup) {
    let peer = tcp
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let _ = tcp.set_nodelay(true);
    state.lock().unwrap().connections += 1;
    TLS_UP.with(|t| t.set(false));
    let handler = Conn {
        state,
        login: setup.login.clone(),
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = setup.builder.build(peer, handler);
    let mut stream = BufReader::new(Stream::Plain(tcp));
    if setup.tls == TlsMode::Implicit {
        let Some(config) = &setup.tls_config else {
            return;
        };
        if !stream.get_mut().upgrade(config) {
            return;
        }
        session.tls_active();
    }
    if session.greeting().write_to(stream.get_mut()).is_err() || stream.get_mut().flush().is_err() {
        return;
    }
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        match stream.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        if DROP_NOW.with(|f| f.replace(false)) {
            if let Some(tcp) = stream.get_ref().tcp() {
                let _ = tcp.shutdown(std::net::Shutdown::Both);
            }
            return;
        }
        let writer = stream.get_mut();
        match response.action {
            Action::NoReply => {}
            Action::Close => {
                let _ = response.write_to(writer);
                let _ = writer.flush();
                return;
            }
            Action::Reply => {
                if response.write_to(writer).is_err() || writer.flush().is_err() {
                    return;
                }
            }
            Action::UpgradeTls => {
                if response.write_to(writer).is_err() || writer.flush().is_err() {
                    return;
                }
                let Some(config) = &setup.tls_config else {
                    return;
                };
                if !writer.upgrade(config) {
                    return;
                }
                session.tls_active();
            }
        }
    }
}

thread_local! {
    /// Whether this connection's thread has TLS up (for [`AuthAttempt::over_tls`]).
    static TLS_UP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set by a handler callback on this connection's thread: close without replying.
    static DROP_NOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

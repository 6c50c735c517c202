//! `newsletter preview`: build, serve `dist/` on localhost, rebuild on change
//! and reload the browser, as `zola serve` does.
//!
//! Three parts share one [`Shared`] state: the HTTP server ([`http`], on the
//! web layer `serve` uses too, [`crate::web`]: axum on tokio, so a waiting
//! long-poll costs no thread and never blocks a page), the watcher (notify
//! events, debounced, then one rebuild, on its own thread), and the rebuild
//! itself, which is a plain function so that tests can drive the server
//! with their own site. Every successful or failed rebuild bumps a
//! generation number; the reload script in each served page long-polls for
//! a newer one and reloads.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};
use thiserror::Error;

use crate::config::Config;

mod http;
pub mod pages;
mod site;

use site::{build_site, common_folder};

#[derive(Debug, Error)]
pub enum PreviewError {
    #[error("--host {host:?}: {message}")]
    BadHost { host: String, message: String },
    #[error("cannot listen on {addr}: {message}\n  hint: another program may be using the port; pass another --port, or --port 0 for any free one")]
    Bind { addr: String, message: String },
    #[error("cannot start the preview's web server: {0}")]
    Runtime(String),
    #[error("{path}: cannot watch for changes: {source}")]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The built issue the views show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueView {
    pub number: u32,
    pub subject: String,
    /// The issue's folder relative to the site root, with `/`: `issues/001`.
    pub rel_dir: String,
    /// Set when no intro was written for the issue (its opening is
    /// generated), so the editor sees it before the issue goes out.
    pub no_intro: bool,
}

/// What a rebuild produced: the folder to serve and the issue in it.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub issue: Option<IssueView>,
}

/// Paths that changed since the last rebuild (empty for the first build).
pub type Changes = [PathBuf];

/// Rebuilds the site; an `Err` is the message shown on the error page.
pub type RebuildFn = dyn Fn(&Changes) -> Result<Site, String> + Send + Sync;

/// What the preview is doing, for its log.
#[derive(Debug, Clone)]
pub enum PreviewEvent {
    Rebuilt {
        generation: u64,
        issue: Option<IssueView>,
        took: Duration,
    },
    BuildFailed {
        generation: u64,
        message: String,
    },
}

/// Where to listen and what to watch.
pub struct PreviewOptions {
    pub host: String,
    pub port: u16,
    /// Folders (watched recursively) and files to rebuild on.
    pub watch: Vec<PathBuf>,
    /// How long the files must stay quiet before a rebuild starts.
    pub debounce: Duration,
    pub on_event: Box<dyn Fn(PreviewEvent) + Send + Sync>,
}

struct BuildState {
    generation: u64,
    /// The last site that built, kept so that non-HTML files stay available.
    site: Option<Site>,
    /// The error of the last build, if it failed.
    error: Option<String>,
}

struct Shared {
    state: Mutex<BuildState>,
    /// The generation, for long-polls to wait on.
    generations: tokio::sync::watch::Sender<u64>,
    /// Set once the server stops, so that waiting long-polls answer at once.
    closing: tokio::sync::watch::Sender<bool>,
    rebuild: Box<RebuildFn>,
    on_event: Box<dyn Fn(PreviewEvent) + Send + Sync>,
    /// Whether to insist on a localhost Host header (bound to loopback),
    /// which stops other web sites reaching the preview by DNS rebinding.
    loopback: bool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, BuildState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run_rebuild(&self, changes: &Changes) {
        let started = Instant::now();
        // A panic in a stage is a bug, but it must not take the watcher down
        // and leave the browser on a stale page: show it like a build error.
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.rebuild)(changes)))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(format!(
                        "the build stopped on an internal error (a bug): {what}"
                    ))
                });
        let event = {
            let mut state = self.lock();
            state.generation += 1;
            let generation = state.generation;
            let event = match result {
                Ok(site) => {
                    let issue = site.issue.clone();
                    state.site = Some(site);
                    state.error = None;
                    PreviewEvent::Rebuilt {
                        generation,
                        issue,
                        took: started.elapsed(),
                    }
                }
                Err(message) => {
                    state.error = Some(message.clone());
                    PreviewEvent::BuildFailed {
                        generation,
                        message,
                    }
                }
            };
            self.generations.send_replace(generation);
            event
        };
        (self.on_event)(event);
    }
}

/// A running preview; dropping it does not stop it, [`PreviewServer::stop`] does.
pub struct PreviewServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    /// The thread that runs the web server until it is stopped.
    http: Option<std::thread::JoinHandle<()>>,
    _watcher: Option<notify::RecommendedWatcher>,
    stop_watch: Option<mpsc::Sender<notify::Result<notify::Event>>>,
}

impl PreviewServer {
    /// Builds once, starts serving on `opts.host:opts.port`, and rebuilds on
    /// every change under `opts.watch`.
    pub fn start_with(
        opts: PreviewOptions,
        rebuild: Box<RebuildFn>,
    ) -> Result<PreviewServer, PreviewError> {
        let addr = (opts.host.as_str(), opts.port)
            .to_socket_addrs()
            .map_err(|e| PreviewError::BadHost {
                host: opts.host.clone(),
                message: e.to_string(),
            })?
            .next()
            .ok_or_else(|| PreviewError::BadHost {
                host: opts.host.clone(),
                message: "resolves to no address".into(),
            })?;
        let bind_error = |e: std::io::Error| PreviewError::Bind {
            addr: addr.to_string(),
            message: e.to_string(),
        };
        // Bound here, before the first build, so a busy port is reported at once.
        let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(BuildState {
                generation: 0,
                site: None,
                error: None,
            }),
            generations: tokio::sync::watch::Sender::new(0),
            closing: tokio::sync::watch::Sender::new(false),
            rebuild,
            on_event: opts.on_event,
            loopback: addr.ip().is_loopback(),
        });
        shared.run_rebuild(&[]);

        let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher =
            notify::recommended_watcher(tx.clone()).map_err(|source| PreviewError::Watch {
                path: PathBuf::from("."),
                source,
            })?;
        let watch: Vec<PathBuf> = opts
            .watch
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect();
        for path in &watch {
            if !path.exists() {
                continue;
            }
            let mode = if path.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            // A file is watched through its folder: editors save by renaming
            // a new file over the old, which ends a watch on the file itself.
            let (target, mode) = match (path.is_file(), path.parent()) {
                (true, Some(parent)) if !parent.as_os_str().is_empty() => {
                    (parent.to_path_buf(), RecursiveMode::NonRecursive)
                }
                _ => (path.clone(), mode),
            };
            watcher
                .watch(&target, mode)
                .map_err(|source| PreviewError::Watch {
                    path: target.clone(),
                    source,
                })?;
        }
        let watched = watch;
        let debounce = opts.debounce;
        let watch_shared = shared.clone();
        std::thread::Builder::new()
            .name("preview-watch".into())
            .spawn(move || watch_loop(rx, &watched, debounce, &watch_shared))
            .map_err(|e| PreviewError::Bind {
                addr: addr.to_string(),
                message: e.to_string(),
            })?;

        // Two workers: the preview has one user, whose long-polls only wait.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("preview-http")
            .enable_all()
            .build()
            .map_err(|e| PreviewError::Runtime(e.to_string()))?;
        let listener = {
            let _inside = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(bind_error)?
        };
        let handle = runtime.handle().clone();
        let app = http::router(Arc::clone(&shared));
        let mut closing = shared.closing.subscribe();
        let http = std::thread::Builder::new()
            .name("preview-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let stop = async move {
                        let _ = closing.wait_for(|closing| *closing).await;
                    };
                    if let Err(e) = crate::web::run(listener, app, stop).await {
                        tracing::error!(target: "newsletter::preview", "the web server failed: {e}");
                    }
                });
            })
            .map_err(|e| PreviewError::Runtime(e.to_string()))?;
        Ok(PreviewServer {
            addr,
            shared,
            runtime: handle,
            http: Some(http),
            _watcher: Some(watcher),
            stop_watch: Some(tx),
        })
    }

    /// The preview of the project whose config is at `config_path`: builds
    /// the upcoming issue with [`crate::build::build_issue`], and watches
    /// content/, templates/ and the config file.
    pub fn start(
        config_path: &Path,
        host: &str,
        port: u16,
        on_event: Box<dyn Fn(PreviewEvent) + Send + Sync>,
    ) -> Result<PreviewServer, PreviewError> {
        let config = Config::load(config_path)?;
        let content = common_folder(&config.content.inbox, &config.content.summaries);
        let watch = vec![
            content,
            config.content.data.clone(),
            config.content.intro.clone(),
            // Dated intros: content/intro/<date>.md.
            config.content.intro.with_extension(""),
            config.paths.templates.clone(),
            config_path.to_path_buf(),
        ];
        let config_path = config_path.to_path_buf();
        let rebuild = move |changes: &Changes| build_site(&config_path, changes);
        PreviewServer::start_with(
            PreviewOptions {
                host: host.to_string(),
                port,
                watch,
                debounce: Duration::from_millis(200),
                on_event,
            },
            Box::new(rebuild),
        )
    }

    /// The address it listens on (with the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The number of builds so far (successful or not).
    pub fn generation(&self) -> u64 {
        self.shared.lock().generation
    }

    /// Serves until Ctrl-C or SIGTERM, then stops as [`PreviewServer::stop`]
    /// does (an open page's long-poll is answered, not cut off).
    pub fn wait(self) {
        let shared = Arc::clone(&self.shared);
        self.runtime.spawn(async move {
            crate::web::stop_signal().await;
            shared.closing.send_replace(true);
        });
        self.join();
    }

    /// Stops listening and watching: waiting long-polls are answered, other
    /// requests in flight finish.
    pub fn stop(self) {
        self.shared.closing.send_replace(true);
        self.join();
    }

    fn join(mut self) {
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
        self._watcher = None;
        self.stop_watch = None;
    }
}

/// Serves the preview until interrupted.
pub fn serve(
    config_path: &Path,
    host: &str,
    port: u16,
    on_event: Box<dyn Fn(PreviewEvent) + Send + Sync>,
    on_ready: impl FnOnce(&PreviewServer),
) -> Result<(), PreviewError> {
    let server = PreviewServer::start(config_path, host, port, on_event)?;
    on_ready(&server);
    server.wait();
    Ok(())
}

/// Whether a file-system event should trigger a rebuild.
fn relevant(event: &notify::Event, watched: &[PathBuf]) -> Vec<PathBuf> {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match event.kind {
        // Reads (the build reading templates) must not trigger builds.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return Vec::new(),
        _ => {}
    }
    event
        .paths
        .iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Temporaries of write_atomic and editors' swap and backup files.
            let noise = name.contains(".tmp-")
                || name.ends_with('~')
                || name.ends_with(".swp")
                || name.ends_with(".swx")
                || name.starts_with(".#")
                || name == "4913";
            // A watched file is watched through its folder: other files there do not count.
            let wanted = watched.iter().any(|w| {
                if w.is_dir() {
                    p.starts_with(w)
                } else {
                    *p == w
                }
            });
            !noise && wanted
        })
        .cloned()
        .collect()
}

fn watch_loop(
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    watched: &[PathBuf],
    debounce: Duration,
    shared: &Shared,
) {
    // notify reports paths as they were given to it, or resolved through
    // symlinks on some platforms: accept either spelling.
    let watched: Vec<PathBuf> = watched
        .iter()
        .flat_map(|p| [p.clone(), p.canonicalize().unwrap_or_else(|_| p.clone())])
        .collect();
    while let Ok(first) = rx.recv() {
        let mut changes: Vec<PathBuf> = match first {
            Ok(event) => relevant(&event, &watched),
            Err(_) => Vec::new(),
        };
        if changes.is_empty() {
            continue;
        }
        // Debounce: wait until the files have been quiet for `debounce`
        // (an editor's save, or a burst of summaries, is one rebuild).
        loop {
            match rx.recv_timeout(debounce) {
                Ok(Ok(event)) => changes.extend(relevant(&event, &watched)),
                Ok(Err(_)) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        changes.sort();
        changes.dedup();
        shared.run_rebuild(&changes);
    }
}

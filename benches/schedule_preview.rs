//! Slot arithmetic and the preview's edit-to-served loop.
//!
//! `cargo bench --bench schedule_preview`

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use newsletter::preview::{IssueView, PreviewOptions, PreviewServer, Site};
use newsletter::schedule::Schedule;

fn slots(c: &mut Criterion) {
    let schedule = Schedule::new(
        "0 7 * * TUE,THU",
        chrono_tz::Europe::London,
        360,
        Path::new("config.toml"),
    )
    .unwrap();
    let from = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
    c.bench_function("next_slots: a year (104 slots), Europe/London", |b| {
        b.iter(|| schedule.next_slots(std::hint::black_box(from), 104))
    });
    let at = DateTime::parse_from_rfc3339("2026-10-26T12:00:00Z").unwrap();
    c.bench_function("current_slot, the day after the October change", |b| {
        b.iter(|| schedule.current_slot(std::hint::black_box(&at)))
    });
}

fn get(addr: SocketAddr, target: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    out
}

fn preview(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    let summary = content.join("summary.md");
    std::fs::write(&summary, "v0").unwrap();
    let dist = dir.path().join("dist");
    let (src, out) = (summary.clone(), dist.clone());
    // A stand-in build: one read, one 40 kB page written.
    let rebuild = move |_: &[std::path::PathBuf]| -> Result<Site, String> {
        let text = std::fs::read_to_string(&src).map_err(|e| e.to_string())?;
        let page = format!(
            "<html><body><p>{text}</p>{}</body></html>",
            "<p>filler paragraph of an email</p>".repeat(1100)
        );
        std::fs::create_dir_all(out.join("issues/001")).map_err(|e| e.to_string())?;
        std::fs::write(out.join("issues/001/email.html"), page).map_err(|e| e.to_string())?;
        Ok(Site {
            root: out.clone(),
            issue: Some(IssueView {
                number: 1,
                subject: "bench".into(),
                rel_dir: "issues/001".into(),
                no_intro: false,
            }),
        })
    };
    let server = PreviewServer::start_with(
        PreviewOptions {
            host: "127.0.0.1".into(),
            port: 0,
            watch: vec![content.clone()],
            debounce: Duration::from_millis(200),
            on_event: Box::new(|_| {}),
        },
        Box::new(rebuild),
    )
    .unwrap();
    let addr = server.addr();

    c.bench_function("preview: GET a 40 kB email page (script injected)", |b| {
        b.iter(|| get(addr, "/issues/001/email.html"))
    });

    let mut group = c.benchmark_group("preview");
    group.sample_size(10);
    let mut n = 0u64;
    group.bench_function("edit a summary -> new text served (200 ms debounce)", |b| {
        b.iter(|| {
            n += 1;
            let marker = format!("v{n}-edited");
            std::fs::write(&summary, &marker).unwrap();
            while !get(addr, "/issues/001/email.html").contains(&marker) {
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    });
    group.finish();
    server.stop();
}

criterion_group!(benches, slots, preview);
criterion_main!(benches);

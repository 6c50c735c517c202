//! What a reader sees, in a real browser: headless Chromium opens the built
//! email at 600 px and 375 px (screenshots in target/artifacts/), checks that
//! nothing overflows sideways on a phone, and that the web version's images
//! load. Needs `chromium` on PATH (or CHROMIUM=/path/to/chromium).

mod build_support;
mod common;

use std::path::{Path, PathBuf};

use build_support::Project;

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium with a fresh profile; returns stdout.
fn run_chromium(args: &[String]) -> String {
    let (mut chromium, _profile) = common::chromium::headless();
    let out = chromium
        .args([
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The JSON a probe script left in `<pre id="probe">` of the dumped DOM.
fn probe_result(dom: &str) -> serde_json::Value {
    let doc = dom_query::Document::from(dom);
    let text = doc.select("pre#probe").text().to_string();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("no probe result ({e}) in:\n{dom}"))
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A page that shows the email in a frame exactly `width` px wide (the
/// headless window cannot be narrower than 500 px), and reports how wide
/// the email's content is. The email's `cid:` images are pointed at their
/// files, as a mail client resolves them from the message's parts.
fn frame_page(dir: &Path, width: u32) -> PathBuf {
    let html = std::fs::read_to_string(dir.join("email.html")).unwrap();
    let manifest = newsletter::build::IssueManifest::load(dir).unwrap();
    let mut resolved = html;
    for image in &manifest.inline_images {
        resolved = resolved.replace(&format!("cid:{}", image.cid), &image.file);
    }
    std::fs::write(dir.join("email-as-client.html"), resolved).unwrap();
    let page = dir.join(format!("frame-{width}.html"));
    std::fs::write(
        &page,
        format!(
            r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="email-as-client.html" style="width:{width}px;height:4000px;border:0;display:block"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {{
  const doc = document.getElementById('f').contentDocument;
  const root = doc.documentElement;
  const over = e => e.getBoundingClientRect().right > root.clientWidth + 0.5;
  // The innermost elements that stick out: the ones to fix.
  const wide = [...doc.querySelectorAll('body *')]
    .filter(e => over(e) && ![...e.children].some(over))
    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width) + 'px: ' + (e.textContent || e.getAttribute('src') || '').slice(0, 60)).slice(0, 10);
  const pre = document.createElement('pre');
  pre.id = 'probe';
  const images_ok = [...doc.images].length > 0 && [...doc.images].every(i => i.complete && i.naturalWidth > 0);
  pre.textContent = JSON.stringify({{ viewport: root.clientWidth, content: root.scrollWidth, wide, images_ok }});
  document.body.appendChild(pre);
}});
</script></body></html>"#
        ),
    )
    .unwrap();
    page
}

#[test]
#[ignore = "needs chromium"]
fn the_email_fits_600_and_375_px_and_the_web_images_load() {
    let p = Project::new();
    p.sample();
    std::fs::create_dir_all(p.path().join("content/data")).unwrap();
    std::fs::write(
        p.path().join("content/data/2026-11-24-brent.csv"),
        "date,Brent ($/bbl)\n16 Nov,73.2\n17 Nov,72.1\n18 Nov,71.4\n19 Nov,70.9\n20 Nov,69.8\n23 Nov,68.7\n24 Nov,68.4\n",
    )
    .unwrap();
    // A long unbroken URL in a story is the usual cause of sideways scrolling.
    p.summary(
        "2026-11-23-long-url.md",
        "Long link story",
        Some("https://very-long-source-name.example.com/with/a/deep/path/that/does/not/break"),
        Some("https://very-long-source-name.example.com/with/a/deep/path/that/does/not/break/at/all/anywhere/really"),
        Some("2026-11-23T05:00:00Z"),
        "Visit https://very-long-source-name.example.com/with/a/deep/path/that/does/not/break/at/all for more.",
    );
    let built = p.build("2026-11-24");
    let art = artifacts();

    for width in [600u32, 375] {
        let page = frame_page(&built.dir, width);
        let dom = run_chromium(&[
            "--window-size=800,1200".into(),
            "--dump-dom".into(),
            url(&page),
        ]);
        let result = probe_result(&dom);
        assert_eq!(result["viewport"], width, "{result}");
        assert!(
            result["content"].as_u64().unwrap() <= u64::from(width),
            "email overflows at {width} px: {result}"
        );
        assert_eq!(result["wide"], serde_json::json!([]), "{result}");
        assert_eq!(
            result["images_ok"], true,
            "the chart shows in the email: {result}"
        );
        let shot = art.join(format!("email-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        run_chromium(&[
            format!("--window-size={width},2400"),
            format!("--screenshot={}", shot.display()),
            url(&page),
        ]);
        assert!(
            std::fs::metadata(&shot).unwrap().len() > 1000,
            "{}",
            shot.display()
        );
    }

    // The web version: every image (the Data Drill chart) loads.
    let web = built.dir.join("index.html");
    let html = std::fs::read_to_string(&web).unwrap();
    let probe = web.with_file_name("web-probe.html");
    std::fs::write(
        &probe,
        html.replace(
            "</body>",
            r#"<script>
window.addEventListener('load', () => {
  const imgs = [...document.images].map(i => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, width: i.getBoundingClientRect().width }));
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ imgs, overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth });
  document.body.appendChild(pre);
});
</script></body>"#,
        ),
    )
    .unwrap();
    let result = probe_result(&run_chromium(&[
        "--window-size=600,1200".into(),
        "--dump-dom".into(),
        url(&probe),
    ]));
    let imgs = result["imgs"].as_array().unwrap();
    assert!(
        !imgs.is_empty(),
        "the chart should be on the web page: {result}"
    );
    for img in imgs {
        assert_eq!(img["ok"], true, "image did not load: {img}");
    }
    assert_eq!(result["overflow"], false, "{result}");
    let shot = art.join("web-600.png");
    run_chromium(&[
        "--window-size=600,2400".into(),
        format!("--screenshot={}", shot.display()),
        url(&web),
    ]);
    assert!(shot.exists());
}

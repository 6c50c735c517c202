//! `newsletter summarize` as a user runs it: the real binary, real files in a
//! temporary folder, no config.toml.

use std::path::Path;
use std::process::Command;

fn newsletter(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

const STORY: &str = "Wind farm consent speeds up under new rules

Onshore wind farms in England will be approved in months rather than years under planning rules published on Monday. The change ends a decade in which a single objection could block a turbine.

Developers said 4.2 GW of projects were waiting for consent. “This unlocks the cheapest power we can build,” said Ruth Adeyemi, head of the trade body RenewableUK. Councils will still decide most applications.

Critics warned that rural communities would lose their voice. The government promised community benefit payments of £5,000 per megawatt each year. Dr. Alan Price of the U.K. Rural Trust said the payments were welcome but small.
";

#[test]
fn json_lines_carry_exactly_k_sentences_in_article_order_without_a_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wind.txt"), STORY).unwrap();
    std::fs::write(
        dir.path().join("short.txt"),
        "Tiny story\n\nOnly one sentence here.\n",
    )
    .unwrap();
    assert!(!dir.path().join("config.toml").exists());

    for k in [1usize, 3, 5] {
        let out = newsletter(
            dir.path(),
            &[
                "summarize",
                "--stdout",
                "--format",
                "json",
                "--sentences",
                &k.to_string(),
                "wind.txt",
                "short.txt",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{stdout}");

        let wind = &lines[0];
        assert_eq!(wind["path"], "wind.txt");
        assert_eq!(wind["title"], "Wind farm consent speeds up under new rules");
        let sentences: Vec<&str> = wind["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(sentences.len(), k);
        let flat = STORY.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut last = 0;
        for s in &sentences {
            let at = flat[last..].find(s).map(|i| i + last);
            assert!(at.is_some(), "{s:?} not in order in the article");
            last = at.unwrap() + s.len();
        }
        assert!(wind["markdown"].as_str().unwrap().contains(sentences[0]));

        let short = &lines[1];
        assert_eq!(short["path"], "short.txt");
        assert_eq!(
            short["sentences"],
            serde_json::json!(["Only one sentence here."])
        );
    }
}

#[test]
fn markdown_to_stdout_has_the_summary_parts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wind.txt"), STORY).unwrap();
    let out = newsletter(dir.path(), &["summarize", "--stdout", "wind.txt"]);
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("# Wind farm consent speeds up under new rules"),
        "{md}"
    );
    assert!(md.contains("### Key figures"), "{md}");
    assert!(md.contains("**4.2 GW** — "), "{md}");
    assert!(
        md.contains("> “This unlocks the cheapest power we can build”"),
        "{md}"
    );
    assert!(md.contains("> — Ruth Adeyemi"), "{md}");
}

#[test]
fn writes_summary_files_then_skips_them_and_keeps_edits() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("content/inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("wind.txt"), STORY).unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();

    let first = newsletter(dir.path(), &["summarize"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let summaries = dir.path().join("content/summaries");
    let files: Vec<_> = std::fs::read_dir(&summaries)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.ends_with("-wind-farm-consent-speeds-up-under-new-rules.md"),
        "{name}"
    );

    let second = newsletter(dir.path(), &["summarize"]);
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("0 written, 1 unchanged"), "{err}");

    let text = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(&files[0], text.replace("Onshore wind", "ONSHORE wind")).unwrap();
    std::fs::write(inbox.join("wind.txt"), STORY.replace("Monday", "Tuesday")).unwrap();
    let third = newsletter(dir.path(), &["summarize"]);
    let err = String::from_utf8_lossy(&third.stderr);
    assert!(err.contains("was edited by hand; use --force"), "{err}");
    assert!(std::fs::read_to_string(&files[0])
        .unwrap()
        .contains("ONSHORE"));

    let forced = newsletter(dir.path(), &["summarize", "--force"]);
    assert!(forced.status.success());
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        !text.contains("ONSHORE") && text.contains("Tuesday"),
        "{text}"
    );
}

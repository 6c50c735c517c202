//! A throwaway newsletter project for send tests: config, subscriber list and
//! a built issue folder (issue.json written from slot templates, exactly as
//! `build` writes it), plus a way to run the real binary against it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use newsletter::build::IssueManifest;
use newsletter::render::personalize::{marker, SlotTemplate};

pub const SECRET: &str = "test-unsubscribe-secret";

pub struct Project {
    /// The ledger (a PostgreSQL database when the run asks, see `ledger_db`);
    /// before `dir`, so the database goes first.
    pub ledger: super::ledger_db::TestLedger,
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project whose config has `extra` appended to a base delivery section.
    pub fn new(subscribers_csv: &str, delivery_extra: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "[newsletter]\nname = \"Energy Source\"\ntimezone = \"Europe/London\"\n\n\
             [delivery]\ntransport = \"file\"\nfrom = \"Energy Source <newsletter@example.com>\"\n\
             unsubscribe_url = \"https://news.example.com/unsubscribe?token={{token}}\"\n\
             unsubscribe_mailto = \"unsubscribe@example.com\"\n\
             unsubscribe_secret_env = \"NL_TEST_UNSUB_SECRET\"\n\
             retry_delay_ms = 1\n{delivery_extra}\n"
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::write(dir.path().join("subscribers.csv"), subscribers_csv).unwrap();
        // Its own section: whatever a test appends later starts one of its own.
        let ledger = super::ledger_db::TestLedger::for_config(&dir.path().join("config.toml"));
        let project = Project { ledger, dir };
        project.write_issue(1);
        project
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.root().join("config.toml")
    }

    /// Writes dist/issues/<NNN>/issue.json with a small personalised issue.
    pub fn write_issue(&self, number: u32) {
        let html = format!(
            "<!doctype html><html><body><h1>Energy Source #{number}</h1>\
             <p>Good morning {name},</p><p>Brent crude rose 2.4% to $81.30 a barrel.</p>\
             <p>Your company: {company}</p>\
             <p><a href=\"{unsub}\">Unsubscribe</a></p></body></html>",
            name = marker("name"),
            company = marker("company"),
            unsub = marker("unsubscribe_url"),
        );
        let text = format!(
            "Energy Source #{number}\n\nGood morning {name},\n\nBrent crude rose 2.4% to $81.30 a barrel.\n\n.leading dot line\n\nUnsubscribe: {unsub}\n",
            name = marker("name"),
            unsub = marker("unsubscribe_url"),
        );
        let manifest = IssueManifest {
            number,
            date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            subject: format!("Energy Source #{number}: oil climbs"),
            preheader: "Oil climbs".into(),
            web_url: format!("https://news.example.com/issues/{number:03}/"),
            html_template: SlotTemplate::parse(&html),
            text_template: SlotTemplate::parse(&text),
            headlines: vec!["Oil climbs".into()],
            content_html: "<p>Brent crude rose 2.4%.</p>".into(),
            inline_images: Vec::new(),
            intro: Default::default(),
            data: None,
        };
        let dir = self.root().join(format!("dist/issues/{number:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("issue.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
    }

    /// Runs `newsletter --config <project>/config.toml ARGS` with the secret set.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_newsletter"))
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .env("NL_TEST_UNSUB_SECRET", SECRET)
            .output()
            .expect("run newsletter")
    }

    /// A project that sends through `[delivery.smtp]` at 127.0.0.1:`port`
    /// with `security`, logging in with what [`Project::run_with_login`]
    /// passes; `smtp_extra` adds keys (`ca_file = …`) to that section.
    pub fn for_relay(list: &str, port: u16, security: &str, smtp_extra: &str) -> Project {
        let project = Project::new(list, "max_send_errors = 50\nretries = 3");
        let path = project.config_path();
        let mut text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("transport = \"file\"", "transport = \"smtp\"");
        text.push_str(&format!(
            "\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\npool = 2\n\
             username_env = \"NL_RELAY_USER\"\npassword_env = \"NL_RELAY_PASS\"\n{smtp_extra}\n"
        ));
        std::fs::write(&path, text).unwrap();
        project
    }

    /// [`Project::run`] with the relay login in the environment.
    pub fn run_with_login(&self, user: &str, password: &str, args: &[&str]) -> Output {
        self.run_with_login_env(user, password, args, &[])
    }

    /// [`Project::run_with_login`] with more environment variables.
    pub fn run_with_login_env(
        &self,
        user: &str,
        password: &str,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_newsletter"));
        command
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .env("NL_TEST_UNSUB_SECRET", SECRET)
            .env("NL_RELAY_USER", user)
            .env("NL_RELAY_PASS", password);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().expect("run newsletter")
    }

    /// The project's ledger, on whichever backend this run uses.
    pub fn ledger(&self) -> newsletter::ledger::Ledger {
        self.ledger.open(self.root())
    }
}

/// stdout + stderr, for assertion messages.
pub fn shown(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

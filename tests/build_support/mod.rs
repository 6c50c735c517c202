//! A throwaway newsletter project in a temp folder, with summary files
//! written through the library's own `SummaryDoc`, for the build tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use newsletter::config::Config;
use newsletter::summarize::{FrontMatter, SummaryDoc};

pub struct Project {
    pub dir: tempfile::TempDir,
}

pub const CONFIG: &str = r#"
[newsletter]
name = "Energy Source"
tagline = "Oil, gas, power and the energy transition, twice a week"
sign_off = "Thanks for reading. Write to us at [the desk](mailto:desk@example.com)."
base_url = "https://news.example.com"
language = "en-GB"
timezone = "Europe/London"
postal_address = "Energy Source, 1 Example Street, London EC1A 1AA"
footer_reason = "You are receiving this because you signed up for Energy Source."

[content]
max_articles = 8
window_days = 7

[delivery]
unsubscribe_url = "https://news.example.com/unsubscribe?token={token}"
"#;

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
        std::fs::write(
            dir.path().join("subscribers.csv"),
            "email,name,company\nada@example.com,Ada,Analytical Engines\nbob@example.com,,\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("content/summaries")).unwrap();
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> Config {
        Config::load(&self.path().join("config.toml")).unwrap()
    }

    /// Writes a summary file; `published` is RFC 3339 or None for undated.
    pub fn summary(
        &self,
        file: &str,
        title: &str,
        source: Option<&str>,
        url: Option<&str>,
        published: Option<&str>,
        body: &str,
    ) -> PathBuf {
        let path = self.path().join("content/summaries").join(file);
        let doc = SummaryDoc {
            path: path.clone(),
            front: FrontMatter {
                title: title.into(),
                source: source.map(Into::into),
                url: url.map(Into::into),
                published: published.map(|p| DateTime::parse_from_rfc3339(p).unwrap()),
                ..FrontMatter::default()
            },
            body: body.into(),
        };
        std::fs::write(&path, doc.to_file_text().unwrap()).unwrap();
        path
    }

    /// Eight realistic stories around 24 November 2026.
    pub fn sample(&self) {
        self.summary(
            "2026-11-23-opec-cuts.md",
            "Opec+ extends output cuts into spring as Brent slides",
            Some("Gulf Energy Wire"),
            Some("https://wire.example.com/opec-cuts"),
            Some("2026-11-23T09:30:00Z"),
            "Opec+ agreed to keep 2.2mn barrels a day of voluntary cuts in place until April, after Brent fell below $70 a barrel for the first time since June.\n\n\
             - Saudi Arabia will carry the largest share of the reduction, trimming output to 9mn b/d.\n\
             - Analysts at [Northgate Research](https://northgate.example.com/notes) expect inventories to draw by 400,000 b/d in the first quarter.\n\
             - Non-Opec supply from Guyana and Brazil is forecast to rise 1.1mn b/d next year.\n\n\
             > \"We will do whatever is needed to keep this market in balance,\" the Saudi energy minister said.",
        );
        self.summary(
            "2026-11-22-north-sea-wind.md",
            "North Sea wind auction clears at record low price",
            Some("Power Desk"),
            Some("https://power.example.com/wind-auction"),
            Some("2026-11-22T12:00:00+01:00"),
            "The latest offshore wind auction cleared at £44 per megawatt hour, the lowest price yet, with six projects winning contracts for difference totalling 5.1GW across the UK and Dutch sectors.\n\n\
             - Turbine prices have fallen 12 per cent since the spring.",
        );
        self.summary(
            "2026-11-21-ttf-gas.md",
            "European gas prices rise as cold snap drains storage",
            Some("Continental Gas Report"),
            Some("https://gas.example.com/ttf-cold"),
            Some("2026-11-21T07:15:00Z"),
            "Dutch TTF front-month gas rose 9 per cent to €41 per megawatt hour as forecasters predicted a fortnight of below-average temperatures across northern Europe.",
        );
        self.summary(
            "2026-11-20-grid-batteries.md",
            "Grid-scale batteries overtake gas peakers in evening ramp",
            Some("Grid Notes"),
            Some("https://grid.example.com/batteries"),
            Some("2026-11-20T18:00:00Z"),
            "Battery storage supplied more of Britain's evening demand ramp than open-cycle gas plants for the first time last week, according to the system operator's balancing data.",
        );
        self.summary(
            "2026-11-19-lng-qatar.md",
            "Qatar signs 27-year LNG supply deal with German utility",
            Some("LNG Daily"),
            Some("https://lng.example.com/qatar-germany"),
            Some("2026-11-19T10:00:00Z"),
            "QatarEnergy will ship 2mn tonnes a year of liquefied natural gas to a German utility from 2028 under a 27-year contract, the longest yet signed by a European buyer.",
        );
        self.summary(
            "undated-carbon-price.md",
            "EU carbon price steadies after reform vote",
            Some("Carbon Brief Notes"),
            Some("https://carbon.example.com/ets"),
            None,
            "The EU carbon price held near €78 a tonne after lawmakers backed changes to the market stability reserve.",
        );
    }

    pub fn build(&self, day: &str) -> newsletter::build::BuiltIssue {
        newsletter::build::build_issue(&self.config(), date(day)).unwrap()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

/// The text of every element matching `selector`.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = dom_query::Document::from(html);
    doc.select(selector)
        .iter()
        .map(|n| n.text().to_string())
        .collect()
}

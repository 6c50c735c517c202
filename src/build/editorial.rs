//! The intro and the Data Drill data belong to one issue. Which ones an
//! issue gets is decided here, against what the ledger says earlier issues
//! carried, so an unattended Tuesday/Thursday job never sends Tuesday's
//! intro or chart again on Thursday.
//!
//! Forms an editor can use:
//! - dated: `content/intro/<date>.md` (or `content/intro.md` whose front
//!   matter says `date = <date>`), `content/data/<date>.csv` or
//!   `<date>-<name>.csv`. A dated file belongs to the issue of that date, or
//!   to the first issue after it, so Thursday's can be written on Tuesday.
//! - undated: `content/intro.md`, any other CSV in `content/data/`: used by
//!   the next issue that has none dated, once.
//!
//! An issue that has gone out (a delivery sent or in flight) keeps exactly
//! what it was sent with, kept in the ledger with its text, so a rebuild
//! (a resumed send, the archive) matches the mail even after the files were
//! rewritten for a later issue. Before that, the files decide, so an editor
//! who fixes a typo and rebuilds sees the fix: a dated file in the issue's
//! window (after the previous issue's date, up to its own), newest first;
//! then an undated file no other issue has carried. Content is known by
//! digest, so a copy under a new name is still a repeat.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::ledger::{EditorialKind, EditorialRecord, Ledger, LedgerError};
use crate::problem::Problem;
use crate::render::chart::{self, ChartData};

/// What the issue opens with and charts.
#[derive(Debug, Clone)]
pub(super) struct Editorial {
    /// The editor's intro (Markdown), or None: the opening is generated.
    pub intro: Option<Chosen>,
    pub data: Option<ChosenData>,
}

/// An editor's file chosen for the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Chosen {
    /// The file, relative to the project folder.
    pub source: String,
    pub digest: String,
    /// The intro's Markdown (front matter removed) or the CSV text.
    pub body: String,
}

#[derive(Debug, Clone)]
pub(super) struct ChosenData {
    pub file: Chosen,
    pub chart: ChartData,
}

/// A file that could serve an issue.
#[derive(Debug, Clone)]
struct Candidate {
    source: String,
    date: Option<NaiveDate>,
    digest: String,
    body: String,
}

/// What the issue of a date would open with and chart if it were built
/// now, for `check`: nothing is built and the ledger is not written.
#[derive(Debug, Clone)]
pub struct EditorialPlan {
    pub number: u32,
    pub date: NaiveDate,
    /// The intro file it would use; None: no intro written for this issue.
    pub intro: Option<String>,
    /// The data file it would chart; None: key figures only, or no Data Drill.
    pub data: Option<String>,
    /// Where to write an intro for it.
    pub dated_intro: String,
    pub problems: Vec<Problem>,
}

/// Plans the issue of `date` against `ledger`, the one the command opened
/// (None: there is none yet, so plan against an empty one and, for
/// `check`, create no files).
pub fn plan(
    config: &Config,
    ledger: Option<&Ledger>,
    date: NaiveDate,
) -> Result<EditorialPlan, LedgerError> {
    let empty;
    let ledger = match ledger {
        Some(l) => l,
        None => {
            empty = Ledger::open(Path::new(":memory:"))?;
            &empty
        }
    };
    let number = ledger.peek_issue_number(date)?;
    let previous = ledger.previous_issue_date(date)?;
    let mut problems = Vec::new();
    let chosen = choose(config, ledger, number, date, previous, &mut problems)?;
    Ok(EditorialPlan {
        number,
        date,
        intro: chosen.intro.map(|c| c.source),
        data: chosen.data.map(|d| d.file.source),
        dated_intro: relative(config, &intro_dir(config).join(format!("{date}.md"))),
        problems,
    })
}

/// The folder of dated intros: `content/intro.md` gives `content/intro/`.
pub(super) fn intro_dir(config: &Config) -> PathBuf {
    config.content.intro.with_extension("")
}

/// Chooses the intro and data for issue `number` of `date`; `previous` is
/// the date of the issue before it (the start of its window).
pub(super) fn choose(
    config: &Config,
    ledger: &Ledger,
    number: u32,
    date: NaiveDate,
    previous: Option<NaiveDate>,
    problems: &mut Vec<Problem>,
) -> Result<Editorial, LedgerError> {
    if let Some(sent) = as_sent(config, ledger, number, problems)? {
        return Ok(sent);
    }
    let slot = Slot {
        ledger,
        number,
        date,
        previous,
        legacy: LegacyIssue::load(config, number),
    };
    let intros = intro_candidates(config, problems);
    let intro = pick(&slot, EditorialKind::Intro, &intros, problems)?;
    let data_files = data_candidates(config, problems);
    let mut data = None;
    if let Some(file) = pick(&slot, EditorialKind::Data, &data_files, problems)? {
        let path = config.root.join(&file.source);
        if let Some(chart) = chart::parse_csv(&path, &file.body, problems) {
            data = Some(ChosenData { file, chart });
        }
    }
    Ok(Editorial { intro, data })
}

/// What issue `number` was sent with, when it has gone out and was built
/// with a record of it (issues built before the record existed have none).
fn as_sent(
    config: &Config,
    ledger: &Ledger,
    number: u32,
    problems: &mut Vec<Problem>,
) -> Result<Option<Editorial>, LedgerError> {
    let counts = ledger.delivery_counts(number, None)?;
    if counts.sent + counts.sending == 0 {
        return Ok(None);
    }
    let Some(intro) = ledger.editorial_for(number, EditorialKind::Intro)? else {
        return Ok(None);
    };
    let from_record = |r: EditorialRecord| Chosen {
        source: r.source,
        digest: r.digest,
        body: r.body,
    };
    let intro = (!intro.generated).then(|| from_record(intro));
    let mut data = None;
    if let Some(record) = ledger.editorial_for(number, EditorialKind::Data)? {
        let file = from_record(record);
        let path = config.root.join(&file.source);
        if let Some(chart) = chart::parse_csv(&path, &file.body, problems) {
            data = Some(ChosenData { file, chart });
        }
    }
    Ok(Some(Editorial { intro, data }))
}

/// The warning for an issue that has no intro written for it.
pub(super) fn no_intro(config: &Config, date: NaiveDate) -> Problem {
    Problem::warning(
        relative(config, &config.content.intro),
        None,
        format!(
            "no intro written for this issue ({date}); it opens with a short summary of its stories instead (write {} to give it one)",
            relative(config, &intro_dir(config).join(format!("{date}.md")))
        ),
    )
}

/// Records what issue `number` carried; `generated` is the opening it got
/// when no intro was written for it.
pub(super) fn record(
    ledger: &Ledger,
    number: u32,
    editorial: &Editorial,
    generated: &str,
) -> Result<(), LedgerError> {
    let intro = match &editorial.intro {
        Some(file) => record_of(number, EditorialKind::Intro, false, file),
        None => EditorialRecord {
            issue: number,
            kind: EditorialKind::Intro,
            generated: true,
            source: String::new(),
            digest: text_digest(generated),
            body: generated.to_string(),
        },
    };
    ledger.record_editorial(&intro)?;
    if let Some(data) = &editorial.data {
        ledger.record_editorial(&record_of(number, EditorialKind::Data, false, &data.file))?;
    }
    Ok(())
}

fn record_of(number: u32, kind: EditorialKind, generated: bool, file: &Chosen) -> EditorialRecord {
    EditorialRecord {
        issue: number,
        kind,
        generated,
        source: file.source.clone(),
        digest: file.digest.clone(),
        body: file.body.clone(),
    }
}

/// The issue being chosen for, and where to look things up.
struct Slot<'a> {
    ledger: &'a Ledger,
    number: u32,
    date: NaiveDate,
    previous: Option<NaiveDate>,
    legacy: Vec<LegacyIssue>,
}

/// An issue built before the ledger recorded intros and data: what its
/// files in `dist/` still show of them.
struct LegacyIssue {
    number: u32,
    /// The feed digest, which opens with the intro's HTML.
    content_html: String,
    /// Its chart, if it had one.
    chart_png: Option<Vec<u8>>,
}

impl LegacyIssue {
    /// Every issue in `dist/` (other than `number`) without a record.
    fn load(config: &Config, number: u32) -> Vec<LegacyIssue> {
        super::load_manifests(&config.paths.dist)
            .into_iter()
            .filter(|m| m.number != number && m.intro.digest.is_empty())
            .map(|m| LegacyIssue {
                number: m.number,
                chart_png: std::fs::read(
                    super::issue_dir(config, m.number).join(super::content::CHART_FILE),
                )
                .ok(),
                content_html: m.content_html,
            })
            .collect()
    }

    /// Whether this issue visibly carried `candidate`: the same intro HTML
    /// at the top of its digest, or byte for byte the same chart.
    fn carried(&self, kind: EditorialKind, candidate: &Candidate) -> bool {
        match kind {
            EditorialKind::Intro => {
                let html = crate::render::markdown_to_html(&candidate.body);
                !html.trim().is_empty() && self.content_html.starts_with(&html)
            }
            EditorialKind::Data => self.chart_png.as_ref().is_some_and(|png| {
                chart::parse_csv(
                    Path::new(&candidate.source),
                    &candidate.body,
                    &mut Vec::new(),
                )
                .and_then(|data| data.to_png().ok())
                .is_some_and(|drawn| drawn == *png)
            }),
        }
    }
}

/// The choice for one kind from the files, in the order the module comment gives.
fn pick(
    slot: &Slot<'_>,
    kind: EditorialKind,
    candidates: &[Candidate],
    problems: &mut Vec<Problem>,
) -> Result<Option<Chosen>, LedgerError> {
    // Written for an earlier issue's window but never sent: say so, once
    // per build, so prepared words are not lost without notice.
    if let Some(previous) = slot.previous {
        for stale in candidates
            .iter()
            .filter(|c| c.date.is_some_and(|d| d <= previous))
        {
            if carrier(slot, kind, stale)?.is_none() {
                problems.push(Problem::warning(
                    &stale.source,
                    None,
                    format!(
                        "dated for an issue on or before {previous}, which went out without it; rename it for {} or later to use it",
                        slot.date
                    ),
                ));
            }
        }
    }
    let in_window = |d: NaiveDate| d <= slot.date && slot.previous.is_none_or(|p| d > p);
    let mut dated: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.date.is_some_and(in_window))
        .collect();
    // Newest date first; on the same date the last file name.
    dated.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.source.cmp(&a.source)));
    if let Some(found) = first_fresh(slot, kind, &dated, "; not used again", problems)? {
        return Ok(Some(found));
    }
    let mut undated: Vec<&Candidate> = candidates.iter().filter(|c| c.date.is_none()).collect();
    undated.sort_by(|a, b| b.source.cmp(&a.source));
    let hint = format!(
        " and is not repeated; replace it, or add a dated one for {}",
        slot.date
    );
    first_fresh(slot, kind, &undated, &hint, problems)
}

/// The first candidate no other issue carried; each one skipped is a
/// warning naming the issue that carried it.
fn first_fresh(
    slot: &Slot<'_>,
    kind: EditorialKind,
    candidates: &[&Candidate],
    hint: &str,
    problems: &mut Vec<Problem>,
) -> Result<Option<Chosen>, LedgerError> {
    let what = match kind {
        EditorialKind::Intro => "intro",
        EditorialKind::Data => "Data Drill data",
    };
    for candidate in candidates {
        match carrier(slot, kind, candidate)? {
            None => return Ok(Some(chosen(candidate))),
            Some(other) => problems.push(Problem::warning(
                &candidate.source,
                None,
                format!("this {what} went out in issue {other}{hint}"),
            )),
        }
    }
    Ok(None)
}

/// The issue other than this one that carried `candidate`, by the ledger
/// or, for issues built before it kept records, by their files.
fn carrier(
    slot: &Slot<'_>,
    kind: EditorialKind,
    candidate: &Candidate,
) -> Result<Option<u32>, LedgerError> {
    if let Some(other) = slot
        .ledger
        .editorial_carrier(kind, &candidate.digest, slot.number)?
    {
        return Ok(Some(other));
    }
    Ok(slot
        .legacy
        .iter()
        .find(|issue| issue.carried(kind, candidate))
        .map(|issue| issue.number))
}

fn chosen(candidate: &Candidate) -> Chosen {
    Chosen {
        source: candidate.source.clone(),
        digest: candidate.digest.clone(),
        body: candidate.body.clone(),
    }
}

/// `content/intro.md` and every `content/intro/*.md`, with their dates.
fn intro_candidates(config: &Config, problems: &mut Vec<Problem>) -> Vec<Candidate> {
    let mut files = vec![(config.content.intro.clone(), false)];
    if let Ok(entries) = std::fs::read_dir(intro_dir(config)) {
        let mut dated: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("md")))
            .collect();
        dated.sort();
        files.extend(dated.into_iter().map(|p| (p, true)));
    }
    let mut out = Vec::new();
    for (path, in_folder) in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                problems.push(Problem::skipped(
                    &path,
                    None,
                    format!("cannot read the intro: {e}"),
                ));
                continue;
            }
        };
        let (front_date, body) = match split_front_matter(&text) {
            Ok(parts) => parts,
            Err((line, message)) => {
                problems.push(Problem::skipped(&path, Some(line), message));
                continue;
            }
        };
        if body.trim().is_empty() {
            continue;
        }
        let date = front_date.or_else(|| name_date(&path));
        if in_folder && date.is_none() {
            problems.push(Problem::skipped(
                &path,
                None,
                "a dated intro needs the issue date as its name (2026-11-26.md) or `date = 2026-11-26` in front matter",
            ));
            continue;
        }
        out.push(Candidate {
            source: relative(config, &path),
            date,
            digest: text_digest(body),
            body: body.to_string(),
        });
    }
    out
}

/// Every CSV in `content/data/` that parses, dated by a name that starts
/// with the date.
fn data_candidates(config: &Config, problems: &mut Vec<Problem>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for path in chart::csv_files(&config.content.data) {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(Problem::skipped(&path, None, format!("cannot read: {e}")));
                continue;
            }
        };
        // Rows that do not parse are reported when the file is used.
        let mut why = Vec::new();
        let Some(data) = chart::parse_csv(&path, &text, &mut why) else {
            problems.extend(why);
            continue;
        };
        out.push(Candidate {
            source: relative(config, &path),
            date: name_date(&path),
            digest: data.digest(),
            body: text,
        });
    }
    out
}

/// The date a file name starts with: `2026-11-26.md`, `2026-11-26-brent.csv`.
fn name_date(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    let head = name.get(..10)?;
    let rest = &name[10..];
    if !(rest.is_empty() || rest.starts_with(['.', '-', '_'])) {
        return None;
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Splits optional `+++` (TOML) or `---` (YAML) front matter from an intro;
/// returns its `date`, if any, and the body. An unreadable date is an error
/// with its 1-based line.
fn split_front_matter(text: &str) -> Result<(Option<NaiveDate>, &str), (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end();
    if first != "+++" && first != "---" {
        return Ok((None, text));
    }
    let mut offset = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut date = None;
    for (i, line) in text[offset..].split_inclusive('\n').enumerate() {
        offset += line.len();
        let trimmed = line.trim();
        if trimmed == first {
            return Ok((date, &text[offset..]));
        }
        let Some((key, value)) = trimmed.split_once(['=', ':']) else {
            continue;
        };
        if key.trim() != "date" {
            continue;
        }
        let value = value.trim().trim_matches(['"', '\'']);
        let day = value.get(..10).unwrap_or(value);
        match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) => date = Some(d),
            Err(_) => {
                return Err((
                    i + 2,
                    format!(
                    "date {value:?} is not an issue date like 2026-11-26; the intro is not used"
                ),
                ))
            }
        }
    }
    Err((
        1,
        format!("the front matter opened with {first} is never closed; the intro is not used"),
    ))
}

/// SHA-256 (hex) of the text with its whitespace folded, so re-wrapping an
/// old intro does not make it new.
pub(super) fn text_digest(text: &str) -> String {
    let folded: Vec<&str> = text.split_whitespace().collect();
    hex::encode(Sha256::digest(folded.join(" ").as_bytes()))
}

/// `path` relative to the project folder, with `/` separators.
pub(super) fn relative(config: &Config, path: &Path) -> String {
    let rel = path.strip_prefix(&config.root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_come_from_the_start_of_a_file_name() {
        assert_eq!(
            name_date(Path::new("content/intro/2026-11-26.md")),
            Some(d("2026-11-26"))
        );
        assert_eq!(
            name_date(Path::new("data/2026-11-26-brent.csv")),
            Some(d("2026-11-26"))
        );
        assert_eq!(name_date(Path::new("data/brent.csv")), None);
        assert_eq!(name_date(Path::new("data/2026-11-261.csv")), None);
        assert_eq!(name_date(Path::new("data/2026-13-01.csv")), None);
    }

    #[test]
    fn front_matter_names_the_issue_date_in_toml_or_yaml() {
        let (date, body) = split_front_matter("+++\ndate = 2026-11-26\n+++\nHello.\n").unwrap();
        assert_eq!(date, Some(d("2026-11-26")));
        assert_eq!(body, "Hello.\n");
        let (date, body) =
            split_front_matter("---\ntitle: x\ndate: \"2026-11-26\"\n---\n\nHi\n").unwrap();
        assert_eq!(date, Some(d("2026-11-26")));
        assert_eq!(body, "\nHi\n");
        let (date, body) = split_front_matter("Just text --- here\n").unwrap();
        assert_eq!((date, body), (None, "Just text --- here\n"));
        let err = split_front_matter("+++\nname = 1\ndate = \"thursday\"\n+++\nx").unwrap_err();
        assert_eq!(err.0, 3, "{err:?}");
        assert!(err.1.contains("2026-11-26"), "{err:?}");
        assert!(split_front_matter("+++\ndate = 2026-11-26\nHello").is_err());
    }

    #[test]
    fn rewrapping_an_intro_keeps_its_digest() {
        assert_eq!(
            text_digest("Winter came early.\nMarkets noticed.\n"),
            text_digest("Winter came early. Markets\n  noticed.")
        );
        assert_ne!(
            text_digest("Winter came early."),
            text_digest("Winter came late.")
        );
    }
}

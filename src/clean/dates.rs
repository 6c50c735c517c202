//! The publication date of scraped text, read from the stamps scrapers
//! leave around a story: "Published 19 November 2026 | Updated ...",
//! "PUBLISHED: 07:42 GMT, 20 November 2026", a byline ending in a date, a
//! line that is only a date, or a wire dateline ("LONDON, Nov. 19 (Meridian
//! Wire) - ...").
//!
//! A wire dateline has no year. It takes the year of another full date in
//! the text, else the most recent such day not after a reference time the
//! caller passes in (the file's modification time, say), so the result
//! depends only on the input and that time. Relative stamps ("3 hours ago")
//! give no date: without the scrape time they cannot be placed.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use regex::Regex;

use super::rules::{self, months};

/// Stamps and bylines are short; a story paragraph that mentions a date is
/// longer than this and is never read for the publication date.
const STAMP_MAX_WORDS: usize = 40;

/// A full date with an optional time before it ("07:42 GMT, 20 November
/// 2026") or after it ("20 November 2026, 08:12 GMT", "Nov. 19, 2026 at
/// 8:12 am").
fn full_date_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let time = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})\s*(?P<ap>[ap]\.?m\.?)?\s*(?P<tz>GMT|UTC|BST|CET|CEST|EET|EEST|EST|EDT|CST|CDT|PST|PDT)?";
        let time2 = time
            .replace("?P<H>", "?P<H2>")
            .replace("?P<M>", "?P<M2>")
            .replace("?P<ap>", "?P<ap2>")
            .replace("?P<tz>", "?P<tz2>");
        let pattern = format!(
            r"(?i)(?:{time}\s*,?\s*(?:on\s+)?)?\b(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{m})\.?,?\s+(?P<y1>\d{{4}})|(?P<m2>{m})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))\b(?:\s*(?:,|at|-|–)?\s*{time2})?",
            m = months!(),
        );
        rules::compile(&pattern).ok()
    })
    .as_ref()
}

/// A "Published" or "Updated" label at the start of a stamp or after a
/// separator, so that "the report, published 3 May 2025, found" in a story
/// sentence is not taken for one.
fn label_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        rules::compile(r"(?i)(?:^|[|.•·—–-]\s*)(?P<label>(?:first\s+)?published|posted|(?:last\s+)?updated|(?:last\s+)?modified)(?:\s+(?:on|at))?\s*:?")
            .ok()
    })
    .as_ref()
}

/// Offset of a time-zone abbreviation, in hours east of UTC.
fn zone_hours(tz: &str) -> i32 {
    match tz.to_ascii_uppercase().as_str() {
        "BST" | "CET" => 1,
        "CEST" | "EET" => 2,
        "EEST" => 3,
        "EST" | "CDT" => -5,
        "EDT" => -4,
        "CST" => -6,
        "PST" => -8,
        "PDT" => -7,
        _ => 0,
    }
}

/// The first full date in `s`, with its time when one is written next to it.
/// A date with no time is midnight UTC; a time with no zone is UTC.
pub fn first_full_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let caps = full_date_re()?.captures(s)?;
    let get = |a: &str, b: &str| caps.name(a).or_else(|| caps.name(b)).map(|m| m.as_str());
    let day: u32 = get("d1", "d2")?.parse().ok()?;
    let month = rules::month_number(get("m1", "m2")?)?;
    let year: i32 = get("y1", "y2")?.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let (time, tz) = match get("H", "H2") {
        Some(h) => {
            let mut hour: u32 = h.parse().ok()?;
            let minute: u32 = get("M", "M2")?.parse().ok()?;
            if let Some(ap) = get("ap", "ap2") {
                let pm = ap.starts_with(['p', 'P']);
                hour = match (hour, pm) {
                    (12, false) => 0,
                    (h, true) if h < 12 => h + 12,
                    (h, _) => h,
                };
            }
            (
                NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN),
                get("tz", "tz2").map_or(0, zone_hours),
            )
        }
        None => (NaiveTime::MIN, 0),
    };
    FixedOffset::east_opt(tz * 3600)?
        .from_local_datetime(&date.and_time(time))
        .single()
}

/// The most recent `month`/`day` on or before `reference` (skipping back to
/// a leap year for 29 February).
fn latest_on_or_before(month: u32, day: u32, reference: DateTime<Utc>) -> Option<NaiveDate> {
    let today = reference.date_naive();
    (0..8)
        .map(|back| today.year() - back)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .find(|d| *d <= today)
}

fn midnight_utc(date: NaiveDate) -> Option<DateTime<FixedOffset>> {
    Some(
        date.and_time(NaiveTime::MIN)
            .and_utc()
            .with_timezone(&FixedOffset::east_opt(0)?),
    )
}

/// The publication date of scraped text, from its paragraphs as split
/// before the junk rules run (the rules drop the stamps). In order of
/// preference: a "Published" stamp (the first one; an "Updated" time is
/// never preferred to it); a byline or a line that carries only a date; a
/// wire dateline; and last an "Updated" stamp. `reference` places a dateline
/// that has no year when the text has no full date to take one from.
pub fn published_in_text<S: AsRef<str>>(
    paragraphs: &[S],
    reference: Option<DateTime<Utc>>,
) -> Option<DateTime<FixedOffset>> {
    let mut byline_or_line = None;
    let mut dateline = None;
    let mut updated = None;
    for p in paragraphs {
        let p = p.as_ref();
        if rules::word_count_capped(p, STAMP_MAX_WORDS) > STAMP_MAX_WORDS {
            // Only a story's first paragraph can open with a dateline.
            if dateline.is_none() {
                dateline = rules::dateline(p);
            }
            continue;
        }
        let labels: Vec<_> = label_re()
            .map(|re| re.captures_iter(p).collect())
            .unwrap_or_default();
        for (i, caps) in labels.iter().enumerate() {
            let (Some(whole), Some(label)) = (caps.get(0), caps.name("label")) else {
                continue;
            };
            // The stamp runs to the next label or separator.
            let end = labels
                .get(i + 1)
                .and_then(|c| c.get(0))
                .map_or(p.len(), |m| m.start());
            let segment = &p[whole.end()..end];
            let segment = segment.split('|').next().unwrap_or(segment);
            let Some(date) = first_full_date(segment) else {
                continue;
            };
            let label = label.as_str().to_ascii_lowercase();
            if label.contains("published") || label.contains("posted") {
                return Some(date);
            }
            updated = updated.or(Some(date));
        }
        if !labels.is_empty() {
            continue;
        }
        if byline_or_line.is_none() {
            let is_byline = p.starts_with("By ") || p.starts_with("BY ") || p.starts_with("by ");
            // Only a line with a digit can carry a date: the rules are not
            // run on the others.
            let is_date_line = || {
                p.bytes().any(|b| b.is_ascii_digit())
                    && rules::dropping_rule(p).is_some_and(|r| r.name == "date_line")
            };
            if is_byline || is_date_line() {
                byline_or_line = first_full_date(p);
            }
        }
        if dateline.is_none() {
            dateline = rules::dateline(p);
        }
    }
    if byline_or_line.is_some() {
        return byline_or_line;
    }
    let from_dateline = dateline.and_then(|d| {
        let (month, day) = d.month_day?;
        let year = d.year.or_else(|| {
            paragraphs
                .iter()
                .find_map(|p| first_full_date(p.as_ref()))
                .map(|full| full.year())
        });
        let date = match year {
            Some(y) => NaiveDate::from_ymd_opt(y, month, day)?,
            None => latest_on_or_before(month, day, reference?)?,
        };
        midnight_utc(date)
    });
    from_dateline.or(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(paragraphs: &[&str]) -> Option<String> {
        let reference = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).single();
        published_in_text(paragraphs, reference).map(|d| d.to_rfc3339())
    }

    const STORY: &str = "Oil prices rose to a seven-week high on Thursday after the producer group agreed to extend voluntary output cuts until the end of June, wrong-footing traders who had expected the first barrels to return to the market from January, analysts said.";

    #[test]
    fn published_stamp_wins_over_updated() {
        assert_eq!(
            on(&[
                "Headline",
                "Published 19 November 2026 | Updated 20 November 2026, 08:12 GMT",
                STORY
            ])
            .as_deref(),
            Some("2026-11-19T00:00:00+00:00")
        );
        assert_eq!(
            on(&[
                "Headline",
                "Updated 20 November 2026 | First published 18 November 2026",
                STORY
            ])
            .as_deref(),
            Some("2026-11-18T00:00:00+00:00")
        );
        assert_eq!(
            on(&["Published 23 November 2026", STORY]).as_deref(),
            Some("2026-11-23T00:00:00+00:00")
        );
    }

    #[test]
    fn dailymail_stamp_keeps_its_time_and_zone() {
        assert_eq!(
            on(&["By . Energy Correspondent . PUBLISHED: 07:42 GMT, 20 November 2026 . | . UPDATED: 11:05 GMT, 20 November 2026 .", STORY]).as_deref(),
            Some("2026-11-20T07:42:00+00:00")
        );
        assert_eq!(
            on(&["By . Sam Webb . PUBLISHED: . 12:23 EST, 3 January 2014 . | . UPDATED: . 13:40 EST, 3 January 2014 ."]).as_deref(),
            Some("2014-01-03T12:23:00-05:00")
        );
    }

    #[test]
    fn byline_and_bare_date_lines() {
        assert_eq!(
            on(&[
                "Published 3 hours ago | Updated 1 hour ago",
                "By Kaveh Moradi in Singapore | Wednesday 18 November 2026",
                STORY
            ])
            .as_deref(),
            Some("2026-11-18T00:00:00+00:00")
        );
        assert_eq!(
            on(&["Headline", "Tuesday 17 November 2026", STORY]).as_deref(),
            Some("2026-11-17T00:00:00+00:00")
        );
        assert_eq!(
            on(&["Headline", "November 17, 2026 at 3:05 pm EDT", STORY]).as_deref(),
            Some("2026-11-17T15:05:00-04:00")
        );
    }

    #[test]
    fn relative_stamps_and_story_dates_give_nothing() {
        assert_eq!(
            on(&["Published 3 hours ago | Updated 1 hour ago", STORY]),
            None
        );
        assert_eq!(
            on(&["The report, published 3 May 2025, found costs had doubled."]),
            None
        );
        let long = format!("{STORY} The plant opened on 4 March 2019.");
        assert_eq!(on(&[long.as_str()]), None);
    }

    #[test]
    fn dateline_year_from_another_date_else_the_reference() {
        let lead = format!("LONDON, Nov. 19 (Meridian Wire) - {STORY}");
        // The year of another full date in the text.
        let later = "The group meets again on 1 June 2031.";
        assert_eq!(
            on(&["Headline", lead.as_str(), later]).as_deref(),
            Some("2031-11-19T00:00:00+00:00")
        );
        // Else the latest 19 November not after the reference (25 Nov 2026).
        assert_eq!(
            on(&["Headline", lead.as_str()]).as_deref(),
            Some("2026-11-19T00:00:00+00:00")
        );
        let dec = format!("LONDON, Dec. 2 (Meridian Wire) - {STORY}");
        assert_eq!(
            on(&[dec.as_str()]).as_deref(),
            Some("2025-12-02T00:00:00+00:00")
        );
        // No reference and no other date: no year, so no date.
        assert_eq!(published_in_text(&[dec.as_str()], None), None);
        // A stamp is preferred to the dateline.
        assert_eq!(
            on(&["Published 18 November 2026", lead.as_str()]).as_deref(),
            Some("2026-11-18T00:00:00+00:00")
        );
    }
}

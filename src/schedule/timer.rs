//! `newsletter schedule --print systemd|cron`: the schedule written for the
//! system's own scheduler, calling `newsletter run` at each slot.
//!
//! Both keep the time zone: systemd takes it at the end of `OnCalendar=`,
//! cron through `CRON_TZ=` (cronie and the BSD crons read it; a cron that
//! does not needs the machine itself in the newsletter's zone). A
//! late or repeated call costs nothing, since `run` itself decides whether
//! the slot is due and records it in the ledger.

use std::path::Path;

use super::{Schedule, ScheduleError};

/// Paths baked into the printed units.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// The `newsletter` executable.
    pub exe: &'a Path,
    /// The config file (absolute, so the unit works from any directory).
    pub config: &'a Path,
    /// The project folder (the config's folder).
    pub workdir: &'a Path,
    /// The newsletter's name, for descriptions.
    pub name: &'a str,
    /// Where cron appends `run`'s output.
    pub log: &'a Path,
}

/// The field values of a five-field cron expression, as sorted sets.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fields {
    pub minutes: Vec<u16>,
    pub hours: Vec<u16>,
    pub days: Vec<u16>,
    pub months: Vec<u16>,
    /// 0 = Sunday.
    pub weekdays: Vec<u16>,
    /// Day-of-month and day-of-week written as something other than `*`:
    /// cron then runs when either matches.
    pub days_restricted: bool,
    pub weekdays_restricted: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Expands one field of standard cron syntax (`*`, `n`, `a-b`, `*/s`,
/// `a-b/s`, `a/s`, lists, names) into its values.
fn expand(field: &str, lo: u16, hi: u16, names: &[&str], base: u16) -> Result<Vec<u16>, String> {
    let value = |s: &str| -> Result<u16, String> {
        let up = s.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == up) {
            return Ok(base + i as u16);
        }
        s.parse::<u16>()
            .map_err(|_| format!("{s:?} is not a number or a name"))
    };
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u16>()
                    .map_err(|_| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("zero step in {part:?}"));
        }
        let (a, b) = if range == "*" || range == "?" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let a = value(range)?;
            (a, if part.contains('/') { hi } else { a })
        };
        if a < lo || b > hi || a > b {
            return Err(format!("{part:?} is outside {lo}-{hi}"));
        }
        out.extend((a..=b).step_by(usize::from(step)));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The five fields, expanded; aliases such as `@daily` first become fields.
pub(crate) fn parse_fields(cron: &str) -> Result<Fields, String> {
    let cron = cron.trim();
    let text = match cron.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *".to_string(),
        "@monthly" => "0 0 1 * *".to_string(),
        "@weekly" => "0 0 * * 0".to_string(),
        "@daily" | "@midnight" => "0 0 * * *".to_string(),
        "@hourly" => "0 * * * *".to_string(),
        _ => cron.to_string(),
    };
    let f: Vec<&str> = text.split_whitespace().collect();
    if f.len() != 5 {
        return Err("it does not have five fields".into());
    }
    let dom_special = f[2].to_ascii_uppercase().contains(['L', 'W']);
    let dow_special = f[4].contains('#')
        || f[4]
            .split(',')
            .any(|t| t.to_ascii_uppercase().ends_with('L'));
    if dom_special || dow_special {
        return Err(
            "L (last), W (nearest weekday) and # (nth weekday) have no equivalent there".into(),
        );
    }
    let restricted = |x: &str| x != "*" && x != "?";
    let mut weekdays: Vec<u16> = expand(f[4], 0, 7, &WEEKDAYS, 0)?
        .into_iter()
        .map(|d| d % 7)
        .collect();
    weekdays.sort_unstable();
    weekdays.dedup();
    Ok(Fields {
        minutes: expand(f[0], 0, 59, &[], 0)?,
        hours: expand(f[1], 0, 23, &[], 0)?,
        days: expand(f[2], 1, 31, &[], 0)?,
        months: expand(f[3], 1, 12, &MONTHS, 1)?,
        weekdays,
        days_restricted: restricted(f[2]),
        weekdays_restricted: restricted(f[4]),
    })
}

fn fields(schedule: &Schedule, target: &'static str) -> Result<Fields, ScheduleError> {
    parse_fields(&schedule.cron).map_err(|message| ScheduleError::NotExpressible {
        path: schedule.source().to_path_buf(),
        cron: schedule.cron.clone(),
        target,
        message,
    })
}

/// `values` as a systemd list: `*` when complete, runs of three or more as `a..b`.
fn systemd_list(
    values: &[u16],
    full: std::ops::RangeInclusive<u16>,
    name: impl Fn(u16) -> String,
) -> String {
    if values.len() == full.len() {
        return "*".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}..{}", name(values[i]), name(values[j])));
        } else {
            parts.extend(values[i..=j].iter().map(|v| name(*v)));
        }
        i = j + 1;
    }
    parts.join(",")
}

fn weekday_name(d: u16) -> String {
    ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][usize::from(d % 7)].to_string()
}

/// The `OnCalendar=` values for the schedule (more than one when cron's
/// "day-of-month OR day-of-week" rule needs a union).
pub fn on_calendar(schedule: &Schedule) -> Result<Vec<String>, ScheduleError> {
    let f = fields(schedule, "a systemd OnCalendar")?;
    let two = |v: u16| format!("{v:02}");
    let plain = |v: u16| v.to_string();
    let time = format!(
        "{}:{}:00",
        systemd_list(&f.hours, 0..=23, two),
        systemd_list(&f.minutes, 0..=59, two)
    );
    let months = systemd_list(&f.months, 1..=12, plain);
    let event = |weekdays: &[u16], days: &[u16]| {
        let dow = systemd_list(weekdays, 0..=6, weekday_name);
        let date = format!("*-{months}-{}", systemd_list(days, 1..=31, plain));
        let dow = if dow == "*" {
            String::new()
        } else {
            format!("{dow} ")
        };
        format!("{dow}{date} {time} {}", schedule.timezone.name())
    };
    let all_days: Vec<u16> = (1..=31).collect();
    let all_weekdays: Vec<u16> = (0..=6).collect();
    Ok(if f.days_restricted && f.weekdays_restricted {
        // cron runs when either matches; systemd needs both to, so list two events.
        vec![event(&all_weekdays, &f.days), event(&f.weekdays, &all_days)]
    } else {
        vec![event(&f.weekdays, &f.days)]
    })
}

/// Quotes a path for a systemd `ExecStart=` line (`%` is a specifier there).
fn systemd_quote(path: &Path) -> String {
    let s = path.display().to_string();
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('%', "%%")
    )
}

/// Quotes a path for the shell that cron runs its commands in.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    // Inside a crontab, `%` ends the command: escape it.
    format!("'{}'", s.replace('\'', "'\\''").replace('%', "\\%"))
}

/// A systemd service and timer pair, as one text with the file names as comments.
pub fn systemd_units(schedule: &Schedule, inv: &Invocation<'_>) -> Result<String, ScheduleError> {
    let calendars = on_calendar(schedule)?;
    let mut out = String::new();
    out.push_str("# ~/.config/systemd/user/newsletter.service (or /etc/systemd/system/)\n");
    out.push_str("[Unit]\n");
    out.push_str(&format!(
        "Description={}: one scheduled cycle (summarize, build, send)\n",
        inv.name
    ));
    out.push_str("Wants=network-online.target\nAfter=network-online.target\n\n");
    out.push_str("[Service]\nType=oneshot\n");
    out.push_str(&format!(
        "WorkingDirectory={}\n",
        systemd_quote(inv.workdir)
    ));
    out.push_str(&format!(
        "ExecStart={} --config {} run\n",
        systemd_quote(inv.exe),
        systemd_quote(inv.config)
    ));
    out.push_str(
        "# Give a send in flight time to finish before being stopped.\nTimeoutStopSec=30min\n\n",
    );
    out.push_str("# ~/.config/systemd/user/newsletter.timer (or /etc/systemd/system/)\n");
    out.push_str("[Unit]\n");
    out.push_str(&format!(
        "Description={}: run at each slot of \"{}\"\n\n",
        inv.name, schedule.cron
    ));
    out.push_str("[Timer]\n");
    for calendar in &calendars {
        out.push_str(&format!("OnCalendar={calendar}\n"));
    }
    out.push_str(&format!(
        "# After downtime, run once at boot; `run` sends only if the slot is within\n# the grace period ({} minutes) and records it as skipped otherwise.\nPersistent=true\n\n",
        schedule.grace.num_minutes()
    ));
    out.push_str("[Install]\nWantedBy=timers.target\n");
    out.push_str("# Enable with: systemctl --user daemon-reload && systemctl --user enable --now newsletter.timer\n");
    Ok(out)
}

/// A crontab entry (with its `CRON_TZ=` line).
pub fn crontab(schedule: &Schedule, inv: &Invocation<'_>) -> Result<String, ScheduleError> {
    // Refuse what plain cron cannot read (L, W, #), with the reason.
    fields(schedule, "a crontab line")?;
    let text: Vec<&str> = schedule.cron.split_whitespace().collect();
    let spec = if text.len() == 5 {
        text.join(" ")
    } else {
        schedule.cron.trim().to_string()
    };
    Ok(format!(
        "# {}: `newsletter run` at each slot; add with `crontab -e`.\n\
         # CRON_TZ makes cron read the times in the newsletter's zone (cronie reads it;\n\
         # with a cron that does not, the machine's zone must be the newsletter's).\n\
         CRON_TZ={}\n\
         {spec} cd {} && {} --config {} run >> {} 2>&1\n",
        inv.name,
        schedule.timezone.name(),
        shell_quote(inv.workdir),
        shell_quote(inv.exe),
        shell_quote(inv.config),
        shell_quote(inv.log),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(cron: &str, tz: chrono_tz::Tz) -> Schedule {
        Schedule::new(cron, tz, 360, Path::new("config.toml")).unwrap()
    }

    #[test]
    fn tuesday_thursday_at_seven_in_london() {
        let s = sched("0 7 * * TUE,THU", chrono_tz::Europe::London);
        assert_eq!(
            on_calendar(&s).unwrap(),
            ["Tue,Thu *-*-* 07:00:00 Europe/London"]
        );
    }

    #[test]
    fn ranges_lists_and_steps() {
        let s = sched(
            "*/15 9-17 1,15 1-3,12 MON-FRI",
            chrono_tz::America::New_York,
        );
        assert_eq!(
            on_calendar(&s).unwrap(),
            [
                "*-1..3,12-1,15 09..17:00,15,30,45:00 America/New_York",
                "Mon..Fri *-1..3,12-* 09..17:00,15,30,45:00 America/New_York",
            ]
        );
    }

    #[test]
    fn what_systemd_cannot_say_is_refused_with_a_reason() {
        for cron in ["0 7 L * *", "0 7 * * 5L", "0 7 * * TUE#2"] {
            let err = on_calendar(&sched(cron, chrono_tz::UTC)).unwrap_err();
            assert!(
                matches!(err, ScheduleError::NotExpressible { .. }),
                "{cron}: {err}"
            );
        }
    }

    #[test]
    fn crontab_keeps_the_zone_and_quotes_paths() {
        let s = sched("0 7 * * TUE,THU", chrono_tz::Europe::London);
        let inv = Invocation {
            exe: Path::new("/opt/bin/newsletter"),
            config: Path::new("/srv/it's/config.toml"),
            workdir: Path::new("/srv/it's"),
            name: "Energy Source",
            log: Path::new("/srv/it's/state/cron.log"),
        };
        let text = crontab(&s, &inv).unwrap();
        assert!(text.contains("\nCRON_TZ=Europe/London\n"), "{text}");
        assert!(
            text.contains("0 7 * * TUE,THU cd '/srv/it'\\''s' && '/opt/bin/newsletter' --config '/srv/it'\\''s/config.toml' run"),
            "{text}"
        );
        let units = systemd_units(&s, &inv).unwrap();
        assert!(units.contains("OnCalendar=Tue,Thu *-*-* 07:00:00 Europe/London\n"));
        assert!(units.contains(
            "ExecStart=\"/opt/bin/newsletter\" --config \"/srv/it's/config.toml\" run\n"
        ));
        assert!(units.contains("Persistent=true"));
    }

    /// The field expansion used for systemd and cron agrees with croner's own
    /// reading of the expression, minute by minute over two months.
    #[test]
    fn field_expansion_agrees_with_croner() {
        use chrono::{Datelike, TimeZone, Timelike};
        for cron in [
            "0 7 * * TUE,THU",
            "*/15 9-17 1,15 1-3,12 MON-FRI",
            "5/20 */7 * * sun",
            "0 12 10-12 * 0,6",
            "30 6 * JAN-FEB 7",
            "@daily",
        ] {
            let s = sched(cron, chrono_tz::UTC);
            let f = parse_fields(cron).unwrap();
            let start = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            for m in 0..(60 * 24 * 59) {
                let t = start + chrono::Duration::minutes(m);
                let day = f.days.contains(&(t.day() as u16));
                let wd = f
                    .weekdays
                    .contains(&(t.weekday().num_days_from_sunday() as u16));
                let date_ok = if f.days_restricted && f.weekdays_restricted {
                    day || wd
                } else {
                    day && wd
                };
                let mine = date_ok
                    && f.minutes.contains(&(t.minute() as u16))
                    && f.hours.contains(&(t.hour() as u16))
                    && f.months.contains(&(t.month() as u16));
                assert_eq!(
                    mine,
                    s.parsed().is_time_matching(&t).unwrap(),
                    "{cron} at {t}"
                );
            }
        }
    }
}

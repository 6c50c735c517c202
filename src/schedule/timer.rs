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
    /// Where cron's `run` appends its output (`--log-file`; `run` creates the folder).
    pub log: &'a Path,
    /// Environment variables the config names for secrets (unsubscribe secret,
    /// SMTP credentials): a timer does not see the login shell's environment.
    pub secrets: &'a [String],
    /// `Some(user)` prints a system unit running as that user; `Some("")` a
    /// system unit whose user could not be found (a commented `User=`).
    pub system_user: Option<&'a str>,
}

/// A path that cannot be written into a unit or crontab line the way its
/// reader reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path:?}: {why}")]
pub struct UnwritablePath {
    pub path: String,
    pub why: &'static str,
}

fn unwritable(path: &str, why: &'static str) -> UnwritablePath {
    UnwritablePath {
        path: path.to_string(),
        why,
    }
}

/// Checks what no quoting can carry through a unit file or a crontab: line
/// breaks and other control characters (a unit line, or a cron entry, ends
/// at the newline).
fn printable(path: &Path) -> Result<String, UnwritablePath> {
    let text = path
        .to_str()
        .ok_or_else(|| unwritable(&path.display().to_string(), "is not valid UTF-8"))?
        .to_string();
    if text.chars().any(char::is_control) {
        return Err(unwritable(
            &text,
            "contains a line break or another control character, which a systemd unit or crontab line cannot carry; move the project to a plainer path",
        ));
    }
    Ok(text)
}

/// One argument of an `ExecStart=` command line. systemd splits the line
/// into words itself, reading double quotes with C-style escapes, then
/// expands `%` specifiers and `$VARIABLE`s in the arguments: so `\\` and
/// `"` are escaped for the quotes, `%` becomes `%%` and `$` becomes `$$`.
pub fn systemd_exec_word(path: &Path) -> Result<String, UnwritablePath> {
    Ok(systemd_quoted(&printable(path)?, true))
}

fn systemd_quoted(text: &str, arguments: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' if arguments => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The program of an `ExecStart=` line. systemd expands no variables in it
/// and refuses an executable path holding a quote or a backslash outright,
/// so such a path is handed, as an argument, to a shell that runs it.
pub fn systemd_executable(path: &Path) -> Result<String, UnwritablePath> {
    let text = printable(path)?;
    if text.contains(['\'', '"', '\\']) {
        return Ok(format!(
            "/bin/sh -c \"exec \\\"$$0\\\" \\\"$$@\\\"\" {}",
            systemd_quoted(&text, true)
        ));
    }
    Ok(systemd_quoted(&text, false))
}

/// A path setting such as `WorkingDirectory=`: systemd takes the value as
/// it stands (quotes would be part of the path) and expands `%` specifiers
/// in it. The value's ends are trimmed and a final backslash continues the
/// line, so a path that ends in a space or a backslash cannot be written.
pub fn systemd_path_value(path: &Path) -> Result<String, UnwritablePath> {
    let text = printable(path)?;
    if !text.starts_with('/') {
        return Err(unwritable(&text, "is not an absolute path"));
    }
    if text.ends_with(char::is_whitespace) || text.ends_with('\\') {
        return Err(unwritable(
            &text,
            "ends in a space or a backslash, which systemd would strip or read as a line continuation; rename the folder",
        ));
    }
    Ok(text.replace('%', "%%"))
}

/// Free text on one line (a newline would end the setting or comment).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Free text for `Description=`: specifiers escaped, on one line.
fn systemd_text(text: &str) -> String {
    one_line(text).replace('%', "%%")
}

/// One word of a crontab command. cron turns an unescaped `%` into a
/// newline (and `\%` into `%`) before handing the line to `/bin/sh`, so the
/// word is single-quoted for the shell and each `%` escaped for cron. A
/// backslash right before a `%` cannot survive cron's reading at all.
pub fn cron_word(path: &Path) -> Result<String, UnwritablePath> {
    let text = printable(path)?;
    if text.contains("\\%") {
        return Err(unwritable(
            &text,
            "has a backslash before a %, which cron cannot pass through; rename the folder",
        ));
    }
    Ok(format!(
        "'{}'",
        text.replace('\'', "'\\''").replace('%', "\\%")
    ))
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

fn unwritable_to_error<'a>(
    schedule: &'a Schedule,
    target: &'static str,
) -> impl Fn(UnwritablePath) -> ScheduleError + 'a {
    move |e| ScheduleError::UnwritablePath {
        path: schedule.source().to_path_buf(),
        target,
        message: e.to_string(),
    }
}

/// A systemd service and timer pair, as one text with the file names as comments.
pub fn systemd_units(schedule: &Schedule, inv: &Invocation<'_>) -> Result<String, ScheduleError> {
    let calendars = on_calendar(schedule)?;
    let bad = unwritable_to_error(schedule, "a systemd unit");
    let workdir = systemd_path_value(inv.workdir).map_err(&bad)?;
    let exe = systemd_executable(inv.exe).map_err(&bad)?;
    let config = systemd_exec_word(inv.config).map_err(&bad)?;
    let env_file = systemd_path_value(&inv.workdir.join("newsletter.env")).map_err(&bad)?;
    let name = systemd_text(inv.name);
    let (folder, systemctl) = match inv.system_user {
        Some(_) => ("/etc/systemd/system/", "systemctl"),
        None => ("~/.config/systemd/user/", "systemctl --user"),
    };
    let mut out = String::new();
    out.push_str("# Two files: save the first part as newsletter.service and the second as\n");
    out.push_str("# newsletter.timer, side by side in\n");
    out.push_str(
        "#   ~/.config/systemd/user/   for a user unit (runs while you are logged in, or\n",
    );
    out.push_str(
        "#                             always after `loginctl enable-linger $USER`), or\n",
    );
    out.push_str("#   /etc/systemd/system/      for a system unit (print it with --system).\n");
    out.push_str(&format!(
        "# Then: {systemctl} daemon-reload && {systemctl} enable --now newsletter.timer\n\n"
    ));
    out.push_str(&format!("# {folder}newsletter.service\n"));
    out.push_str("[Unit]\n");
    out.push_str(&format!(
        "Description={name}: one scheduled cycle (summarize, build, send)\n"
    ));
    out.push_str("Wants=network-online.target\nAfter=network-online.target\n\n");
    out.push_str("[Service]\nType=oneshot\n");
    match inv.system_user {
        Some(user) if !user.is_empty() && !user.chars().any(|c| c.is_control() || c.is_whitespace()) => {
            out.push_str(&format!("User={}\n", systemd_text(user)));
        }
        Some(_) => out.push_str(
            "# A system unit runs as root unless told otherwise: set the project's owner.\n# User=newsletter\n",
        ),
        None => out.push_str(
            "# For a system unit (in /etc/systemd/system/), add the user it runs as:\n# User=newsletter\n",
        ),
    }
    out.push_str(&format!("WorkingDirectory={workdir}\n"));
    out.push_str(
        "# A timer does not see your login shell's environment: put the secrets the\n\
         # config names in this file (one NAME=value a line, readable only by you), then\n\
         # uncomment the line.\n",
    );
    for var in inv.secrets {
        out.push_str(&format!("#   {var}=...\n"));
    }
    out.push_str(&format!("# EnvironmentFile={env_file}\n"));
    out.push_str(&format!("ExecStart={exe} --config {config} run\n"));
    out.push_str(
        "# Give a send in flight time to finish before being stopped.\nTimeoutStopSec=30min\n\n",
    );
    out.push_str(&format!("# {folder}newsletter.timer\n"));
    out.push_str("[Unit]\n");
    out.push_str(&format!(
        "Description={name}: run at each slot of \"{}\"\n\n",
        systemd_text(&schedule.cron)
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
    Ok(out)
}

/// A crontab entry (with its `CRON_TZ=` line). `run` writes its own log
/// (`--log-file`, creating `state/` on a project that has not run yet), so
/// the line needs no shell redirection into a folder that may not exist.
pub fn crontab(schedule: &Schedule, inv: &Invocation<'_>) -> Result<String, ScheduleError> {
    // Refuse what plain cron cannot read (L, W, #), with the reason.
    fields(schedule, "a crontab line")?;
    let bad = unwritable_to_error(schedule, "a crontab line");
    let text: Vec<&str> = schedule.cron.split_whitespace().collect();
    let spec = if text.len() == 5 {
        text.join(" ")
    } else {
        schedule.cron.trim().to_string()
    };
    let mut secrets = String::new();
    if !inv.secrets.is_empty() {
        secrets.push_str("# cron does not read your login shell's environment: set the secrets the config\n# names here (crontab lines NAME=value, above the entry):\n");
        for var in inv.secrets {
            secrets.push_str(&format!("#   {var}=...\n"));
        }
    }
    Ok(format!(
        "# {}: `newsletter run` at each slot; add with `crontab -e`.\n\
         # CRON_TZ makes cron read the times in the newsletter's zone (cronie reads it;\n\
         # with a cron that does not, the machine's zone must be the newsletter's).\n\
         {secrets}\
         CRON_TZ={}\n\
         {spec} cd {} && {} --config {} --log-file {} run\n",
        one_line(inv.name),
        schedule.timezone.name(),
        cron_word(inv.workdir).map_err(&bad)?,
        cron_word(inv.exe).map_err(&bad)?,
        cron_word(inv.config).map_err(&bad)?,
        cron_word(inv.log).map_err(&bad)?,
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
            secrets: &[],
            system_user: None,
        };
        let text = crontab(&s, &inv).unwrap();
        assert!(text.contains("\nCRON_TZ=Europe/London\n"), "{text}");
        assert!(
            text.contains("0 7 * * TUE,THU cd '/srv/it'\\''s' && '/opt/bin/newsletter' --config '/srv/it'\\''s/config.toml' --log-file '/srv/it'\\''s/state/cron.log' run"),
            "{text}"
        );
        let units = systemd_units(&s, &inv).unwrap();
        assert!(units.contains("OnCalendar=Tue,Thu *-*-* 07:00:00 Europe/London\n"));
        assert!(units.contains(
            "ExecStart=\"/opt/bin/newsletter\" --config \"/srv/it's/config.toml\" run\n"
        ));
        assert!(units.contains("Persistent=true"));
    }

    #[test]
    fn each_setting_is_quoted_the_way_systemd_reads_it() {
        let p = |s: &str| Path::new(s).to_path_buf();
        assert_eq!(
            systemd_exec_word(&p("/a b/50%/$HOME/\"q\"\\x")).unwrap(),
            "\"/a b/50%%/$$HOME/\\\"q\\\"\\\\x\""
        );
        // The program: no variables expanded there, so `$` stays.
        assert_eq!(
            systemd_executable(&p("/a b/5%$/nl")).unwrap(),
            "\"/a b/5%%$/nl\""
        );
        // A quote or backslash is refused in the program, so a shell runs it.
        assert_eq!(
            systemd_executable(&p("/it's/nl")).unwrap(),
            "/bin/sh -c \"exec \\\"$$0\\\" \\\"$$@\\\"\" \"/it's/nl\""
        );
        // WorkingDirectory= takes the path as it is, specifiers escaped.
        assert_eq!(
            systemd_path_value(&p("/srv/it's 100% ünï")).unwrap(),
            "/srv/it's 100%% ünï"
        );
        for bad in ["relative", "/ends in space ", "/ends\\", "/new\nline"] {
            assert!(systemd_path_value(&p(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_cron_word_survives_cron_then_the_shell() {
        let p = |s: &str| Path::new(s).to_path_buf();
        assert_eq!(cron_word(&p("/it's 5%")).unwrap(), "'/it'\\''s 5\\%'");
        assert!(cron_word(&p("/odd\\%")).is_err());
        assert!(cron_word(&p("/two\nlines")).is_err());
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

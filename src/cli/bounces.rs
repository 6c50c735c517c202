use std::path::{Path, PathBuf};

use anyhow::Context;
use newsletter::audience::bounce::{self, mailbox, Kind};

use super::BadInput;

/// Read bounce, complaint and auto-reply reports and update the subscriber store.
///
/// A hard bounce (the address is gone) marks the reader bounced, an abuse
/// complaint complained, a provider's opt-out unsubscribed. A soft bounce
/// (policy, spam filter, full mailbox, …) is only counted: enough of them in
/// consecutive issues ([delivery] soft_bounce_limit) mark the reader bounced.
/// The same report read twice counts once.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read every message in this Maildir (new/ and cur/).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["mbox", "files"])]
    pub maildir: Option<PathBuf>,
    /// Read every message in this mbox file.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub mbox: Option<PathBuf>,
    /// Report files, one message each.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Classify and print, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    let inputs = if let Some(dir) = &args.maildir {
        mailbox::maildir(dir)
            .map_err(|e| BadInput(format!("{}: cannot read the Maildir: {e}", dir.display())))?
    } else if let Some(file) = &args.mbox {
        mailbox::mbox(file)
            .map_err(|e| BadInput(format!("{}: cannot read the mbox: {e}", file.display())))?
    } else if !args.files.is_empty() {
        mailbox::files(&args.files)
    } else {
        return Err(BadInput(
            "no reports given: pass --maildir DIR, --mbox FILE or report files".into(),
        )
        .into());
    };
    if args.dry_run {
        return Ok(print_dry_run(&inputs, args.format));
    }
    let config = super::load_config(config_path)?;
    let summary =
        bounce::apply::apply(&config, &inputs).context("updating the subscriber store")?;
    for line in &summary.lines {
        match args.format {
            Format::Json => println!("{}", line.to_json()),
            Format::Text => println!("{}", line.to_text()),
        }
    }
    for problem in &summary.unreadable {
        eprintln!("error: {problem}");
    }
    eprintln!("{}", summary.describe());
    Ok(if summary.unreadable.is_empty() { 0 } else { 1 })
}

/// Classifies only. Exit 1 when some report could not be read (each named).
fn print_dry_run(inputs: &[mailbox::Input], format: Format) -> i32 {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0;
    for (input, report) in inputs.iter().zip(bounce::read_reports(inputs)) {
        match report {
            Ok(report) => {
                if report.findings.is_empty() {
                    let _ = match format {
                        Format::Json => writeln!(
                            out,
                            "{}",
                            serde_json::json!({"path": input.label, "recipient": "", "kind": Kind::None.as_str(), "status": ""})
                        ),
                        Format::Text => writeln!(out, "{}: none (not a report)", input.label),
                    };
                }
                for f in &report.findings {
                    let _ = match format {
                        Format::Json => writeln!(
                            out,
                            "{}",
                            serde_json::json!({"path": input.label, "recipient": f.recipient, "kind": f.kind.as_str(), "status": f.status, "reason": f.reason, "diagnostic": f.diagnostic})
                        ),
                        Format::Text => writeln!(
                            out,
                            "{}: {} {} {} ({}) {}",
                            input.label,
                            display_recipient(&f.recipient),
                            f.kind,
                            if f.status.is_empty() { "-" } else { &f.status },
                            f.reason,
                            f.diagnostic
                        ),
                    };
                }
            }
            Err(why) => {
                failed += 1;
                let _ = out.flush();
                eprintln!(
                    "error: {}: cannot read the report: {why}; skipped",
                    input.label
                );
            }
        }
    }
    let _ = out.flush();
    i32::from(failed > 0)
}

fn display_recipient(recipient: &str) -> &str {
    if recipient.is_empty() {
        "(unnamed)"
    } else {
        recipient
    }
}

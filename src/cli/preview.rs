use std::path::Path;

use anyhow::Context;
use newsletter::preview::{self, PreviewEvent};

/// Build the issue, serve it locally, rebuild on every change and reload the browser.
///
/// Builds the upcoming issue (the date of the next schedule slot) into dist/
/// and watches content/, templates/ and the config file. Open the printed
/// address: its front page links the email at desktop width, the email on a
/// phone, the plain-text part, the web version and the archive. A build
/// error is shown in the browser, and the page reloads once it is fixed.
/// Ctrl-C (or SIGTERM) stops it. `NEWSLETTER_LOG=newsletter::preview=debug`
/// logs every request.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on; only 127.0.0.1 unless you ask for another.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: String,
}

pub fn run(config_path: &Path, args: Args) -> anyhow::Result<i32> {
    super::init_log();
    let on_event = Box::new(|event: PreviewEvent| match event {
        PreviewEvent::Rebuilt { issue, took, .. } => match issue {
            Some(issue) => {
                eprintln!(
                    "preview: built issue {} ({}) in {} ms",
                    issue.number,
                    issue.subject,
                    took.as_millis()
                );
                if issue.no_intro {
                    eprintln!("preview: issue {}: no intro written for this issue; it opens with a paragraph made from its stories", issue.number);
                }
            }
            None => eprintln!("preview: built in {} ms", took.as_millis()),
        },
        PreviewEvent::BuildFailed { message, .. } => {
            eprintln!("preview: build failed (shown in the browser):\n{message}")
        }
    });
    preview::serve(config_path, &args.host, args.port, on_event, |server| {
        // The address goes to stdout, alone on its line, for scripts and tests.
        println!("{}", server.url());
        eprintln!("preview: serving on {} (Ctrl-C to stop)", server.url());
        if !server.addr().ip().is_loopback() {
            eprintln!(
                "preview: warning: listening on {}, so other machines can reach it",
                server.addr().ip()
            );
        }
    })
    .context("running the preview")?;
    eprintln!("preview: stopped");
    Ok(0)
}

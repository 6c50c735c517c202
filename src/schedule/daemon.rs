//! `newsletter schedule --daemon`: stay up, sleep until each slot and run it.
//!
//! Each wake-up is just a [`run_cycle`] at the current time, so the daemon
//! follows exactly the policy `run` does: after downtime the most recent
//! missed slot runs once if it is within the grace period and is recorded
//! as skipped otherwise; a slot already run (by cron, or by hand) is left
//! alone; and the state lock keeps it from sending beside another process.
//!
//! A stop request (SIGTERM, SIGINT) never interrupts a cycle: the send in
//! flight finishes and is recorded, then the daemon exits.

use std::sync::{Arc, Condvar, Mutex};

use chrono::{DateTime, FixedOffset, Utc};

use super::{run_cycle_with, CycleReport, RunOptions, RunOutcome, Schedule, ScheduleError};
use crate::config::Config;
use crate::ledger::SharedLedger;

/// Longest single sleep: the wall clock is re-read at least this often, so a
/// suspended laptop or a clock change cannot make the daemon oversleep a slot.
const MAX_NAP: std::time::Duration = std::time::Duration::from_secs(30);

/// Delay before a failed slot is tried again (while still within grace).
const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// A stop request shared between the signal listener and the daemon loop.
#[derive(Debug, Default)]
pub struct Stopper {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stopper {
    pub fn new() -> Arc<Stopper> {
        Arc::new(Stopper::default())
    }

    /// Asks the daemon to stop after whatever it is doing.
    pub fn stop(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        *stopped = true;
        self.wake.notify_all();
    }

    /// Blocks until a stop is requested.
    pub fn wait(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        while !*stopped {
            stopped = self.wake.wait(stopped).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps until `deadline` (wall clock) or a stop request; true if stopped.
    pub fn sleep_until(&self, deadline: DateTime<Utc>) -> bool {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *stopped {
                return true;
            }
            let left = deadline - Utc::now();
            let Ok(left) = left.to_std() else {
                return false;
            };
            if left.is_zero() {
                return false;
            }
            stopped = self
                .wake
                .wait_timeout(stopped, left.min(MAX_NAP))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Turns SIGTERM and SIGINT (Ctrl-C) into a stop request, on a background
/// thread, for the life of the process: a send in progress stops after the
/// messages in flight (the rest stays queued), then the loop winds down. A second signal means "now": the
/// process exits at once with 130, leaving the ledger to report any message
/// that was mid-delivery as ambiguous.
pub fn stop_on_signals(stopper: Arc<Stopper>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Registered here, before returning, so no signal is lost in a race
    // with the daemon's start.
    #[cfg(unix)]
    let mut term = {
        let _guard = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?
    };
    #[cfg(unix)]
    let mut int = {
        let _guard = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?
    };
    std::thread::Builder::new()
        .name("newsletter-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                for round in 0..2 {
                    #[cfg(unix)]
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                    #[cfg(not(unix))]
                    let _ = tokio::signal::ctrl_c().await;
                    if round == 0 {
                        // The send in flight finishes its current messages, then
                        // stops; the cycle (or daemon) then winds down.
                        crate::send::request_stop();
                        stopper.stop();
                    }
                }
                std::process::exit(130);
            });
        })?;
    Ok(())
}

/// What the daemon is doing, for its log.
#[derive(Debug)]
pub enum DaemonEvent {
    /// A wake-up's run finished (ran, already ran, or missed).
    Outcome(RunOutcome),
    /// A wake-up's run failed; the daemon carries on.
    Failed(ScheduleError),
    /// Sleeping until this slot (or retry time).
    Sleeping(DateTime<FixedOffset>),
    /// A stop was requested; exiting.
    Stopping,
}

/// Runs the daemon loop with the real pipeline until `stopper` is stopped.
pub fn run_daemon(
    config: &Config,
    stopper: &Stopper,
    on_event: impl FnMut(DaemonEvent),
) -> Result<(), ScheduleError> {
    run_daemon_with(config, stopper, on_event, super::pipeline)
}

/// The daemon loop around any cycle work (see [`run_cycle_with`]).
pub fn run_daemon_with<W>(
    config: &Config,
    stopper: &Stopper,
    mut on_event: impl FnMut(DaemonEvent),
    work: W,
) -> Result<(), ScheduleError>
where
    W: Fn(
        &Config,
        &SharedLedger,
        chrono::NaiveDate,
        DateTime<Utc>,
    ) -> Result<CycleReport, ScheduleError>,
{
    let schedule = Schedule::from_config(config)?;
    let opts = RunOptions {
        at: None,
        now: false,
        daemon: true,
    };
    loop {
        if stopper.is_stopped() {
            break;
        }
        let mut retry = false;
        match run_cycle_with(config, &opts, &work) {
            Ok(outcome) => on_event(DaemonEvent::Outcome(outcome)),
            // Before the first slot ever: just wait for it.
            Err(ScheduleError::NoSlot { .. }) => {}
            Err(err) => {
                retry = true;
                on_event(DaemonEvent::Failed(err));
            }
        }
        if stopper.is_stopped() {
            break;
        }
        let now = Utc::now();
        let Some(next) = schedule.next_slot(&now) else {
            return Err(ScheduleError::NoSlot {
                path: config.source_path.clone(),
                cron: schedule.cron.clone(),
                at: now.to_rfc3339(),
            });
        };
        let mut wake = next.with_timezone(&Utc);
        if retry {
            wake = wake.min(now + RETRY_AFTER);
        }
        on_event(DaemonEvent::Sleeping(
            wake.with_timezone(&schedule.timezone).fixed_offset(),
        ));
        if stopper.sleep_until(wake) {
            break;
        }
    }
    on_event(DaemonEvent::Stopping);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_wakes_a_sleeper_at_once() {
        let stopper = Stopper::new();
        let other = stopper.clone();
        let sleeper =
            std::thread::spawn(move || other.sleep_until(Utc::now() + chrono::Duration::days(3)));
        stopper.stop();
        assert!(sleeper.join().unwrap());
        assert!(!Stopper::new().sleep_until(Utc::now() - chrono::Duration::seconds(1)));
    }
}

//! The audience: who may receive the next issue. Readers subscribe (double
//! opt-in), unsubscribe in one click, bounce or complain, and the subscriber
//! store in the ledger follows. `subscribers.csv` stays the simple way in,
//! but a suppression recorded in the store always wins over the file.

use std::fmt;
use std::str::FromStr;

pub mod recipients;
pub mod serve;
pub mod subscribers;
pub mod tokens;

pub use recipients::{Recipients, SkipCounts};

/// Where a reader stands. Only `Active` readers receive issues; the three
/// suppressed states are left only by confirming a new subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriberStatus {
    /// Confirmed (or listed in the CSV and never suppressed).
    Active,
    /// Asked to subscribe, has not confirmed yet: receives nothing.
    Unconfirmed,
    /// Unsubscribed (one-click, the page, a provider's opt-out, or by hand).
    Unsubscribed,
    /// The address is gone (hard bounce), or soft bounces ran out.
    Bounced,
    /// Reported the newsletter as spam.
    Complained,
}

impl SubscriberStatus {
    pub const ALL: [SubscriberStatus; 5] = [
        SubscriberStatus::Active,
        SubscriberStatus::Unconfirmed,
        SubscriberStatus::Unsubscribed,
        SubscriberStatus::Bounced,
        SubscriberStatus::Complained,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Active => "active",
            SubscriberStatus::Unconfirmed => "unconfirmed",
            SubscriberStatus::Unsubscribed => "unsubscribed",
            SubscriberStatus::Bounced => "bounced",
            SubscriberStatus::Complained => "complained",
        }
    }

    /// A suppressed reader never receives an issue, even while still in the CSV.
    pub fn is_suppressed(self) -> bool {
        matches!(
            self,
            SubscriberStatus::Unsubscribed
                | SubscriberStatus::Bounced
                | SubscriberStatus::Complained
        )
    }
}

impl fmt::Display for SubscriberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubscriberStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SubscriberStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown subscriber status {s:?} (expected one of: active, unconfirmed, unsubscribed, bounced, complained)"
                )
            })
    }
}

pub mod bounce;

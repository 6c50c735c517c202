//! Property tests: reading reports never panics on any input, and a refusal
//! that blames the message (policy, spam, quota, authentication) is never a
//! reason to remove the reader, whatever status code comes with it.

use newsletter::audience::bounce::{self, classify, mailbox, Command, Kind};
use proptest::prelude::*;

/// Pieces real reports are made of, to build near-reports that reach deep
/// into the parser (MIME boundaries, DSN fields, ARF fields, transcripts).
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,40}",
        1 => "[\\x00-\\xff]{0,12}".prop_map(|s| s.chars().collect()),
        2 => prop::sample::select(vec![
            "\r\n", "\n", "\r\n\r\n", "--b\r\n", "--b--\r\n", ": ", ";", "<", ">", "@",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n",
            "Content-Type: message/delivery-status\r\n",
            "Content-Type: message/feedback-report\r\n",
            "Content-Type: message/rfc822\r\n",
            "Content-Type: text/rfc822-headers\r\n",
            "Content-Transfer-Encoding: base64\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "Final-Recipient: rfc822; ",
            "Original-Recipient: rfc822;",
            "Action: failed\r\n", "Action: delayed\r\n",
            "Status: 5.1.1\r\n", "Status: 4.", "Status: 5.7.",
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n",
            "Feedback-Type: abuse\r\n", "Original-Rcpt-To: ",
            "From: MAILER-DAEMON@example.com\r\n", "X-Failed-Recipients: ",
            "Auto-Submitted: auto-replied\r\n", "Subject: Undelivered Mail\r\n",
            "ann@example.com", "=?utf-8?B?8J+Q?=", "\x1b$B", "é", "東京",
            ">>> RCPT TO:<a@b.example>\r\n<<< 550 5.1.1 ",
            "--- Below this line is a copy of the message.\r\n",
        ]).prop_map(str::to_string),
    ]
}

fn near_report() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reading_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = bounce::read_report(&bytes);
        let _ = mailbox::split_mbox(&bytes);
    }

    #[test]
    fn reading_near_reports_never_panics(bytes in near_report()) {
        if let Ok(report) = bounce::read_report(&bytes) {
            for finding in &report.findings {
                prop_assert!(finding.diagnostic.len() <= 310);
            }
        }
    }

    #[test]
    fn a_refusal_of_the_message_never_removes_the_reader(
        subject in 0u8..8,
        detail in 0u16..30,
        before in "[a-z ]{0,30}",
        after in "[a-z0-9 ]{0,30}",
        blame in prop::sample::select(vec![
            "rejected for policy reasons", "spam detected", "mailbox full", "quota exceeded",
            "dmarc policy", "spf check failed", "dkim signature invalid", "message too large",
            "rate limited", "blocked using a dnsbl", "bad reputation",
        ]),
        unknown in any::<bool>(),
        command in prop::sample::select(vec![None, Some(Command::RcptTo), Some(Command::Data)]),
    ) {
        let status = format!("5.{subject}.{detail}");
        let text = format!(
            "550 {status} {before} {blame} {} {after}",
            if unknown { "user unknown" } else { "" }
        );
        let verdict = classify::classify(Some(&status), &text, command, Some("failed"));
        prop_assert_ne!(verdict.kind, Kind::Hard, "{} -> {:?}", text, verdict);
    }
}

//! One example per junk rule: the junk is removed by the rule named, and a
//! story sentence that looks a little like it survives. A rule added to
//! `clean::rules::RULES` without an example here fails
//! `every_rule_has_an_example`.

use newsletter::clean::rules::{self, Kind, RULES};

/// (rule name, junk it must remove, story text it must leave alone)
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "wire_dateline",
        "WARSAW, Nov. 20 (Meridian Wire) - Vistula Power has signed a contract for its first two small modular reactors.",
        "UK power prices (day-ahead) rose - as traders expected - on Thursday evening.",
    ),
    ("ad_marker", "[ad_3]", "Brent crude rose 2% to $84 a barrel [ad_1] on Monday."),
    ("advertisement", "ADVERTISEMENT", "Advertisement spending by oil majors fell sharply last year, the survey found."),
    ("source_link", "Source link", "The source of the leak was a corroded pipeline, the operator said."),
    (
        "newsletter_promo",
        "Every Tuesday and Thursday, directly to your inbox, Grid Notes brings you the week in power. Sign up here.",
        "Shell said it would subscribe to the new carbon registry when it opens in June.",
    ),
    ("newsletter_heading", "Newsletter twice a week", "Newsletters were sent to shareholders explaining the merger terms in detail."),
    ("subscription_wall", "Already a subscriber? Log in to continue reading.", "Subscribers to the scheme receive a rebate on their winter bills."),
    ("click_here", "Click here to read our full coverage of COP29.", "The minister said the grid would not click over to the new tariff until April."),
    ("share_prompt", "Share this article", "Equinor will share the cost of the interconnector with its Danish partner."),
    (
        "cookie_notice",
        "We use cookies to improve your experience. By continuing to browse you accept our cookie policy.",
        "The plant's canteen sells cookies to the 400 workers on site, the union said.",
    ),
    ("related_list", "Related stories:", "Related costs of the project rose by a third."),
    ("read_more_line", "Read more: Why gas prices spiked in August", "Readers will find more on this in the annual report, the company said."),
    ("photo_credit", "Photograph: Anna Field/Getty Images", "A photograph of the damaged turbine circulated on social media on Friday."),
    ("photo_credit_inline", "(Photo: Tom Reed)", "The rig (pictured last year) is due to be decommissioned in 2027."),
    ("timestamp", "Published 3 hours ago | Updated 1 hour ago", "Published figures show demand fell 4% in the third quarter."),
    ("date_line", "March 5, 2024 10:32 AM", "On March 5, 2024 the regulator opened an inquiry into the outage."),
    ("reading_time", "5 min read", "Analysts said the five-minute settlement rule would change how batteries earn money."),
    (
        "reporting_credit",
        "Reporting by Jo Lind in Oslo; Editing by Mark Hale",
        "Reporting rules for methane leaks will be tightened by 2026, the EU said.",
    ),
    ("wire_standards", "Our Standards: The Thomson Reuters Trust Principles.", "Our standards for grid reliability are the highest in Europe, the minister said."),
    ("embedded_content", "[embedded content]", "The embedded costs of the network are recovered through standing charges."),
    (
        "originally_published",
        "This article was originally published on The Conversation.",
        "This article of the treaty was first published in draft form in 2019 and has been disputed since.",
    ),
    (
        "dailymail_byline",
        "By . Daily Mail Reporter . PUBLISHED: . 12:23 EST, 3 January 2014 . | . UPDATED: . 13:40 EST, 3 January 2014 .",
        "By . the end of the decade, the company expects to double its output.",
    ),
    ("byline", "By Jane Smith, Energy Correspondent", "By Friday the price had fallen to its lowest level since March."),
    ("gallery_control", "Image 1 of 8", "Image rights to the footage of the flare were sold to a broadcaster, the company said."),
    (
        "click_to_tweet",
        "Click To Tweet",
        "Tweets from the minister hinted at a delay to the auction, traders said.",
    ),
    ("author_box", "About the Author", "The author of the report, a former regulator, said prices would stay high."),
    ("tag_list", "Filed under: Oil, OPEC, Markets", "Filed complaints rose by a fifth after the tariff change, the ombudsman said."),
    ("audio_line", "Listen to this story (6 min)", "Listen to the minister and you would think the grid was already built, the union said."),
    ("copy_save", "Copy URL", "Traders copy the URL of the auction notice into their models, the exchange said."),
    (
        "comment_prompt",
        "Read 31 comments",
        "The agency published readers' comments to the regulator on its website on Friday.",
    ),
    ("rights_line", "Copyright © 2026 Southlight Media Ltd", "Copyright rules for grid data were tightened by the regulator in March."),
    ("kicker_list", "‘PRICE SHOCK’", "OPEC+ agreed to extend cuts until June, delegates said."),
];

fn cleaned(paragraphs: &[&str]) -> rules::Applied {
    rules::apply(paragraphs)
}

#[test]
fn every_rule_has_an_example_and_every_example_a_rule() {
    rules::validate().unwrap();
    for rule in RULES {
        assert!(
            EXAMPLES.iter().any(|(name, ..)| *name == rule.name),
            "rule {} has no example in tests/clean_rules.rs",
            rule.name
        );
        assert!(!rule.description.is_empty());
    }
    for (name, ..) in EXAMPLES {
        assert!(
            RULES.iter().any(|r| r.name == *name),
            "no rule named {name}"
        );
    }
}

#[test]
fn each_rule_removes_its_junk_and_keeps_the_story() {
    for (name, junk, story) in EXAMPLES {
        let rule = RULES.iter().find(|r| r.name == *name).unwrap();
        // A lead rule only looks at the story's opening paragraph.
        let out = if rule.kind == Kind::Lead {
            cleaned(&[junk, story])
        } else {
            cleaned(&[story, junk, story])
        };
        assert!(
            out.fired.contains(name),
            "rule {name} did not fire on {junk:?}: fired {:?}",
            out.fired
        );
        let body = out.kept.join("\n");
        match rule.kind {
            Kind::Inline => assert!(
                !body.contains(junk.trim()),
                "{name}: {junk:?} left in {body:?}"
            ),
            Kind::Lead => {
                assert_eq!(out.kept.len(), 2, "{name}: {:?}", out.kept);
                assert!(
                    junk.ends_with(out.kept[0].as_str()) && out.kept[0].len() < junk.len(),
                    "{name}: lead not cut to its sentence: {:?}",
                    out.kept[0]
                );
            }
            _ => assert_eq!(
                out.kept.len(),
                2,
                "{name}: junk not dropped or story lost: {:?}",
                out.kept
            ),
        }
        // The story sentence comes through (inline rules may only cut their
        // own match out of it).
        let alone = cleaned(&[story]);
        assert_eq!(alone.kept.len(), 1, "{name}: story dropped: {story:?}");
        if rule.kind != Kind::Inline {
            assert_eq!(alone.kept[0], *story, "{name}: story changed");
        }
        if rule.kind == Kind::Lead {
            assert_eq!(cleaned(&[story, story]).kept, vec![*story, *story]);
        }
    }
}

#[test]
fn caption_and_byline_variants() {
    let story = "Spot prices for liquefied natural gas in Asia have climbed to their highest level in 11 months, traders said.";
    for junk in [
        "By Kaveh Moradi in Singapore | Wednesday 18 November 2026",
        "An LNG carrier waits to berth at an import terminal. Photograph: Lars Eriksen/Northlight Images",
        "Image caption, The plant on the coast has been idle since 2011",
        "Image source, Kenji Watanabe/Pacific Photo Service",
    ] {
        assert_eq!(cleaned(&[junk, story]).kept, vec![story], "{junk:?} not dropped");
    }
    for kept in [
        "By the end of the decade, the company said, output would double | analysts agreed.",
        "The photograph: a rig at dawn, was printed on the front page of every paper on Friday.",
    ] {
        assert_eq!(cleaned(&[kept]).kept, vec![kept]);
    }
}

#[test]
fn inline_rules_cut_only_their_match() {
    let out = cleaned(&["Brent crude rose 2% [ad_1] to $84 a barrel."]);
    assert_eq!(out.kept, vec!["Brent crude rose 2% to $84 a barrel."]);
    let out = cleaned(&["By . Daily Mail Reporter . PUBLISHED: . 12:23 EST, 3 January 2014 . | . UPDATED: . 13:40 EST, 3 January 2014 . Gas prices rose again on Friday."]);
    assert_eq!(out.kept, vec!["Gas prices rose again on Friday."]);
    let out = cleaned(&["By . Sam Webb . Last updated at 4:11 PM on 5th March 2011 . Oil fell."]);
    assert_eq!(out.kept, vec!["Oil fell."]);
}

#[test]
fn a_related_heading_takes_its_link_list_but_not_the_story_after_it() {
    let out = cleaned(&[
        "Oil fell 3% on Tuesday.",
        "Related:",
        "OPEC+ weighs deeper cuts",
        "Why diesel is dearer than petrol",
        "The drop followed a surprise build in US inventories, traders said.",
    ]);
    assert_eq!(
        out.kept,
        vec![
            "Oil fell 3% on Tuesday.",
            "The drop followed a surprise build in US inventories, traders said."
        ]
    );
}

#[test]
fn long_story_paragraphs_are_never_dropped_by_a_paragraph_rule() {
    let long = "Click here, the minister said, was the phrase engineers used for the relay that failed, and the report into the blackout spends forty pages on why the relay tripped, who knew about the fault, and what the operator should have done differently when warning lights first came on in the control room that morning.";
    assert_eq!(cleaned(&[long]).kept, vec![long]);
}

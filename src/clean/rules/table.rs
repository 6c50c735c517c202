//! The table of junk rules: every named pattern, in the order they run.
//! See the parent module for how each [`Kind`] of rule is applied.

use super::{rule, Kind, Rule};

use Kind::{Inline, Lead, ListHeading, Paragraph};

/// Month names and their abbreviations as wire copy and bylines write them.
macro_rules! months {
    () => {
        "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    };
}
pub(crate) use months;

/// A wire dateline opening a story: "LONDON, Nov. 19 (Meridian Wire) - ".
/// The city is in capitals; the date (month and day, perhaps a year) is
/// optional; the agency in parentheses is captured.
pub const DATELINE: &str = concat!(
    r"^(?P<city>[A-Z][A-Z.'’-]+(?:[ /][A-Z][A-Z.'’-]+){0,3})(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)?",
    r"(?:,? (?P<month>",
    months!(),
    r")\.? (?P<day>\d{1,2})(?:,? (?P<year>\d{4}))?)? \((?P<agency>[A-Z][^()]{1,40})\)\s*(?:-|–|—|--)\s*",
);

/// Every junk rule, applied in this order.
pub static RULES: &[Rule] = &[
    rule(
        "wire_dateline",
        Lead,
        0,
        DATELINE,
        "a wire dateline before the first sentence (\"LONDON, Nov. 19 (Meridian Wire) - \"); the agency becomes the source",
    ),
    rule(
        "ad_marker",
        Inline,
        0,
        r"\[ad_?\d+\]",
        "ad slot markers a scraper leaves behind: [ad_1], [ad_2]",
    ),
    rule(
        "advertisement",
        Paragraph,
        6,
        r"(?i)^(?:advertisement|advertising|advert|ad|ads by [a-z]+|sponsored(?: content)?|story continues below(?: advertisement)?|continue reading (?:the main story|below)|scroll to continue(?: with content)?)\W*$",
        "an ad label on its own line",
    )
    .opening(&["ad", "sponsored", "story continues below", "continue reading", "scroll to continue"]),
    rule(
        "source_link",
        Paragraph,
        4,
        r"(?i)^(?:source link|source: link|original source)\W*$",
        "the \"Source link\" a re-publisher appends",
    )
    .opening(&["source", "original source"]),
    rule(
        "newsletter_promo",
        Paragraph,
        90,
        r"(?i)\b(?:newsletters?|inbox|e-?mail updates?|briefing)\b.*\b(?:sign(?:ing)? up|subscrib[a-z]*|register)\b|\b(?:sign(?:ing)? up|subscrib[a-z]*)\b.*\b(?:newsletters?|inbox)\b|^sign up (?:here|now|today)\b|^if you (?:enjoyed|liked|value|appreciate)\b.{0,60}\b(?:article|story|journalism|reporting)\b.*\b(?:join|subscrib[a-z]*|become a member|donat[a-z]*|support)\b",
        "a newsletter or subscription promo (\"... directly to your inbox ... Sign up here.\")",
    )
    .needing(&["newsletter", "inbox", "mail update", "briefing", "sign up", "if you"]),
    rule(
        "newsletter_heading",
        Paragraph,
        8,
        r"(?i)^(?:(?:our|the|free|daily|weekly|get (?:the|our))\s+)*newsletters?\b[^.!?]*$",
        "a newsletter box heading (\"Newsletter twice a week\")",
    )
    .opening(&["our", "the", "free", "daily", "weekly", "get", "newsletter"]),
    rule(
        "subscription_wall",
        Paragraph,
        40,
        r"(?i)^(?:subscribe|already a subscriber|become a (?:member|subscriber)|(?:log ?in|sign ?in|register) to (?:continue|read|unlock|keep reading)|to (?:continue|keep) reading|unlock (?:this|the) (?:article|story)|create a free account to|this (?:article|content|story) is (?:for|available to|only available to|exclusive to) (?:subscribers|members|premium))\b",
        "a paywall or subscription prompt",
    )
    .needing(&["subscribe", "become a", "log in", "login", "sign in", "signin", "register", "reading", "unlock", "create a free account", "members", "premium"]),
    rule(
        "click_here",
        Paragraph,
        30,
        r"(?i)\bclick here\b",
        "a \"Click here ...\" call to action",
    )
    .needing(&["click here"]),
    rule(
        "share_prompt",
        Paragraph,
        14,
        r"(?i)^(?:(?:share|tweet|pin|e-?mail|print|copy(?: the)? link|save|comments?)(?:\s+(?:this|article|story|page|on|via|with|to|facebook|twitter|x|linkedin|whatsapp|e-?mail|reddit|pinterest|telegram|messenger|link|or|and|the|[,|/•·]))*\s*[:.!]?|follow (?:us )?on\b.*|share (?:this|the) (?:article|story)\b.*|sharing is caring\W*)$",
        "share and follow prompts (\"Share this article\", \"Follow us on Twitter\")",
    )
    .opening(&["share", "tweet", "pin", "email", "e-mail", "print", "copy", "save", "comment", "follow", "sharing"]),
    rule(
        "cookie_notice",
        Paragraph,
        80,
        r"(?i)\b(?:we|this (?:web)?site|our (?:web)?site)\s+uses?\s+cookies\b|\bby (?:continuing|using)\b.{0,60}\bcookies\b|\baccept (?:all )?cookies\b|\bcookie (?:policy|settings|preferences|notice)\b",
        "a cookie consent notice",
    )
    .needing(&["cookie"]),
    rule(
        "related_list",
        ListHeading,
        8,
        r"(?i)^(?:related(?: (?:articles|stories|content|coverage|news|links|reading|topics))?|read more|more on this(?: story| topic)?|trending(?: now| stories)?|most (?:read|popular|viewed|shared)(?: now| today)?|popular(?: now| today| this week| stories| articles)?|more from [a-z ]+|more in [a-z ]+|see also|further reading|recommended(?: (?:for you|stories|reading|articles))?|you (?:may|might) also (?:like|enjoy)|(?:editor'?s'?|editors’) picks|don[’']?t miss|what to read next|top (?:stories|news|headlines)|latest (?:news|stories|headlines)|more (?:stories|headlines))\s*:?$",
        "a headline list under a label (\"Related:\", \"More from this section\", \"Popular now\", \"You may also like\") and the whole run of headlines under it, up to where story prose resumes",
    )
    .opening(&["related", "read more", "more", "trending", "most", "popular", "see also", "further reading", "recommended", "you may", "you might", "editor", "don", "what to read next", "top", "latest"]),
    rule(
        "read_more_line",
        Paragraph,
        30,
        r"(?i)^(?:related|read more|read also|also read|read next|see also|more|trending(?: now)?|recommended|watch|listen|latest)\s*(?::|»|>>|›|-|–|—|\|)",
        "a one-line \"Read more: ...\" or \"Related: ...\" link",
    )
    .opening(&["related", "read", "also read", "see also", "more", "trending", "recommended", "watch", "listen", "latest"]),
    rule(
        "photo_credit",
        Paragraph,
        60,
        r"(?i)^\(?(?:photo(?:graph)?s?|images?|pictures?|pic|illustration|photo illustration|video|graphic|credit)(?: credit)?\s*(?::|by\b|courtesy\b|copyright\b|source\b|caption\b)|^©\s*[^.]+$|(?:credit|photograph):\s*[^.]+$|(?:\((?:photo|image|picture|credit)s?:?[^)]+\)|\((?:reuters|afp|ap|getty images|bloomberg|epa|xinhua|pa)(?:[ /][^)]*)?\)|/\s*(?:getty images|reuters|afp|ap|shutterstock|alamy|epa|bloomberg|istock))\W*$",
        "a photo credit or a caption ending in one (\"Photograph: X/Getty Images\", \"Image caption, ...\")",
    )
    .needing(&[
        "photo", "image", "pic", "illustration", "video", "graphic", "credit", "©", "(reuters", "(afp",
        "(ap", "(getty images", "(bloomberg", "(epa", "(xinhua", "(pa", "/",
    ]),
    rule(
        "photo_credit_inline",
        Inline,
        0,
        r"(?i)\((?:photo|image|picture)s?(?: credit)?:[^)]{1,80}\)",
        "a \"(Photo: ...)\" credit inside a paragraph",
    ),
    rule(
        "timestamp",
        Paragraph,
        20,
        r"(?i)^[|•·]?\s*(?:(?:first )?published|updated|last updated|posted|modified|last modified)(?: on| at)?:?\s+(?:\d|an? [a-z]+ ago|yesterday|today|just now|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d)",
        "a timestamp line (\"Published 3 hours ago | Updated ...\")",
    )
    .needing(&["published", "updated", "posted", "modified"]),
    rule(
        "date_line",
        Paragraph,
        10,
        r"(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2})(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{2,5})?)?\W*$",
        "a bare date or date-and-time line",
    ),
    rule(
        "reading_time",
        Paragraph,
        6,
        r"(?i)^(?:(?:estimated )?reading time:?\s*)?(?:about |approx\.? )?\d+\s*(?:-\s*)?(?:min(?:ute)?s?\.?|m)(?:\s+(?:read|reading time|to read|listen))?\W*$|^\d+\s*(?:-\s*)?min(?:ute)?s?\.?\s+read\W*$",
        "a reading-time label (\"5 min read\", \"3 minute read\", \"Reading time: 4 minutes\")",
    ),
    rule(
        "audio_line",
        Paragraph,
        10,
        r"(?i)^(?:listen(?: to)?(?: this| the)?(?: story| article| piece| report| podcast| episode)?|hear this (?:story|article)|play (?:audio|this story|the story)|audio(?: version)?|narrated by [a-z. ]+)\s*[:·|•-]?\s*\(?(?:\d+:\d{2}(?::\d{2})?|\d+\s*(?:min(?:ute)?s?|m|secs?|seconds?))?\)?\W*$",
        "an audio player line (\"Listen to this story (6 min)\", \"Audio: 4:12\")",
    )
    .opening(&["listen", "hear this", "play", "audio", "narrated by"]),
    rule(
        "copy_save",
        Paragraph,
        5,
        r"(?i)^(?:copy (?:the )?(?:url|link|article link|page link)|link copied|copied|save(?: (?:this )?(?:article|story|for later))?|saved(?: articles)?|gift (?:this )?(?:article|story)|print (?:this )?(?:article|story|page)|bookmark(?: this)?(?: (?:article|story))?|add to (?:my )?(?:list|reading list))\W*$",
        "article tool buttons (\"Copy URL\", \"Save article\", \"Gift this article\")",
    )
    .opening(&["copy", "copied", "link copied", "save", "gift", "print", "bookmark", "add to"]),
    rule(
        "comment_prompt",
        Paragraph,
        10,
        r"(?i)^(?:(?:read|view|show|see|load|hide|join)(?: all| the)?(?: \d[\d,]*)? comments?(?: \(\d[\d,]*\))?|(?:leave|add|post|write|submit) (?:a|your) comment|\d[\d,]* comments?|comments? \(\d[\d,]*\)|comments?|join the (?:conversation|discussion|debate)|be the first to comment|there (?:are|is) \d[\d,]* comments?|have your say)\W*$",
        "comment prompts (\"Read 31 comments\", \"Leave a comment\", \"Join the conversation\")",
    )
    .needing(&["comment", "join the", "have your say"]),
    rule(
        "reporting_credit",
        Paragraph,
        70,
        r"(?i)^\(?(?:(?:additional|further|with additional|with)\s+)?(?:reporting|reports|writing|written|editing|edited|graphics|research|compiled|contributing|reported)\s+by\b|^\(?additional reporting\b|^[^.]*\bcontributed (?:to this (?:report|story|article)|reporting)\W*$",
        "reporting and editing credits (\"Additional reports by ...\", \"Reporting by ...; Editing by ...\")",
    )
    .needing(&["report", "writ", "edit", "graphics", "research", "compiled", "contribut"]),
    rule(
        "wire_standards",
        Paragraph,
        30,
        r"(?i)^our standards:|^(?:©|copyright|\(c\))\s*(?:\d{4}\s*)?.*(?:reuters|associated press|afp|all rights reserved|thomson)|^(?:the )?contents? of this (?:site|website|page) (?:are|is) (?:©|copyright)|^via [a-z0-9-]+(?:\.[a-z0-9-]+)+\W*$",
        "wire boilerplate (\"Our Standards: The Thomson Reuters Trust Principles.\", copyright lines)",
    )
    .opening(&["our standards:", "©", "copyright", "(c)", "the content", "content", "via "]),
    rule(
        "rights_line",
        Paragraph,
        30,
        r"(?i)^(?:copyright\s*)?©|^(?:copyright\s*)?\(c\)\s*\d{4}|^copyright\s+(?:\d{4}|©)|^all rights reserved\W*$|\ball rights reserved\W*$|^(?:this|the) (?:material|article|content) may not be (?:published|reproduced|republished)\b",
        "copyright and rights lines (\"© 2026 Gulf Business Media\", \"All rights reserved.\")",
    )
    .needing(&["©", "(c)", "copyright", "all rights reserved", "may not be"]),
    rule(
        "embedded_content",
        Inline,
        0,
        r"(?i)\[embedded content\]",
        "the \"[embedded content]\" placeholder for an embed",
    ),
    rule(
        "originally_published",
        Paragraph,
        60,
        r"(?i)^(?:this|the) (?:article|story|post|piece|column|report) (?:was |is |has been )?(?:originally |first )?(?:re)?(?:published|appeared|ran|posted)\s+(?:on|in|at|by|from|with)\b",
        "a syndication note (\"This article was originally published on ...\")",
    )
    .opening(&["this", "the"]),
    rule(
        "dailymail_byline",
        Inline,
        0,
        r"\bBy \. (?:[^.]+? \. )+?(?:PUBLISHED: \. [^|]+?\| \. UPDATED: \. [^.]+?\d{4} \.|Last updated at [^.]+?\d{4} \.)(?:\s|$)|^By \. [^.]+? \. ",
        "the DailyMail \"By . Daily Mail Reporter . PUBLISHED: . ... | . UPDATED: . ...\" run",
    ),
    rule(
        "byline",
        Paragraph,
        14,
        r"^(?:[Bb]y|BY)\s+[A-Z][^\s,|&:;()]*(?:\s+[A-Z][^\s,|&:;()]*){0,3}(?:\s*(?:,|and|&)\s*[A-Z][^\s,|&:;()]*(?:\s+[A-Z][^\s,|&:;()]*){0,3})*(?:\s*(?:,|\||-|–|—|in)\s*[^|;()]*){0,2}$",
        "a byline on its own line (\"By Jane Smith, Energy Correspondent\", \"By Jane Smith in Oslo | Monday 2 March 2026\")",
    )
    .opening(&["by"]),
    rule(
        "gallery_control",
        Paragraph,
        8,
        r"(?i)^(?:(?:image|photo|picture|slide) \d+ (?:of|/)\b.*|caption|close|next|previous|prev|expand|enlarge(?: (?:image|photo))?|hide caption|toggle caption|show caption|back to gallery|view (?:gallery|slideshow)|open gallery|fullscreen|play video)\W*$",
        "photo gallery and player controls (\"Image 1 of 8\", \"Caption\", \"Close\", \"Enlarge Image\")",
    )
    .opening(&["image", "photo", "picture", "slide", "caption", "close", "next", "prev", "expand", "enlarge", "hide caption", "toggle caption", "show caption", "back to gallery", "view", "open gallery", "fullscreen", "play video"]),
    rule(
        "click_to_tweet",
        Inline,
        0,
        r"(?i)click to tweet\b",
        "a \"Click To Tweet\" button label run into a quote",
    ),
    rule(
        "author_box",
        Paragraph,
        8,
        r"(?i)^(?:about the authors?|view (?:author|all) (?:archive|posts|articles)|more (?:articles|stories|posts) (?:by|from)\b.*|author profile|meet the author)\W*$",
        "an author box heading (\"About the Author\", \"View author archive\")",
    )
    .opening(&["about the author", "view", "more", "author profile", "meet the author"]),
    rule(
        "tag_list",
        Paragraph,
        40,
        r"(?i)^(?:filed under|tags|tagged(?: with| as)?|topics|categories|posted in|more about|related topics)\s*:|^(?:filed under|tagged(?: with| as)?|posted in)\s+[A-Z0-9][^.!?]*$",
        "tag and category lists (\"Filed under: ...\", \"Tags: ...\")",
    )
    .opening(&["filed under", "tag", "topics", "categories", "posted in", "more about", "related topics"]),
    rule(
        "kicker_list",
        ListHeading,
        5,
        r#"^[‘'"“]?[^a-z.!?]*[A-Z]{2}[^a-z.!?]*[’'"”]?$"#,
        "an all-capitals kicker (\"TIME TRAVELLER\") and the teaser headline under it",
    ),
];

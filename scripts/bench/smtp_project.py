#!/usr/bin/env python3
"""Writes a throwaway newsletter project for the delivery benchmarks and e2e tests.

usage: smtp_project.py DIR SUBSCRIBERS [--pool N] [--dkim KEYFILE]
                        [--stories N] [--image-bytes B]

DIR gets config.toml (SMTP transport, plaintext: loopback test servers only),
subscribers.csv with SUBSCRIBERS readers (name and a `company` column), and
dist/issues/001/issue.json: an issue of 14 stories by default (~30 KB of
inlined-CSS HTML, ~6 KB of text) with per-reader slots, in the SlotTemplate
JSON form that `newsletter build` writes.

--stories sets the number of stories; --image-bytes B adds an inline chart
(cid:chart, B bytes of incompressible data standing in for a PNG), as the
Data Drill chart is sent, so the size sweep can reach 10-200 KB messages.
"""
import json
import os
import random
import sys

MARK_OPEN, MARK_CLOSE = "\ufff9", "\ufffb"


def marker(slot):
    return MARK_OPEN + slot + MARK_CLOSE


def parts(rendered):
    """Splits rendered text at the markers, as SlotTemplate::parse does."""
    out = []
    rest = rendered
    while MARK_OPEN in rest:
        start = rest.index(MARK_OPEN)
        end = rest.index(MARK_CLOSE, start)
        if start:
            out.append({"text": rest[:start]})
        slot = rest[start + 1 : end]
        out.append({"slot": slot if slot in ("email", "name", "unsubscribe_url") else {"field": slot}})
        rest = rest[end + 1 :]
    if rest:
        out.append({"text": rest})
    return {"parts": out}


STORY = (
    "<tr><td style=\"padding:16px 24px;font-family:Georgia,serif;font-size:17px;line-height:1.5;color:#33302e\">"
    "<h2 style=\"font-size:22px;margin:0 0 8px;color:#0d7680\">Story {i}: European gas storage holds at 87% as LNG cargoes divert</h2>"
    "<p style=\"margin:0 0 12px\">Benchmark TTF futures slipped 3.1% to EUR38.40/MWh on Monday as mild weather and "
    "steady Norwegian flows eased concern about winter supply. Traders said the market remained sensitive to any "
    "outage at export terminals on the US Gulf Coast.</p><ul style=\"margin:0 0 12px;padding-left:20px\">"
    "<li>Storage sites were 87.2% full, against a five-year average of 84%.</li>"
    "<li>Asian spot LNG prices rose to $13.10/mmBtu, drawing cargoes east.</li>"
    "<li>Analysts expect prices to stay in a EUR35-45 range through January.</li></ul>"
    "<blockquote style=\"border-left:3px solid #0d7680;margin:0;padding-left:12px;color:#66605c\">"
    "&ldquo;The market has moved from panic to a grudging calm,&rdquo; said one trader.</blockquote>"
    "<p style=\"margin:12px 0 0\"><a href=\"https://news.example.com/articles/{i}\" style=\"color:#0d7680\">Read more</a></p>"
    "</td></tr>"
)


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    pool = 4
    dkim = None
    stories = 14
    image_bytes = 0
    args = sys.argv[3:]
    while args:
        flag = args.pop(0)
        if flag == "--pool":
            pool = int(args.pop(0))
        elif flag == "--dkim":
            dkim = args.pop(0)
        elif flag == "--stories":
            stories = int(args.pop(0))
        elif flag == "--image-bytes":
            image_bytes = int(args.pop(0))
    os.makedirs(os.path.join(root, "dist/issues/001"), exist_ok=True)
    html = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Energy Source</title></head>"
        "<body style=\"margin:0;background:#fff1e5\"><table role=\"presentation\" width=\"100%\" style=\"max-width:640px;margin:0 auto;background:#ffffff\">"
        "<tr><td style=\"padding:24px;font-family:Georgia,serif\"><h1 style=\"margin:0;font-size:32px\">Energy Source</h1>"
        "<p style=\"margin:4px 0 0;color:#66605c\">Tuesday 24 November 2026</p></td></tr>"
        f"<tr><td style=\"padding:16px 24px\"><p>Good morning {marker('name')},</p></td></tr>"
        + "".join(STORY.replace("{i}", str(i)) for i in range(1, stories + 1))
        + (
            "<tr><td style=\"padding:16px 24px\"><img src=\"cid:chart\" width=\"592\" alt=\"Data Drill chart\"></td></tr>"
            if image_bytes
            else ""
        )
        + f"<tr><td style=\"padding:24px;font-size:13px;color:#66605c\">You receive this at {marker('email')} ({marker('company')}). "
        f"<a href=\"{marker('unsubscribe_url')}\">Unsubscribe</a></td></tr></table></body></html>"
    )
    text = (
        f"ENERGY SOURCE\nTuesday 24 November 2026\n\nGood morning {marker('name')},\n\n"
        + "".join(
            f"Story {i}: European gas storage holds at 87% as LNG cargoes divert\n\n"
            "Benchmark TTF futures slipped 3.1% to EUR38.40/MWh on Monday as mild weather and steady\n"
            "Norwegian flows eased concern about winter supply.\n\n"
            "- Storage sites were 87.2% full, against a five-year average of 84%.\n"
            "- Asian spot LNG prices rose to $13.10/mmBtu.\n\n"
            for i in range(1, stories + 1)
        )
        + f"Unsubscribe: {marker('unsubscribe_url')}\n"
    )
    manifest = {
        "number": 1,
        "date": "2026-11-24",
        "subject": "Energy Source: gas storage holds as LNG heads east",
        "preheader": "Gas storage holds",
        "web_url": "https://news.example.com/issues/001/",
        "html_template": parts(html),
        "text_template": parts(text),
    }
    if image_bytes:
        rng = random.Random(image_bytes)
        with open(os.path.join(root, "dist/issues/001/chart.png"), "wb") as f:
            f.write(bytes(rng.getrandbits(8) for _ in range(image_bytes)))
        manifest["inline_images"] = [
            {"cid": "chart", "file": "chart.png", "content_type": "image/png"}
        ]
    with open(os.path.join(root, "dist/issues/001/issue.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(root, "subscribers.csv"), "w") as f:
        f.write("email,name,company\n")
        for i in range(n):
            f.write(f"reader{i}@example.com,Reader {i},Company {i % 97}\n")
    dkim_section = ""
    if dkim:
        dkim_section = (
            "[delivery.dkim]\ndomain = \"example.com\"\nselector = \"bench\"\n"
            f"private_key_file = \"{dkim}\"\n"
        )
    with open(os.path.join(root, "config.toml"), "w") as f:
        f.write(
            "[newsletter]\nname = \"Energy Source\"\ntimezone = \"Europe/London\"\n\n"
            "[delivery]\ntransport = \"smtp\"\nfrom = \"Energy Source <newsletter@example.com>\"\n"
            "unsubscribe_url = \"https://news.example.com/unsubscribe?token={token}\"\n"
            "retry_delay_ms = 50\n\n"
            f"[delivery.smtp]\nhost = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\npool = {pool}\ntimeout_secs = 10\n\n"
            + dkim_section
        )


if __name__ == "__main__":
    main()

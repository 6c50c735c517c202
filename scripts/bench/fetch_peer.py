#!/usr/bin/env python3
"""The peer for the fetch benchmark: the plain sequential way a script
fetches feeds (urllib from the standard library, one request after another,
xml.etree for the RSS), saving each item's linked page into a folder.

usage: fetch_peer.py OUTDIR FEED_URL...
"""
import os
import sys
import urllib.request
import xml.etree.ElementTree as ET

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
saved = 0
for feed_url in sys.argv[2:]:
    with urllib.request.urlopen(feed_url, timeout=30) as response:
        root = ET.fromstring(response.read())
    for item in root.iter("item"):
        link = item.findtext("link").split("?")[0]
        guid = item.findtext("guid")
        with urllib.request.urlopen(link, timeout=30) as response:
            page = response.read()
        with open(os.path.join(out, f"{guid}.html"), "wb") as f:
            f.write(page)
        saved += 1
print(saved, file=sys.stderr)

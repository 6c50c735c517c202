#!/usr/bin/env python3
"""The peer in the extraction comparison: trafilatura on the same pages.

Called by eval_extraction.py exactly as `newsletter clean --format json` is:
every page path as an argument, one JSON object per line with "path" and
"body" on stdout. Default settings, plain-text output, no comments.
"""
import json
import sys

import trafilatura


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            html = f.read()
        body = trafilatura.extract(html, include_comments=False, include_tables=True) or ""
        print(json.dumps({"path": path, "body": body}))


if __name__ == "__main__":
    main()

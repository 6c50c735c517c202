#!/usr/bin/env python3
"""Slow local feed servers for the fetch benchmark.

usage: fetch_server.py HOSTS ITEMS DELAY_MS PORTFILE

Starts HOSTS servers on 127.0.0.1 (one port each, so each is its own host
for the fetcher's one-request-per-host limit). Server h serves /feed.xml, an
RSS feed of ITEMS excerpt-only items, and /a/<n>.html, the full article page
of each; every response waits DELAY_MS first. The article text is generated
from a fixed vocabulary with one seed per article, so each is distinct.
Writes the ports, one a line, to PORTFILE, then serves until killed.
"""
import http.server
import random
import sys
import threading
import time

HOSTS, ITEMS, DELAY_MS, PORTFILE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

WORDS = (
    "grid power wind solar gas oil crude refinery storage battery hydrogen nuclear reactor "
    "turbine cable pipeline tariff auction regulator operator utility demand supply price "
    "market contract investor capacity output winter summer export import cargo tanker "
    "emissions carbon permit subsidy plant station coal mine union minister budget forecast"
).split()


def article(host, n):
    rng = random.Random(host * 100_003 + n)
    paragraphs = []
    for _ in range(5):
        sentences = []
        for _ in range(4):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
            sentences.append(" ".join(words).capitalize() + f" by {rng.randint(2, 98)} percent.")
        paragraphs.append(" ".join(sentences))
    title = f"Report {host}-{n}: " + " ".join(rng.choice(WORDS) for _ in range(5))
    return title, paragraphs


def make_handler(host, port):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without this, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to each response.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(DELAY_MS / 1000)
            path = self.path.split("?")[0]
            if path == "/feed.xml":
                items = []
                for n in range(ITEMS):
                    title, paragraphs = article(host, n)
                    items.append(
                        f"<item><guid isPermaLink='false'>h{host}-{n}</guid><title>{title}</title>"
                        f"<link>http://127.0.0.1:{port}/a/{n}.html?utm_source=rss</link>"
                        f"<pubDate>Mon, 30 Nov 2026 06:00:00 GMT</pubDate>"
                        f"<description>{paragraphs[0][:120]}</description></item>"
                    )
                body = (
                    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                    f"<title>Bench host {host}</title><link>http://127.0.0.1:{port}/</link>"
                    + "".join(items) + "</channel></rss>"
                )
                self.reply(200, "application/rss+xml", body)
            elif path.startswith("/a/") and path.endswith(".html"):
                n = int(path[3:-5])
                title, paragraphs = article(host, n)
                body = (
                    f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
                    "<nav><a href='/'>Home</a> | <a href='/markets'>Markets</a></nav>"
                    f"<article><h1>{title}</h1>"
                    + "".join(f"<p>{p}</p>" for p in paragraphs)
                    + "</article><footer>Bench News</footer></body></html>"
                )
                self.reply(200, "text/html; charset=utf-8", body)
            else:
                self.reply(404, "text/plain", "not found")

        def reply(self, status, content_type, body):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


ports = []
for host in range(HOSTS):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), None)
    port = server.server_address[1]
    server.RequestHandlerClass = make_handler(host, port)
    server.daemon_threads = True
    ports.append(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
with open(PORTFILE + ".tmp", "w") as f:
    f.write("\n".join(map(str, ports)) + "\n")
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
threading.Event().wait()

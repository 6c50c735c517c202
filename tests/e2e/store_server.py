#!/usr/bin/env python3
"""aiosmtpd server for the e2e tests: stores every accepted message, raw, with
its envelope, one file per message in DIR (envelope in a JSON side file).

usage: store_server.py DIR PORTFILE [--delay SECONDS]

Listens on 127.0.0.1 on a free port and writes the port to PORTFILE once it
accepts connections. --delay slows each DATA reply (for crash tests).
"""
import asyncio
import json
import os
import socket
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, root, delay):
        self.root = root
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        name = uuid.uuid4().hex
        tmp = os.path.join(self.root, "." + name)
        with open(tmp + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(tmp + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
        os.rename(tmp + ".json", os.path.join(self.root, name + ".json"))
        os.rename(tmp + ".eml", os.path.join(self.root, name + ".eml"))
        return "250 2.0.0 stored " + name


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--delay" else 0.0
    os.makedirs(root, exist_ok=True)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Store(root, delay), hostname="127.0.0.1", port=port,
                            decode_data=False, data_size_limit=0)
    controller.start()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Verifies the DKIM signature of every .eml in DIR with dkimpy, answering the
DNS lookup for <selector>._domainkey.<domain> with the given public key.

usage: dkim_verify.py DIR PUBLIC_KEY_PEM
Prints "verified N" and exits 0 when all verify; lists failures otherwise.
It also checks that the signature's h= covers the list headers.
"""
import base64
import os
import sys

import dkim


def main():
    root, pub_path = sys.argv[1], sys.argv[2]
    pem = open(pub_path).read()
    der_b64 = "".join(l for l in pem.splitlines() if "-----" not in l)
    record = ("v=DKIM1; k=rsa; p=" + der_b64).encode()

    def dnsfunc(name, timeout=5):
        return record

    failures, count = [], 0
    for name in sorted(os.listdir(root)):
        if not name.endswith(".eml") or name.startswith("."):
            continue
        count += 1
        data = open(os.path.join(root, name), "rb").read()
        if not dkim.verify(data, dnsfunc=dnsfunc):
            failures.append(name + ": signature does not verify")
            continue
        sig = dkim.DKIM(data)
        headers = data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
        h_line = [l for l in headers.split(b"\r\n") if l.lower().startswith(b"dkim-signature:")]
        h_tag = b""
        for part in h_line[0].split(b";"):
            part = part.strip()
            if part.startswith(b"h="):
                h_tag = part[2:].replace(b" ", b"").lower()
        for needed in (b"list-unsubscribe", b"list-unsubscribe-post", b"list-id", b"message-id", b"from", b"subject"):
            if needed not in h_tag.split(b":"):
                failures.append(f"{name}: h= does not cover {needed.decode()} ({h_tag.decode()})")
    for f in failures[:20]:
        print(f)
    print(f"verified {count - len(failures)} of {count}")
    sys.exit(1 if failures or count == 0 else 0)


if __name__ == "__main__":
    main()

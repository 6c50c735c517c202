#!/usr/bin/env python3
"""Verifies the DKIM signature of each message file with dkimpy, answering
the DNS lookup with the TXT record value given (the one `newsletter check`
printed), so a pass proves that record matches the signing key.

usage: dkim_verify_record.py "v=DKIM1; k=rsa; p=..." FILE...
Files may use LF line ends (a Maildir); they are verified as CRLF, as sent.
Prints "verified N of M" and exits 0 only when every file verifies.
"""
import sys

import dkim


def main():
    record, files = sys.argv[1].encode(), sys.argv[2:]

    def dnsfunc(name, timeout=5):
        return record

    ok = 0
    for path in files:
        data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if dkim.verify(data, dnsfunc=dnsfunc):
            ok += 1
        else:
            print(f"{path}: signature does not verify")
    print(f"verified {ok} of {len(files)}")
    sys.exit(0 if files and ok == len(files) else 1)


if __name__ == "__main__":
    main()

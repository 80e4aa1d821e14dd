#!/usr/bin/env python3
"""A tiny mdprod webhook receiver: verifies each delivery's signature and prints the event.

Standard library only. Run it with the secret mdprod showed when you subscribed:

    MDPROD_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 8765

then subscribe ``http://<this host>:8765/`` (README, "Webhooks"). Every delivery is a POST with

    Mdprod-Webhook-Id:         the event id (the same on every retry and redelivery)
    Mdprod-Webhook-Timestamp:  unix seconds when this attempt was signed
    Mdprod-Webhook-Signature:  v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
                               (after a secret rotation, for the overlap: v1=<new>,v1=<previous>)

To verify: compute the HMAC over the timestamp header, a dot, and the raw body bytes exactly as
received (not re-serialised JSON); compare it in constant time with each comma-separated entry of
the header and accept if one matches; refuse a
timestamp more than 5 minutes from your clock (a replayed old request); and, because delivery is
at least once, treat an event id you have already handled as done. Answer 2xx quickly: anything
else, or no answer within 10 seconds, counts as a failure and is retried.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300
MAX_BODY = 1024 * 1024


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def verify(secret: str, *, timestamp: str, signature: str, body: bytes, now: float) -> str | None:
    """None if the delivery is genuine and fresh; otherwise why not."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return "missing or malformed timestamp"
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return "stale timestamp"
    wanted = expected_signature(secret, timestamp, body)
    # The header may list several signatures (e.g. while a secret is rotated): any may match.
    if not any(hmac.compare_digest(wanted, part.strip()) for part in (signature or "").split(",")):
        return "bad signature"
    return None


class Receiver(BaseHTTPRequestHandler):
    secret = ""
    seen: set[str] = set()

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._answer(413, "too large")
        body = self.rfile.read(length)
        problem = verify(
            self.secret,
            timestamp=self.headers.get("Mdprod-Webhook-Timestamp", ""),
            signature=self.headers.get("Mdprod-Webhook-Signature", ""),
            body=body,
            now=time.time(),
        )
        if problem:
            return self._answer(400, problem)
        event_id = self.headers.get("Mdprod-Webhook-Id", "")
        if event_id in self.seen:
            return self._answer(200, "already handled")
        self.seen.add(event_id)
        event = json.loads(body)
        print(json.dumps(event, ensure_ascii=False, indent=2), flush=True)
        return self._answer(200, "ok")

    def _answer(self, code: int, text: str):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    secret = os.environ.get("MDPROD_WEBHOOK_SECRET", "")
    if not secret:
        sys.exit("Set MDPROD_WEBHOOK_SECRET to the secret shown when you subscribed.")
    Receiver.secret = secret
    server = ThreadingHTTPServer((args.host, args.port), Receiver)
    print(f"Listening on http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

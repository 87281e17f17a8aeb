"""Slack's request signing (`v0=` HMAC-SHA256), for sending requests as Slack would."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


def sign(signing_secret: str, body: bytes, timestamp: int) -> str:
    """The `v0=` signature Slack sends for `body` at `timestamp` (seconds since the epoch)."""
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    signing_secret: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Timestamp and signature headers for `body`, signed now unless `timestamp` is given."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(signing_secret, body, ts)}

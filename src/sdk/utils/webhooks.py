"""Checking that a webhook delivery really comes from the Formance stack.

A delivery carries `formance-webhook-id`, `formance-webhook-timestamp` (Unix seconds) and
`formance-webhook-signature`: space-separated `version,signature` pairs, where a `v1` signature
is the standard base64 of HMAC-SHA256 over `"{id}.{timestamp}.{raw body}"`, keyed with the
webhook config's secret string as bytes (as given, not base64-decoded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Mapping, Optional, Union

#: Deliveries older or newer than this many seconds are refused, which stops replays.
DEFAULT_TOLERANCE_S = 300


def signature_for(webhook_id: str, timestamp: Union[int, str], body: bytes, secret: str) -> str:
    """The `v1,...` signature the stack computes for a delivery."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: Optional[float] = DEFAULT_TOLERANCE_S,
    now: Optional[float] = None,
) -> bool:
    """True when the delivery is authentic (and recent, unless `tolerance` is None).

    `body` must be the raw bytes received, before any JSON parsing; `headers` any mapping
    (header names are matched case-insensitively).
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    webhook_id = lowered.get("formance-webhook-id")
    timestamp = lowered.get("formance-webhook-timestamp")
    signatures = lowered.get("formance-webhook-signature")
    if not webhook_id or not timestamp or not signatures:
        return False
    if tolerance is not None:
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        if abs((time.time() if now is None else now) - sent) > tolerance:
            return False
    expected = signature_for(webhook_id, timestamp, body, secret).encode("ascii")
    # Compare against every v1 pair in constant time; any match is enough.
    matched = False
    for candidate in signatures.split():
        if candidate.startswith("v1,"):
            matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected)
    return matched

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


def _as_bytes(name: str, value: object, expected: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"verify_webhook: {name} must be bytes or str ({expected}), got {type(value).__name__}")


def signature_for(
    webhook_id: str, timestamp: Union[int, str], body: Union[bytes, str], secret: Union[str, bytes]
) -> str:
    """The `v1,...` signature the stack computes for a delivery (str arguments are UTF-8 encoded)."""
    body_bytes = _as_bytes("body", body, "the raw request body")
    key = _as_bytes("secret", secret, "the webhook config's secret")
    message = f"{webhook_id}.{timestamp}.".encode() + body_bytes
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook(
    body: Union[bytes, str],
    headers: Mapping[str, str],
    secret: Union[str, bytes],
    *,
    tolerance: Optional[float] = DEFAULT_TOLERANCE_S,
    now: Optional[float] = None,
) -> bool:
    """True when the delivery is authentic (and recent, unless `tolerance` is None).

    `body` is the raw request body, as bytes or as the text it decodes to (UTF-8), before any
    JSON parsing: a re-serialised JSON document does not match. `secret` is the webhook
    config's secret as str or bytes. `headers` is any mapping; names are matched
    case-insensitively. A wrong type raises TypeError; an unauthentic delivery returns False.
    """
    body_bytes = _as_bytes("body", body, "the raw request body, before JSON parsing")
    key = _as_bytes("secret", secret, "the webhook config's secret")
    if not isinstance(headers, Mapping):
        raise TypeError(
            f"verify_webhook: headers must be a mapping of header name to value, got {type(headers).__name__}"
        )
    lowered = {str(key_).lower(): value for key_, value in headers.items()}
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
    expected = signature_for(webhook_id, timestamp, body_bytes, key).encode("ascii")
    # Compare against every v1 pair in constant time; any match is enough.
    matched = False
    for candidate in signatures.split():
        if candidate.startswith("v1,"):
            matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected)
    return matched

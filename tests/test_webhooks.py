"""sdk.utils.verify_webhook against signatures computed independently here."""

from __future__ import annotations

import base64
import hashlib
import hmac

from sdk.utils import verify_webhook

SECRET = "whsec-not-base64-decoded"
BODY = b'{"type":"ledger.committed_transactions","payload":{"ledger":"main"}}'
NOW = 1_700_000_000


def _sign(webhook_id: str, timestamp: int, body: bytes, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def _headers(signature: str, timestamp: int = NOW) -> dict:
    return {
        "formance-webhook-id": "msg_1",
        "formance-webhook-timestamp": str(timestamp),
        "formance-webhook-signature": signature,
    }


def test_authentic_delivery() -> None:
    assert verify_webhook(BODY, _headers(_sign("msg_1", NOW, BODY, SECRET)), SECRET, now=NOW)


def test_any_v1_pair_among_several_matches() -> None:
    header = f"v1,AAAA v0,zzz {_sign('msg_1', NOW, BODY, SECRET)}"
    assert verify_webhook(BODY, _headers(header), SECRET, now=NOW)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.upper(): v for k, v in _headers(_sign("msg_1", NOW, BODY, SECRET)).items()}
    assert verify_webhook(BODY, headers, SECRET, now=NOW)


def test_tampered_body_wrong_secret_or_id_fail() -> None:
    good = _sign("msg_1", NOW, BODY, SECRET)
    assert not verify_webhook(BODY + b" ", _headers(good), SECRET, now=NOW)
    assert not verify_webhook(BODY, _headers(good), SECRET + "x", now=NOW)
    assert not verify_webhook(BODY, {**_headers(good), "formance-webhook-id": "msg_2"}, SECRET, now=NOW)
    # The secret is used as given: its base64-decoded bytes are not the key.
    decoded_key = base64.b64decode("c2VjcmV0")
    assert not verify_webhook(BODY, _headers(_sign("msg_1", NOW, BODY, decoded_key.decode())), "c2VjcmV0", now=NOW)


def test_stale_delivery_refused_unless_tolerance_is_off() -> None:
    old = NOW - 3600
    headers = _headers(_sign("msg_1", old, BODY, SECRET), timestamp=old)
    assert not verify_webhook(BODY, headers, SECRET, now=NOW)
    assert verify_webhook(BODY, headers, SECRET, now=NOW, tolerance=None)


def test_missing_headers_fail() -> None:
    assert not verify_webhook(BODY, {}, SECRET, now=NOW)
    assert not verify_webhook(BODY, _headers("v0,legacy"), SECRET, now=NOW)

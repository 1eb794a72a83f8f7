"""sdk.utils.verify_webhook against signatures computed independently here."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

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


def test_body_and_secret_may_be_bytes_or_str() -> None:
    headers = _headers(_sign("msg_1", NOW, BODY, SECRET))
    for body in (BODY, BODY.decode("utf-8"), bytearray(BODY), memoryview(BODY)):
        for secret in (SECRET, SECRET.encode("utf-8")):
            assert verify_webhook(body, headers, secret, now=NOW), (type(body), type(secret))
    assert not verify_webhook(BODY.decode() + " ", headers, SECRET.encode(), now=NOW)


def test_non_ascii_text_body_is_utf8_encoded() -> None:
    body = '{"payload":{"metadata":{"name":"Zoë €"}}}'
    headers = _headers(_sign("msg_1", NOW, body.encode("utf-8"), SECRET))
    assert verify_webhook(body, headers, SECRET, now=NOW)


@pytest.mark.parametrize("body, secret, headers, message", [
    ({"type": "x"}, SECRET, {}, r"body must be bytes or str \(the raw request body, before JSON parsing\), got dict"),
    (None, SECRET, {}, r"body must be bytes or str .*got NoneType"),
    (BODY, None, {}, r"secret must be bytes or str \(the webhook config's secret\), got NoneType"),
    (BODY, 1234, {}, r"secret must be bytes or str .*got int"),
    (BODY, SECRET, [("formance-webhook-id", "msg_1")], r"headers must be a mapping .*got list"),
])
def test_wrong_types_say_what_is_expected(body: Any, secret: Any, headers: Any, message: str) -> None:
    with pytest.raises(TypeError, match="^verify_webhook: " + message):
        verify_webhook(body, headers, secret, now=NOW)

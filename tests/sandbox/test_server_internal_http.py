"""White-box tests of the sandbox's HTTP plumbing (written by the server side): routing misses,
chunked bodies, `Expect: 100-continue`, the 500 safety net and connection shutdown on stop."""

from __future__ import annotations

import json
import socket
from typing import Any, Iterator, Tuple
from urllib.parse import urlsplit

import pytest
import requests

from sdk.sandbox import Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(port=0, max_body_bytes=1000) as sandbox:
        yield sandbox


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    return sock


def _read_response(sock: socket.socket) -> Tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def test_unknown_paths_are_router_misses_and_wrong_methods_405(sb: Sandbox) -> None:
    miss = requests.get(sb.url + "/api/ledger/main/mapping")
    assert (miss.status_code, miss.text.strip()) == (404, "404 page not found")
    assert requests.post(sb.url + "/api/ledger/main/script", json={"plain": ""}).status_code == 404
    assert requests.patch(sb.url + "/api/ledger/v2/main/transactions").status_code == 405


def test_batch_on_v1_is_plain_text_not_supported(sb: Sandbox) -> None:
    res = requests.post(sb.url + "/api/ledger/main/transactions/batch", json={"transactions": []})
    assert (res.status_code, res.text) == (400, "not supported")


def test_a_chunked_body_is_read_and_limited(sb: Sandbox) -> None:
    requests.post(sb.url + "/api/ledger/v2/main")
    body = json.dumps({"postings": [{"source": "world", "destination": "a", "amount": 5, "asset": "USD"}]}).encode()

    def chunks(data: bytes) -> Iterator[bytes]:
        for i in range(0, len(data), 7):
            yield data[i : i + 7]

    res = requests.post(sb.url + "/api/ledger/v2/main/transactions", data=chunks(body))
    assert res.status_code == 200, res.text
    too_big = requests.post(sb.url + "/api/ledger/v2/main/transactions", data=chunks(b" " * 2000 + body))
    assert too_big.status_code == 413
    assert too_big.json()["errorCode"] == "VALIDATION"


def test_expect_100_continue_is_refused_before_an_oversized_body_is_sent(sb: Sandbox) -> None:
    sock = _connect(sb.url)
    try:
        sock.sendall(
            b"POST /api/ledger/v2/main/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        status, body = _read_response(sock)
        assert status == 413
        assert b"1000 bytes" in body
    finally:
        sock.close()


def test_an_unexpected_failure_is_a_json_500_without_traceback(sb: Sandbox, monkeypatch: Any) -> None:
    from sdk.sandbox.ledger import Backend

    def broken(self: Backend, ledger: str) -> Any:
        raise KeyError("internal detail")

    monkeypatch.setattr(Backend, "stats", broken)
    requests.post(sb.url + "/api/ledger/v2/main")
    res = requests.get(sb.url + "/api/ledger/v2/main/stats")
    assert res.status_code == 500
    assert res.json()["errorCode"] == "INTERNAL"
    assert "Traceback" not in res.text and "internal detail" not in res.text


def test_stop_drops_idle_keep_alive_connections() -> None:
    sandbox = Sandbox(port=0).start()
    sock = _connect(sandbox.url)
    sock.sendall(b"GET /versions HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _read_response(sock)[0] == 200
    sandbox.stop()
    sock.settimeout(2)
    assert sock.recv(10) == b""  # the server closed its side
    sock.close()

"""Bad input at the HTTP level: malformed JSON, wrong types, oversized bodies and clients that
send half a request. Each gets its documented answer and the ledger does not change."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Iterator, List
from urllib.parse import urlsplit

import pytest

import sdk

from ._support import Raw, count_txs, expect_raw_error, post, raw_postings, state_of, warm_up

GOOD = raw_postings(("world", "a", 1, "USD"))


@pytest.mark.parametrize(
    "body",
    [b'{"postings": [', b"{'postings': []}", b"not json at all", b'{"postings": []}}', b"\xff\xfe\x00", b"[1, 2", b""],
    ids=["truncated", "single-quotes", "text", "trailing", "binary", "open-array", "empty"],
)
def test_malformed_json_is_validation(raw: Raw, s: sdk.SDK, ledger: str, body: bytes) -> None:
    before = state_of(s, ledger)
    res = raw.v2("POST", f"/{ledger}/transactions", raw=body, headers={"Content-Type": "application/json"})
    expect_raw_error(res, 400, "VALIDATION")
    assert state_of(s, ledger) == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"postings": "world"}, "postings"),
        ({"postings": [{"source": "world", "destination": "a", "amount": "ten", "asset": "USD"}]}, "amount"),
        ({"postings": [{"source": "world", "destination": "a", "amount": 1.5, "asset": "USD"}]}, "amount"),
        ({"postings": [{"source": 7, "destination": "a", "amount": 1, "asset": "USD"}]}, "source"),
        ({"postings": [{"source": "world", "destination": "a", "amount": 1, "asset": ["USD"]}]}, "asset"),
        ({"postings": GOOD, "timestamp": "yesterday"}, "timestamp"),
        ({"postings": GOOD, "timestamp": 12}, "timestamp"),
        ({"postings": GOOD, "reference": 5}, "reference"),
        ({"postings": GOOD, "metadata": ["a"]}, "metadata"),
        ({"script": "send [USD 1] (source = @world destination = @a)"}, "script"),
        ({"script": {"plain": 3}}, "plain"),
    ],
)
def test_wrong_types_are_validation_naming_the_field(raw: Raw, s: sdk.SDK, ledger: str, body: Any, field: str) -> None:
    before = state_of(s, ledger)
    err = expect_raw_error(raw.v2("POST", f"/{ledger}/transactions", body=body), 400, "VALIDATION")
    assert field in err["errorMessage"], err
    assert state_of(s, ledger) == before


def test_wrong_types_in_metadata_and_ledger_bodies(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    expect_raw_error(raw.v2("POST", "/other", body={"bucket": 5}), 400, "VALIDATION")
    expect_raw_error(raw.v2("POST", "/other", body={"metadata": "x"}), 400, "VALIDATION")
    expect_raw_error(
        raw.v2("PUT", f"/{ledger}/metadata", raw=b"{", headers={"Content-Type": "application/json"}), 400, "VALIDATION"
    )
    expect_raw_error(
        raw.v2("GET", f"/{ledger}/transactions", raw=b"{", headers={"Content-Type": "application/json"}),
        400,
        "VALIDATION",
    )
    assert raw.v2("GET", "/other").status_code == 404


def test_query_parameters_of_the_wrong_type(raw: Raw, ledger: str) -> None:
    expect_raw_error(raw.v2("GET", f"/{ledger}/transactions", params={"pit": "last tuesday"}), 400, "VALIDATION")
    expect_raw_error(raw.v2("GET", f"/{ledger}/volumes", params={"groupBy": "two"}), 400, "VALIDATION")
    expect_raw_error(raw.v2("GET", f"/{ledger}/volumes", params={"startTime": "soon"}), 400, "VALIDATION")
    expect_raw_error(
        raw.v2("POST", f"/{ledger}/transactions", body={"postings": GOOD}, params={"dryRun": "maybe"}),
        400,
        "VALIDATION",
    )


def test_errors_never_leak_a_traceback(raw: Raw, ledger: str) -> None:
    for body in (
        b'{"postings": [null]}',
        b'{"postings": [[]]}',
        b'{"script": {"plain": "", "vars": 7}}',
        b'{"postings": [{}]}',
        b"null",
        b"[]",
        b'{"metadata": null}',
    ):
        res = raw.v2("POST", f"/{ledger}/transactions", raw=body, headers={"Content-Type": "application/json"})
        assert 400 <= res.status_code < 500, (body, res.status_code, res.text)
        assert "Traceback" not in res.text and 'File "' not in res.text


#: The documented default limit on request bodies (README, sandbox section).
DOCUMENTED_MAX_BODY_BYTES = 8 * 1024 * 1024


@pytest.fixture
def small_limit() -> Iterator[Any]:
    """A sandbox with a small body limit, so the boundary is cheap to test."""
    from sdk.sandbox import Sandbox

    with Sandbox(port=0, max_body_bytes=64 * 1024) as sb:
        yield sb


def test_the_default_body_limit_is_the_documented_one() -> None:
    from sdk.sandbox import Sandbox

    assert Sandbox().max_body_bytes == DOCUMENTED_MAX_BODY_BYTES


def test_oversized_body_is_413_and_writes_nothing(small_limit: Any) -> None:
    from ._support import create_ledger

    s, raw = small_limit.sdk(), Raw(small_limit.url)
    create_ledger(s, "main")
    limit = small_limit.max_body_bytes
    before = state_of(s, "main")
    res = raw.v2("POST", "/main/transactions", body={"postings": GOOD, "metadata": {"pad": "x" * (limit + 1)}})
    assert res.status_code == 413, res.status_code
    body = res.json()
    assert isinstance(body.get("errorCode"), str) and isinstance(body.get("errorMessage"), str)
    assert state_of(s, "main") == before
    # a body just under the limit is served
    small = raw.v2("POST", "/main/transactions", body={"postings": GOOD, "metadata": {"pad": "x" * (limit - 2000)}})
    assert small.status_code == 200, small.text
    # and the connection pool still works after a refusal
    assert raw.v2("GET", "/main/stats").status_code == 200


def test_default_limit_accepts_a_large_bulk(raw: Raw, s: sdk.SDK, ledger: str) -> None:
    # 100 elements with long metadata: about 1 MiB, well under the documented limit
    element = {"action": "CREATE_TRANSACTION", "data": {"postings": GOOD, "metadata": {"pad": "x" * 10000}}}
    assert raw.v2("POST", f"/{ledger}/_bulk", body=[element] * 100).status_code == 200


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def test_a_huge_content_length_is_refused_before_the_body_arrives(sandbox: Any, s: sdk.SDK, ledger: str) -> None:
    sock = _connect(sandbox.url)
    try:
        sock.sendall(
            f"POST /api/ledger/v2/{ledger}/transactions HTTP/1.1\r\nHost: sandbox\r\n"
            f"Content-Type: application/json\r\nContent-Length: {10**12}\r\n\r\n".encode()
        )
        sock.settimeout(5)
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"413", answer[:200]
    assert count_txs(s, ledger) == 0


def _silent_clients(url: str, ledger: str, n: int, half_headers: bool = False) -> List[socket.socket]:
    socks = []
    for _ in range(n):
        sock = _connect(url)
        if half_headers:
            sock.sendall(f"POST /api/ledger/v2/{ledger}/transactions HTTP/1.1\r\nHost: sa".encode())
        else:
            body = b'{"postings": [{"source": "world", "destin'
            sock.sendall(
                f"POST /api/ledger/v2/{ledger}/transactions HTTP/1.1\r\nHost: sandbox\r\n"
                f"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n".encode()
                + body
            )
        socks.append(sock)
    return socks


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server answers (e.g. 408) and/or closes the connection within `within` s."""
    sock.settimeout(within)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return True
            if chunk.startswith(b"HTTP/1.1 408") or chunk.startswith(b"HTTP/1.0 408"):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True  # reset by the server
    return False


SILENT_TIMEOUT_S = 3.0


@pytest.fixture
def quick_timeout() -> Iterator[Any]:
    """A sandbox whose read timeout is short, so the test does not wait long."""
    from sdk.sandbox import Sandbox

    with Sandbox(port=0, read_timeout=SILENT_TIMEOUT_S) as sb:
        yield sb


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def test_half_sent_requests_time_out_and_the_server_stays_responsive(quick_timeout: Any) -> None:
    from ._support import create_ledger

    s = quick_timeout.sdk()
    create_ledger(s, "main")
    warm_up(s)
    # 8 clients stop in the middle of their headers, 8 in the middle of their body
    silent = _silent_clients(quick_timeout.url, "main", 8, True) + _silent_clients(quick_timeout.url, "main", 8)
    try:
        results: List[int] = []

        def work() -> None:
            results.append(post(s, "main", ("world", "a", 1, "USD")).id)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        # the others were served while every silent client still held its connection
        assert sorted(results) == list(range(1, 9))
        assert all(_still_open(sock) for sock in silent), "silent clients were cut before the others were served"
        # then the server cuts the silent clients off
        assert all(_closed_by_server(sock, SILENT_TIMEOUT_S + 5) for sock in silent)
    finally:
        for sock in silent:
            sock.close()
    assert count_txs(s, "main") == 8
    assert post(s, "main", ("world", "a", 1, "USD")).id == 9


def test_a_client_that_disconnects_mid_body_changes_nothing(sandbox: Any, s: sdk.SDK, ledger: str) -> None:
    for _ in range(5):
        sock = _silent_clients(sandbox.url, ledger, 1)[0]
        sock.close()
    time.sleep(0.05)
    assert count_txs(s, ledger) == 0
    assert post(s, ledger, ("world", "a", 1, "USD")).id == 1


def test_keep_alive_serves_many_requests_on_one_connection(sandbox: Any, ledger: str) -> None:
    sock = _connect(sandbox.url)
    try:
        request = f"GET /api/ledger/v2/{ledger}/stats HTTP/1.1\r\nHost: sandbox\r\n\r\n".encode()
        sock.sendall(request * 3)
        sock.settimeout(5)
        data = b""
        while data.count(b"HTTP/1.1 200") < 3:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
    finally:
        sock.close()

"""Each injected fault on its own: the SDK recovers, or raises the right typed error, fast."""

from __future__ import annotations

import socket
import threading
from typing import Optional

import fault_server as fs
import pytest
import requests
from fault_server import FaultServer
from reliability_helpers import (
    assert_typed,
    code_of,
    fast_retries,
    make_sdk,
    run_with_deadline,
    tx_attempts,
    tx_request,
    v1_tx_request,
)

from sdk.models import errors, operations, shared
from sdk.utils import BackoffStrategy, RetryConfig

# ---------------------------------------------------------------------------- retries off (the default)

# fault -> what a caller must see when nothing is retried
SINGLE_FAULT_ERRORS = [
    pytest.param(fs.drop_before(), errors.APIConnectionError, None, id="drop-before-read"),
    pytest.param(fs.drop_after(), errors.APIConnectionError, None, id="drop-after-commit"),
    pytest.param(fs.status(429, body="text"), errors.SDKError, 429, id="429-text"),
    pytest.param(fs.status(503, "seconds"), errors.V2ErrorResponse, 503, id="503-json-v2-error"),
    pytest.param(fs.status(502, body="text"), errors.SDKError, 502, id="502-text"),
    pytest.param(fs.html_error(), errors.SDKError, 502, id="502-html-page"),
    pytest.param(fs.truncate(), errors.APIConnectionError, None, id="truncated-body"),
    pytest.param(fs.invalid_json(), errors.ResponseValidationError, 200, id="invalid-json-200"),
]


@pytest.mark.parametrize("fault, expected, status", SINGLE_FAULT_ERRORS)
def test_fault_without_retries_raises_typed_error_after_one_attempt(
        server: FaultServer, fault: fs.Fault, expected: type, status: Optional[int]) -> None:
    s = make_sdk(server)  # no retry_config: retries are off by default
    server.plan.add(fault)
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 15)
    assert_typed(exc, expected)
    assert not isinstance(exc, requests.RequestException)
    if status is not None:
        assert exc.status_code == status  # type: ignore[union-attr]
    assert len(tx_attempts(server)) == 1, "retries must be off by default"


def test_html_error_page_is_sdk_error_with_body_not_typed_v2_error(server: FaultServer) -> None:
    s = make_sdk(server)
    server.plan.add(fs.html_error())
    with pytest.raises(errors.SDKError) as info:
        s.ledger.v2.create_transaction(request=tx_request(1))
    assert not isinstance(info.value, errors.V2ErrorResponse)
    assert info.value.status_code == 502
    assert "502 Bad Gateway" in info.value.body
    assert "text/html" in info.value.headers.get("Content-Type", "")


def test_typed_v2_error_keeps_decoded_fields_and_http_details(server: FaultServer) -> None:
    s = make_sdk(server)
    server.plan.add(fs.status(503))
    with pytest.raises(errors.V2ErrorResponse) as info:
        s.ledger.v2.create_transaction(request=tx_request(1))
    assert code_of(info.value) == "INTERNAL"
    assert "service unavailable" in info.value.error_message
    assert info.value.status_code == 503 and info.value.raw_response is not None


def test_stall_beyond_read_timeout_raises_timeout_quickly(server: FaultServer) -> None:
    s = make_sdk(server, timeout=(2.0, 0.5))
    s.ledger.v2.get_info()  # token fetched, connection warm
    server.plan.add(fs.stall(10.0))
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 8)
    assert_typed(exc, errors.APITimeoutError)
    assert isinstance(exc, errors.APIConnectionError)  # a timeout is a kind of connection failure
    assert elapsed < 4, f"a 0.5 s read timeout took {elapsed:.1f}s"


def test_per_call_timeout_overrides_sdk_timeout(server: FaultServer) -> None:
    s = make_sdk(server, timeout=(10.0, 60.0))
    s.ledger.v2.get_info()
    server.plan.add(fs.stall(10.0))
    _, exc, elapsed = run_with_deadline(
        lambda: s.ledger.v2.create_transaction(request=tx_request(1), timeout=0.5), 8)
    assert_typed(exc, errors.APITimeoutError)
    assert elapsed < 4


def test_single_float_timeout_is_accepted(server: FaultServer) -> None:
    s = make_sdk(server, timeout=0.5)
    server.plan.add(fs.stall(10.0))
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.get_info(), 8)
    assert_typed(exc, errors.APITimeoutError)
    assert elapsed < 4


def test_connection_refused_is_typed_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    import sdk

    s = sdk.SDK(server_url=f"http://127.0.0.1:{port}",
                security=shared.Security(client_id="id", client_secret="secret"), timeout=(1.0, 1.0))
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.get_info(), 8)
    assert_typed(exc, errors.APIConnectionError)
    assert elapsed < 4


# ---------------------------------------------------------------------------- retries on: recovery

RECOVERABLE = [
    pytest.param(fs.drop_before(), id="drop-before-read"),
    pytest.param(fs.drop_after(), id="drop-after-commit"),
    pytest.param(fs.status(429), id="429-no-retry-after"),
    pytest.param(fs.status(502, body="text"), id="502-no-retry-after"),
    pytest.param(fs.status(503), id="503-no-retry-after"),
    pytest.param(fs.html_error(), id="502-html-page"),
    pytest.param(fs.stall(1.5), id="stall-past-timeout"),
    pytest.param(fs.revoke_token(), id="token-revoked-401"),
]


@pytest.mark.parametrize("fault", RECOVERABLE)
def test_retryable_fault_recovers_with_exactly_one_write(server: FaultServer, fault: fs.Fault) -> None:
    s = make_sdk(server, retry_config=fast_retries(), timeout=(2.0, 0.5))
    server.plan.add(fault)
    res, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(7)), 15)
    assert exc is None, f"expected recovery from {fault.label}, got {type(exc).__name__}: {exc}"
    assert res is not None and res.status_code == 200
    assert res.v2_create_transaction_response.data.metadata == {"n": "7"}
    assert server.wait_idle()
    assert len(server.all_transactions()) == 1, "exactly one write"
    assert server.duplicates == 0
    assert len(tx_attempts(server)) == 2
    assert elapsed < 10


@pytest.mark.parametrize("fault", [pytest.param(fs.truncate(), id="truncated-body"),
                                   pytest.param(fs.invalid_json(), id="invalid-json-200")])
def test_unreadable_answer_with_retries_never_doubles_the_write(server: FaultServer, fault: fs.Fault) -> None:
    """The write landed but the answer is garbage: recover via the key, or raise typed; never write twice."""
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fault)
    res, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(3)), 15)
    if exc is not None:
        assert_typed(exc, (errors.APIConnectionError, errors.ResponseValidationError))
    else:
        assert res.v2_create_transaction_response.data.metadata == {"n": "3"}
    assert len(server.all_transactions()) == 1 and server.duplicates == 0


@pytest.mark.parametrize("code, kind, seconds, low, high", [
    pytest.param(429, "seconds", 1, 0.8, 4.0, id="429-retry-after-seconds"),
    pytest.param(503, "seconds", 1, 0.8, 4.0, id="503-retry-after-seconds"),
    pytest.param(429, "date", 2, 0.5, 5.0, id="429-retry-after-http-date"),
    pytest.param(503, "date", 2, 0.5, 5.0, id="503-retry-after-http-date"),
])
def test_retry_after_is_honoured(server: FaultServer, code: int, kind: str, seconds: int,
                                 low: float, high: float) -> None:
    # Backoff alone would wait ~20 ms: a wait near `seconds` can only come from Retry-After.
    config = RetryConfig("backoff", BackoffStrategy(initial_interval=20, max_interval=5000, exponent=1.5,
                                                    max_elapsed_time=15000), retry_connection_errors=True)
    s = make_sdk(server, retry_config=config)
    server.plan.add(fs.status(code, kind, seconds=seconds))
    res, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 20)
    assert exc is None, f"{type(exc).__name__}: {exc}"
    first, second = tx_attempts(server)
    waited = second.at - first.at
    # An HTTP date has one-second resolution, so "now + 2 s" means a wait between 1 and 2 s.
    assert low <= waited <= high, f"waited {waited:.2f}s for Retry-After ({kind}, {seconds})"
    assert len(server.all_transactions()) == 1


def test_get_is_retried_after_drop_after_read(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.create_transaction(request=tx_request(1))
    server.plan.add(fs.drop_after(), fs.stall(2.0), method="GET")
    s_timeout = make_sdk(server, retry_config=fast_retries(), timeout=(2.0, 0.5))
    res = s_timeout.ledger.v2.get_transaction(request=operations.V2GetTransactionRequest(ledger="main", id=0))
    assert res.v2_get_transaction_response.data.id == 0
    assert len(server.records("GET", r"/transactions/0$")) == 3


def test_retries_give_up_within_max_elapsed_time_with_typed_error(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries(max_elapsed_ms=600))
    server.plan.add(fs.status(503), times=1000)
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    assert_typed(exc, errors.V2ErrorResponse)
    assert exc.status_code == 503  # type: ignore[union-attr]
    assert 2 <= len(tx_attempts(server)) < 100
    assert elapsed < 5


def test_per_call_retries_override_the_sdk_default(server: FaultServer) -> None:
    s = make_sdk(server)  # SDK-level: no retries
    server.plan.add(fs.status(503))
    res = s.ledger.v2.create_transaction(request=tx_request(1), retries=fast_retries())
    assert res.status_code == 200 and len(tx_attempts(server)) == 2

    s2 = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.status(503))
    with pytest.raises(errors.V2ErrorResponse):
        s2.ledger.v2.create_transaction(request=tx_request(2), retries=RetryConfig("none"))


def test_connection_errors_not_retried_unless_enabled(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries(connection_errors=False))
    server.plan.add(fs.drop_before())
    with pytest.raises(errors.APIConnectionError):
        s.ledger.v2.create_transaction(request=tx_request(1))
    assert len(tx_attempts(server)) == 1


# ---------------------------------------------------------------------------- 4xx are final

def test_409_duplicate_reference_is_not_retried(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.create_transaction(request=tx_request(1, reference="order-1"))
    with pytest.raises(errors.V2ErrorResponse) as info:
        s.ledger.v2.create_transaction(request=tx_request(2, reference="order-1"))
    assert info.value.status_code == 409 and code_of(info.value) == "CONFLICT"
    assert len(tx_attempts(server)) == 2  # one per call, no retry
    assert len(server.all_transactions()) == 1


def test_400_idempotency_key_reused_with_other_body_is_not_retried(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.create_transaction(request=tx_request(1, key="same-key"))
    with pytest.raises(errors.V2ErrorResponse) as info:
        s.ledger.v2.create_transaction(request=tx_request(2, key="same-key"))
    assert info.value.status_code == 400 and code_of(info.value) == "VALIDATION"
    assert len(tx_attempts(server)) == 2


# ---------------------------------------------------------------------------- writes without idempotency

V1_PATH = r"^/api/ledger/main/transactions$"


def test_v1_create_transaction_not_retried_after_request_was_read(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.drop_after())
    with pytest.raises(errors.APIConnectionError):
        s.ledger.v1.create_transaction(request=v1_tx_request(1))
    assert len(server.records("POST", V1_PATH)) == 1
    assert len(server.v1_writes) == 1, "the write landed once; a blind retry would have doubled it"


def test_v1_create_transaction_not_retried_on_503(server: FaultServer) -> None:
    """A 503 proves the request reached the server: without idempotency, no retry."""
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.status(503))
    with pytest.raises(errors.FormanceError) as info:
        s.ledger.v1.create_transaction(request=v1_tx_request(1))
    assert getattr(info.value, "status_code", None) == 503
    assert len(server.records("POST", V1_PATH)) == 1


def test_v2_create_ledger_not_retried_after_request_was_read(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.drop_after())
    with pytest.raises(errors.APIConnectionError):
        s.ledger.v2.create_ledger(request=operations.V2CreateLedgerRequest(
            ledger="books", v2_create_ledger_request=shared.V2CreateLedgerRequest()))
    assert len(server.records("POST", r"^/api/ledger/v2/books$")) == 1
    assert server.ledgers_created == ["books"]


def test_v1_create_transaction_drop_before_read_never_doubles(server: FaultServer) -> None:
    """Dropped before the server read it: a retry is allowed only if provably unread; never two writes."""
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.drop_before())
    res, exc, _ = run_with_deadline(lambda: s.ledger.v1.create_transaction(request=v1_tx_request(1)), 10)
    if exc is not None:
        assert_typed(exc, errors.APIConnectionError)
        assert len(server.v1_writes) == 0
    else:
        assert res.status_code == 200 and len(server.v1_writes) == 1


def test_non_idempotent_post_retried_when_connection_refused(server: FaultServer) -> None:
    """Connection refused means the request never left: safe to retry even a v1 write."""
    s = make_sdk(server, retry_config=fast_retries(max_elapsed_ms=8000), timeout=(1.0, 5.0))
    s.ledger.v1.create_transaction(request=v1_tx_request(0))  # token cached before the outage
    server.pause()
    timer = threading.Timer(0.6, server.resume)
    timer.start()
    try:
        res, exc, elapsed = run_with_deadline(lambda: s.ledger.v1.create_transaction(request=v1_tx_request(1)), 15)
    finally:
        timer.join()
    assert exc is None, f"{type(exc).__name__}: {exc}"
    assert res.status_code == 200
    assert len(server.v1_writes) == 2 and server.v1_writes[1]["metadata"] == {"n": "1"}
    assert elapsed >= 0.5  # it did wait for the server to come back


def test_non_idempotent_retry_on_explicit_opt_in(server: FaultServer) -> None:
    """The caller may accept the double-write risk explicitly (RetryConfig(retry_non_idempotent=True))."""
    s = make_sdk(server, retry_config=fast_retries(retry_non_idempotent=True))
    server.plan.add(fs.status(503))
    res = s.ledger.v1.create_transaction(request=v1_tx_request(1))
    assert res.status_code == 200
    assert len(server.records("POST", V1_PATH)) == 2 and len(server.v1_writes) == 1


# ---------------------------------------------------------------------------- idempotency keys

def test_sdk_generates_one_idempotency_key_and_reuses_it_on_every_attempt(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries(), timeout=(2.0, 0.5))
    server.plan.add(fs.status(503), fs.drop_after(), fs.stall(1.0))
    res = s.ledger.v2.create_transaction(request=tx_request(1))  # no key set by the caller
    assert res.status_code == 200
    keys = [r.idempotency_key for r in tx_attempts(server)]
    assert len(keys) == 4
    assert keys[0], "the SDK must send an Idempotency-Key when the call may be retried"
    assert len(set(keys)) == 1, f"the key changed between attempts: {keys}"
    assert server.wait_idle()
    assert len(server.all_transactions()) == 1 and server.writes_by_key[keys[0]] == 1
    assert res.raw_response.headers.get("Idempotency-Hit") == "true"


def test_each_logical_call_gets_its_own_generated_key(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.create_transaction(request=tx_request(1))
    s.ledger.v2.create_transaction(request=tx_request(2))
    keys = [r.idempotency_key for r in tx_attempts(server)]
    assert all(keys) and keys[0] != keys[1]
    assert len(server.all_transactions()) == 2


def test_caller_key_is_sent_as_is_on_every_attempt(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.status(502, body="text"), fs.drop_before())
    req = tx_request(1, key="order-42:create")
    res = s.ledger.v2.create_transaction(request=req)
    assert res.status_code == 200
    attempts = tx_attempts(server)
    assert len(attempts) == 3
    # the attempt dropped before it was read left no headers to inspect
    keys = [r.idempotency_key for r in attempts if r.outcome != "dropped-before-read"]
    assert keys == ["order-42:create"] * 2
    assert req.idempotency_key == "order-42:create"  # the caller's request object is not rewritten


def test_generated_key_does_not_leak_into_the_request_object(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    req = tx_request(1)
    s.ledger.v2.create_transaction(request=req)
    s.ledger.v2.create_transaction(request=tx_request(2))
    assert req.idempotency_key is None
    # Re-sending the same request object is a new logical call: a new key, hence a new write.
    s.ledger.v2.create_transaction(request=req)
    keys = [r.idempotency_key for r in tx_attempts(server)]
    assert len(set(keys)) == 3


def test_caller_retry_with_same_key_after_typed_failure_returns_original(server: FaultServer) -> None:
    s = make_sdk(server)  # no SDK retries: the caller retries
    req = tx_request(5, key="caller-key-5")
    server.plan.add(fs.drop_after())
    with pytest.raises(errors.APIConnectionError):
        s.ledger.v2.create_transaction(request=req)
    res = s.ledger.v2.create_transaction(request=req)
    assert res.raw_response.headers.get("Idempotency-Hit") == "true"
    assert res.v2_create_transaction_response.data.id == 0
    assert len(server.all_transactions()) == 1

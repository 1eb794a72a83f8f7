"""Faults on the token endpoint: token requests are attempts of the call, under its retry policy.

A 503 or a connection failure of the token request is retried (first fetch, and the re-fetch
after a 401) within the call's `max_elapsed_time`; any other 4xx is a TokenError at once; the
threads waiting for one token share that single flight's outcome, retries included.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import List

import fault_server as fs
import pytest
from fault_server import TOKEN_PATH, FaultServer
from reliability_helpers import assert_typed, fast_retries, make_sdk, run_with_deadline, tx_attempts, tx_request

from sdk.models import errors
from sdk.utils import BackoffStrategy, RetryConfig

SECRET = "t0ken-Secret-91c2"

TOKEN_FAULTS = [
    pytest.param(fs.status(503), id="token-503"),
    pytest.param(fs.status(429, body="text"), id="token-429"),
    pytest.param(fs.status(502, body="text"), id="token-502"),
    pytest.param(fs.drop_before(), id="token-connection-reset"),
    pytest.param(fs.drop_after(), id="token-closed-without-answer"),
]


def token_attempts(server: FaultServer) -> int:
    return len(server.records("POST", "^" + TOKEN_PATH + "$"))


@pytest.mark.parametrize("fault", TOKEN_FAULTS)
def test_first_token_fetch_is_retried_under_the_call_policy(server: FaultServer, fault: fs.Fault) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fault, path=TOKEN_PATH)
    res, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 15)
    assert exc is None, f"{type(exc).__name__}: {exc}"
    assert res.status_code == 200
    assert token_attempts(server) == 2, "one failed token request, one retry"
    assert len(tx_attempts(server)) == 1 and len(server.all_transactions()) == 1


@pytest.mark.parametrize("fault", TOKEN_FAULTS)
def test_token_refetch_after_401_is_retried_under_the_call_policy(server: FaultServer, fault: fs.Fault) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    s.ledger.v2.create_transaction(request=tx_request(0))  # a token in the cache
    server.plan.add(fs.revoke_token())  # the next API call gets a 401 ...
    server.plan.add(fault, path=TOKEN_PATH)  # ... and the re-fetch of the token fails once
    res, exc, _ = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 15)
    assert exc is None, f"{type(exc).__name__}: {exc}"
    assert res.v2_create_transaction_response.data.metadata == {"n": "1"}
    assert token_attempts(server) == 3, "first token, failed re-fetch, retried re-fetch"
    assert [r.status for r in tx_attempts(server)[1:]] == [401, 200]
    assert server.wait_idle()
    assert len(server.all_transactions()) == 2 and server.duplicates == 0


def test_without_retries_a_token_503_is_a_token_error_after_one_request(server: FaultServer) -> None:
    s = make_sdk(server)
    server.plan.add(fs.status(503), path=TOKEN_PATH)
    with pytest.raises(errors.TokenError) as info:
        s.ledger.v2.get_info()
    assert info.value.status_code == 503
    assert token_attempts(server) == 1 and not server.api_records()


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_token_4xx_is_token_error_at_once_even_with_retries(server: FaultServer, status: int) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.token_error = (status, "application/json", '{"error": "invalid_request"}')
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    assert_typed(exc, errors.TokenError)
    assert exc.status_code == status  # type: ignore[union-attr]
    assert token_attempts(server) == 1, "a refusal is final: no second token request"
    assert elapsed < 1


def test_token_retries_spend_the_call_budget(server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries(max_elapsed_ms=600))
    server.plan.add(fs.status(503), path=TOKEN_PATH, times=1000)
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    assert_typed(exc, errors.TokenError)
    assert exc.status_code == 503  # type: ignore[union-attr]
    assert 2 <= token_attempts(server) < 100
    assert elapsed < 2, f"a 600 ms budget took {elapsed:.1f}s"
    assert not server.api_records(), "no API call without a token"


def test_token_and_api_retries_share_one_budget(server: FaultServer) -> None:
    """Waiting on the token endpoint leaves less time for the API call's own retries."""
    config = RetryConfig("backoff", BackoffStrategy(initial_interval=150, max_interval=150, exponent=1.0,
                                                    max_elapsed_time=1000), retry_connection_errors=True)
    s = make_sdk(server, retry_config=config)
    server.plan.add(fs.status(503), path=TOKEN_PATH, times=4)  # ~4 x 110 ms of the budget
    server.plan.add(fs.status(503), times=1000)
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    assert_typed(exc, errors.V2ErrorResponse)
    assert elapsed < 1.5
    # A fresh budget for the API call would allow ~9 attempts; what the token used is gone.
    assert len(tx_attempts(server)) <= 7


def test_token_connection_failure_exhausted_is_a_connection_error_naming_the_token_host(
        server: FaultServer) -> None:
    s = make_sdk(server, retry_config=fast_retries(max_elapsed_ms=300))
    server.plan.add(fs.drop_before(), path=TOKEN_PATH, times=1000)
    _, exc, _ = run_with_deadline(lambda: s.ledger.v2.get_info(), 10)
    assert_typed(exc, errors.APIConnectionError)
    assert "token request" in str(exc) and f"127.0.0.1:{server.port}" in str(exc)
    assert exc.url.endswith(TOKEN_PATH)  # type: ignore[union-attr]
    assert exc.__cause__ is not None, "the library's reason must stay in the traceback"


def test_concurrent_callers_share_one_flight_including_its_retries(server: FaultServer) -> None:
    server.token_delay = 0.2
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.status(503), fs.status(503), path=TOKEN_PATH)
    barrier = threading.Barrier(8)
    failures: List[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            s.ledger.v2.create_transaction(request=tx_request(n))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not failures, failures
    assert token_attempts(server) == 3, "one flight: two 503s and the retry that got the token"
    assert len(server.all_transactions()) == 8


def test_concurrent_callers_share_the_flights_failure(server: FaultServer) -> None:
    server.token_delay = 0.3
    server.token_error = (400, "application/json", '{"error": "invalid_scope"}')
    s = make_sdk(server, retry_config=fast_retries())
    barrier = threading.Barrier(6)
    seen: List[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            s.ledger.v2.get_info()
        except BaseException as exc:  # noqa: BLE001 - inspected below
            seen.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert len(seen) == 6 and all(isinstance(e, errors.TokenError) and e.status_code == 400 for e in seen)
    assert token_attempts(server) == 1, "waiters take the flight's outcome instead of asking again"


def test_token_requests_are_logged_as_token_requests_without_the_secret(
        server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    s = make_sdk(server, retry_config=fast_retries(), client_secret=SECRET)
    server.client_secret = SECRET
    server.plan.add(fs.status(503), path=TOKEN_PATH)
    with caplog.at_level(logging.DEBUG, logger="sdk"):
        s.ledger.v2.get_info()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("sdk")]
    token_lines = [line for line in lines if line.startswith("token request")]
    assert any(f"{TOKEN_PATH} -> 503" in line and "attempt 1" in line for line in token_lines), lines
    assert any(f"{TOKEN_PATH} -> 200" in line and "attempt 2" in line for line in token_lines), lines
    assert any(line.startswith("retrying token request") for line in lines), lines
    api_lines = [line for line in lines if line.startswith("GET ")]
    assert api_lines and all(TOKEN_PATH not in line for line in api_lines)
    assert all(SECRET not in line for line in lines)


def test_token_connection_failure_is_logged_as_a_token_request(
        server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    s = make_sdk(server, retry_config=fast_retries())
    server.plan.add(fs.drop_before(), path=TOKEN_PATH)
    with caplog.at_level(logging.DEBUG, logger="sdk"):
        s.ledger.v2.get_info()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("sdk")]
    assert any(line.startswith(f"token request POST {server.url}{TOKEN_PATH} failed") for line in lines), lines
    assert not any(line.startswith("GET") and "failed" in line for line in lines), "logged as if the API call failed"


def test_retry_after_longer_than_max_interval_is_capped(server: FaultServer) -> None:
    config = RetryConfig("backoff", BackoffStrategy(initial_interval=20, max_interval=300, exponent=1.5,
                                                    max_elapsed_time=10_000), retry_connection_errors=True)
    s = make_sdk(server, retry_config=config)
    server.plan.add(fs.status(503, "seconds", seconds=3600))
    started = time.monotonic()
    res = s.ledger.v2.create_transaction(request=tx_request(1))
    assert res.status_code == 200
    assert time.monotonic() - started < 2, "a one-hour Retry-After must be capped at max_interval"
    first, second = tx_attempts(server)
    assert 0.25 <= second.at - first.at <= 1.5


def test_retry_after_beyond_the_budget_gives_up_at_once(server: FaultServer) -> None:
    config = RetryConfig("backoff", BackoffStrategy(initial_interval=20, max_interval=30_000, exponent=1.5,
                                                    max_elapsed_time=1000), retry_connection_errors=True)
    s = make_sdk(server, retry_config=config)
    server.plan.add(fs.status(503, "seconds", seconds=5))
    _, exc, elapsed = run_with_deadline(lambda: s.ledger.v2.create_transaction(request=tx_request(1)), 10)
    assert_typed(exc, errors.V2ErrorResponse)
    assert elapsed < 0.8, "waiting 5 s would break a 1 s max_elapsed_time"
    assert len(tx_attempts(server)) == 1

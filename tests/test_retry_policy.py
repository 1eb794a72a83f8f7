"""The one retry decision (sdk._runtime.retry_policy.decide), rule by rule."""

from __future__ import annotations

import socket
import traceback
from typing import Optional

import pytest
import requests

import sdk
from sdk._runtime.retry_policy import Action, Attempt, Backoff, RetryState, decide
from sdk.models import errors, shared
from sdk.utils import BackoffStrategy, RetryConfig

POLICY = RetryConfig("backoff", BackoffStrategy(10, 100, 1.5, 60_000), retry_connection_errors=True)
RESET = requests.ConnectionError("connection reset by peer")
READ_TIMEOUT = requests.ReadTimeout("read timed out")


def state(policy: Optional[RetryConfig] = POLICY, *, safe: bool = False, replayable: bool = True) -> RetryState:
    return RetryState(policy, safe_to_repeat=safe, replayable=replayable)


@pytest.mark.parametrize("attempt, safe, action", [
    # statuses
    (Attempt(status=503), True, Action.RETRY),
    (Attempt(status=429), True, Action.RETRY),
    (Attempt(status=503), False, Action.STOP),  # a received non-idempotent write
    (Attempt(status=400), True, Action.STOP),
    (Attempt(status=409), True, Action.STOP),
    (Attempt(status=200), True, Action.STOP),
    # connection failures and timeouts
    (Attempt(failure=RESET), True, Action.RETRY),
    (Attempt(failure=RESET), False, Action.STOP),
    (Attempt(failure=RESET, never_sent=True), False, Action.RETRY),
    (Attempt(failure=READ_TIMEOUT), True, Action.RETRY),
    (Attempt(failure=READ_TIMEOUT), False, Action.STOP),
    # token requests are always safe to repeat
    (Attempt(token_request=True, status=503), False, Action.RETRY),
    (Attempt(token_request=True, status=429), False, Action.RETRY),
    (Attempt(token_request=True, failure=RESET), False, Action.RETRY),
    (Attempt(token_request=True, status=400), False, Action.STOP),
    (Attempt(token_request=True, status=401), False, Action.STOP),
    # 401 to our token: one refresh
    (Attempt(status=401, sent_token=True), False, Action.REFRESH_TOKEN),
    (Attempt(status=401), True, Action.STOP),  # no token was sent: nothing to refresh
], ids=lambda v: repr(v) if not isinstance(v, Attempt) else
    ",".join(f"{k}={v!r}" for k, v in v._asdict().items() if v not in (None, False)))
def test_rules(attempt: Attempt, safe: bool, action: Action) -> None:
    decision = decide(state(safe=safe), attempt)
    assert decision.action is action, decision.reason
    assert decision.reason
    if action is Action.RETRY:
        assert 0 < decision.delay <= 0.1


def test_retries_off_stop_everything_but_the_401_refresh() -> None:
    for policy in (None, RetryConfig("none")):
        assert decide(state(policy, safe=True), Attempt(status=503)).action is Action.STOP
        assert decide(state(policy, safe=True), Attempt(token_request=True, status=503)).action is Action.STOP
        assert decide(state(policy), Attempt(status=401, sent_token=True)).action is Action.REFRESH_TOKEN


def test_the_401_refresh_is_granted_once_per_call() -> None:
    call = state()
    assert decide(call, Attempt(status=401, sent_token=True)).action is Action.REFRESH_TOKEN
    assert decide(call, Attempt(status=401, sent_token=True)).action is Action.STOP


def test_a_streamed_body_is_never_sent_twice() -> None:
    call = state(safe=True, replayable=False)
    assert decide(call, Attempt(status=503)).action is Action.STOP
    assert decide(call, Attempt(status=401, sent_token=True)).action is Action.STOP


def test_connection_failures_need_the_opt_in_tokens_included() -> None:
    policy = RetryConfig("backoff", BackoffStrategy(10, 100, 1.5, 60_000), retry_connection_errors=False)
    assert decide(state(policy, safe=True), Attempt(failure=RESET)).action is Action.STOP
    assert decide(state(policy), Attempt(token_request=True, failure=RESET)).action is Action.STOP
    assert decide(state(policy), Attempt(token_request=True, status=503)).action is Action.RETRY


def test_status_codes_of_the_policy_apply_to_token_requests_too() -> None:
    policy = RetryConfig("backoff", BackoffStrategy(10, 100, 1.5, 60_000), status_codes=(503,))
    assert decide(state(policy), Attempt(token_request=True, status=503)).action is Action.RETRY
    assert decide(state(policy), Attempt(token_request=True, status=500)).action is Action.STOP


def test_retry_after_is_capped_at_max_interval_and_never_beyond_the_budget() -> None:
    backoff = Backoff(BackoffStrategy(10, 2_000, 1.5, 10_000))
    assert backoff.next_delay(retry_after=3600) == 2.0
    assert backoff.next_delay(retry_after=0.5) == 0.5
    tight = Backoff(BackoffStrategy(10, 30_000, 1.5, 1_000))
    assert tight.next_delay(retry_after=5) is None
    call = RetryState(RetryConfig("backoff", BackoffStrategy(10, 30_000, 1.5, 1_000)), safe_to_repeat=True)
    decision = decide(call, Attempt(status=503, retry_after=5))
    assert decision.action is Action.STOP and "max_elapsed_time" in decision.reason


def test_connection_refused_keeps_its_cause_and_names_the_host() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = sdk.SDK(server_url=f"http://127.0.0.1:{port}", timeout=(1.0, 1.0))
    with pytest.raises(errors.APIConnectionError) as info:
        s.get_versions()
    exc = info.value
    assert isinstance(exc.__cause__, requests.ConnectionError)
    assert exc.host == f"127.0.0.1:{port}"
    assert f"127.0.0.1:{port}" in str(exc) and "Connection refused" in str(exc)
    rendered = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert "direct cause" in rendered and "ConnectionRefusedError" in rendered


def test_token_request_connection_failure_keeps_its_cause() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = sdk.SDK(server_url=f"http://127.0.0.1:{port}", timeout=(1.0, 1.0),
                security=shared.Security(client_id="id", client_secret="secret-value"))
    with pytest.raises(errors.APIConnectionError) as info:
        s.ledger.v2.get_info()
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert "token request" in str(info.value) and info.value.host == f"127.0.0.1:{port}"
    assert "secret-value" not in str(info.value)

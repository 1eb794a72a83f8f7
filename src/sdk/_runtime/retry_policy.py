"""The retry policy of the request pipeline: whether an attempt is tried again, and when.

`decide` is the one place where the rules live. Every attempt of a call goes through it,
including the OAuth2 token requests made on the call's behalf: they share the call's
`RetryState`, hence its policy and its `max_elapsed_time` budget.

The configuration users build (RetryConfig, BackoffStrategy) is public and lives in
sdk.utils.retries, where 4.2.0 exported it.
"""

from __future__ import annotations

import email.utils
import enum
import random
import time
from typing import Any, List, Mapping, NamedTuple, Optional

import requests

from sdk.utils.retries import BackoffStrategy, RetryConfig

__all__ = [
    "Action",
    "Attempt",
    "Backoff",
    "BackoffStrategy",
    "Decision",
    "RetryConfig",
    "RetryState",
    "decide",
    "never_sent",
    "retry_after_seconds",
]


class Attempt(NamedTuple):
    """How one attempt ended, as far as the retry decision needs to know."""

    token_request: bool = False  # a request to the OAuth2 token endpoint, not the operation
    status: Optional[int] = None  # HTTP status; None when no response arrived
    failure: Optional[BaseException] = None  # the connection failure or timeout, if any
    never_sent: bool = False  # the request provably never reached the server
    sent_token: bool = False  # the operation carried one of our bearer tokens
    retry_after: Optional[float] = None  # seconds the server asked us to wait


class Action(enum.Enum):
    STOP = "stop"  # hand the response back, or raise the failure
    REFRESH_TOKEN = "refresh-token"  # fetch a new token and replay at once
    RETRY = "retry"  # wait `Decision.delay` seconds, then send again


class Decision(NamedTuple):
    action: Action
    reason: str
    delay: float = 0.0


class Backoff:
    """The waits of one logical call: exponential, jittered, bounded by the elapsed budget."""

    def __init__(self, strategy: BackoffStrategy) -> None:
        self.strategy = strategy
        self.started = time.monotonic()
        self.attempt = 0

    def next_delay(self, retry_after: Optional[float] = None) -> Optional[float]:
        """Seconds to wait before the next attempt, or None when the budget cannot cover it."""
        s = self.strategy
        max_interval = s.max_interval / 1000.0
        base = min(max_interval, s.initial_interval * (s.exponent**self.attempt) / 1000.0)
        # Equal jitter: at least half the exponential wait, so herds spread without collapsing.
        delay = base / 2 + random.uniform(0, base / 2)
        if retry_after is not None:
            # The server's wish wins over our schedule, but a server asking for an hour does
            # not get to park the caller beyond what the policy allows for one wait.
            delay = min(max(retry_after, 0.0), max_interval)
        elapsed = time.monotonic() - self.started
        if elapsed + delay > s.max_elapsed_time / 1000.0:
            return None
        self.attempt += 1
        return delay


class RetryState:
    """What the retry decision remembers across the attempts of one logical call."""

    def __init__(self, policy: Optional[RetryConfig], *, safe_to_repeat: bool = False, replayable: bool = True) -> None:
        self.policy = policy if policy is not None and policy.enabled else None
        #: A repeat cannot apply the operation twice (safe method, idempotency key, or opt-in).
        self.safe_to_repeat = safe_to_repeat
        #: The body can be sent again (bytes, not a stream that the first attempt consumed).
        self.replayable = replayable
        self.backoff = Backoff(self.policy.backoff) if self.policy is not None else None
        self.token_refreshed = False


def decide(state: RetryState, attempt: Attempt) -> Decision:
    """The one retry decision for an attempt of a call (operation or token request).

    Records in `state` what it granted (the one token refresh, the backoff step taken).
    """
    policy = state.policy
    if attempt.status == 401 and attempt.sent_token and not attempt.token_request:
        # A 401 to our token means the server refused before acting: the token was revoked or
        # expired early. One replay with a fresh token is not a retry, so it needs no policy.
        if state.token_refreshed:
            return Decision(Action.STOP, "still 401 with a fresh token: the credentials lack access")
        if not state.replayable:
            return Decision(Action.STOP, "401, and a streamed body cannot be sent twice")
        state.token_refreshed = True
        return Decision(Action.REFRESH_TOKEN, "401: the token was revoked or expired early")
    if policy is None:
        return Decision(Action.STOP, "retries are off (no RetryConfig, or strategy 'none')")
    if not state.replayable:
        return Decision(Action.STOP, "a streamed body cannot be sent twice")
    if attempt.failure is not None:
        if not policy.retry_connection_errors:
            # The caller chose to see network failures at once rather than wait them out.
            return Decision(Action.STOP, "connection failures are retried only with retry_connection_errors=True")
        kind = "timeout" if isinstance(attempt.failure, requests.Timeout) else "connection failure"
        if attempt.token_request:
            # A token request changes nothing on the server: asking again is always safe.
            return _after_wait(state, attempt, f"token request {kind}")
        if attempt.never_sent:
            # Refused, DNS failure, connect timeout: nothing reached the server, nothing can double.
            return _after_wait(state, attempt, f"{kind} before the request was sent")
        if state.safe_to_repeat:
            # A read, or a write with an idempotency key: a repeat is applied at most once.
            return _after_wait(state, attempt, f"{kind} of an idempotent request")
        # The write may have landed and nothing would tell the server the repeat is the same one.
        return Decision(Action.STOP, f"{kind} after a non-idempotent write may have reached the server")
    if attempt.status is not None and attempt.status in policy.status_codes:
        if attempt.token_request:
            # The token endpoint is overloaded or restarting (429/5xx): asking again is safe.
            return _after_wait(state, attempt, f"token endpoint answered {attempt.status}")
        if state.safe_to_repeat:
            # "Come back later" (429/503) or a restarting stack (500/502/504), and repeating is safe.
            return _after_wait(state, attempt, f"HTTP {attempt.status}")
        # Any answer proves the server received the write; without a key a repeat could double it.
        return Decision(Action.STOP, f"HTTP {attempt.status} to a non-idempotent write")
    # Anything else (2xx, 400, 404, 409, a token endpoint 4xx...): the same request would get the
    # same answer.
    return Decision(Action.STOP, "final answer")


def _after_wait(state: RetryState, attempt: Attempt, reason: str) -> Decision:
    assert state.backoff is not None  # only reached with a policy
    delay = state.backoff.next_delay(attempt.retry_after)
    if delay is None:
        # Retry-After included: no wait may carry the call past max_elapsed_time.
        return Decision(Action.STOP, f"{reason}; max_elapsed_time would be exceeded")
    return Decision(Action.RETRY, reason, delay)


def retry_after_seconds(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """Seconds the server asked us to wait (Retry-After as seconds or as an HTTP date)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - (time.time() if now is None else now))


def never_sent(exc: BaseException) -> bool:
    """True when the request provably never reached the server (refused, DNS, connect timeout)."""
    import urllib3.exceptions as u3

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen = set()
    stack: List[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (u3.NewConnectionError, u3.ConnectTimeoutError)):
            return True
        if isinstance(current, ConnectionRefusedError):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return False

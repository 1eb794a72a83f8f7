"""Retry configuration: `from sdk.utils.retries import RetryConfig, BackoffStrategy`.

Retries are off unless a RetryConfig is given to the SDK or to a call (`retries=`). What is
retried, and why it is safe, is described on RetryConfig; the decision itself (one function,
applied to every attempt, token requests included) is sdk._runtime.retry_policy.decide.
"""

from __future__ import annotations

from typing import Optional, Tuple

from sdk._runtime import defaults


class BackoffStrategy:
    """Exponential backoff; intervals are in milliseconds, as in the original SDK."""

    def __init__(self, initial_interval: int, max_interval: int, exponent: float, max_elapsed_time: int) -> None:
        for name, value, minimum in (
            ("initial_interval", initial_interval, 0),
            ("max_interval", max_interval, 0),
            ("exponent", exponent, 0),
            ("max_elapsed_time", max_elapsed_time, -1),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"BackoffStrategy.{name}: expected a number, got {type(value).__name__} {value!r}")
            if not value > minimum:
                bound = "zero or more" if minimum < 0 else "more than zero"
                unit = "" if name == "exponent" else " milliseconds"
                raise ValueError(f"BackoffStrategy.{name}: must be {bound}{unit}, got {value}")
        self.initial_interval = initial_interval
        self.max_interval = max_interval
        self.exponent = exponent
        self.max_elapsed_time = max_elapsed_time

    def __repr__(self) -> str:
        return (
            f"BackoffStrategy(initial_interval={self.initial_interval}, max_interval={self.max_interval}, "
            f"exponent={self.exponent}, max_elapsed_time={self.max_elapsed_time})"
        )


class RetryConfig:
    """When and how to retry a call.

    strategy: "backoff" to retry, "none" to never retry.
    retry_connection_errors: also retry when no response arrived (connection failures, timeouts),
        token requests included.
    status_codes: responses worth another attempt. 429 and 503 say "come back later"; 500, 502
        and 504 are usually a restarting or overloaded stack. 400/409 are never retried: the
        same request would get the same answer. The same list applies to the OAuth2 token
        endpoint; any other token endpoint error is final (TokenError).
    backoff: the waits, in milliseconds. A Retry-After header is honoured up to max_interval,
        and max_elapsed_time bounds the whole call, token requests included.
    retry_non_idempotent: allow retrying writes that carry no idempotency key even when the
        request may have reached the server. Off by default because it can apply a write twice.
    """

    def __init__(
        self,
        strategy: str,
        backoff: Optional[BackoffStrategy] = None,
        retry_connection_errors: bool = False,
        *,
        status_codes: Tuple[int, ...] = defaults.RETRY_STATUS_CODES,
        retry_non_idempotent: bool = False,
    ) -> None:
        if strategy not in ("backoff", "none"):
            raise ValueError(f"RetryConfig.strategy: expected 'backoff' or 'none', got {strategy!r}")
        if backoff is not None and not isinstance(backoff, BackoffStrategy):
            raise TypeError(f"RetryConfig.backoff: expected a BackoffStrategy or None, got {type(backoff).__name__}")
        codes = tuple(status_codes)
        if not all(isinstance(code, int) and not isinstance(code, bool) for code in codes):
            raise TypeError(f"RetryConfig.status_codes: expected HTTP statuses as ints, e.g. (429, 503), got {codes!r}")
        self.strategy = strategy
        self.backoff = backoff or BackoffStrategy(
            defaults.RETRY_INITIAL_INTERVAL_MS,
            defaults.RETRY_MAX_INTERVAL_MS,
            defaults.RETRY_EXPONENT,
            defaults.RETRY_MAX_ELAPSED_MS,
        )
        self.retry_connection_errors = retry_connection_errors
        self.status_codes = codes
        self.retry_non_idempotent = retry_non_idempotent

    @property
    def enabled(self) -> bool:
        return self.strategy == "backoff"

    def __repr__(self) -> str:
        return (
            f"RetryConfig({self.strategy!r}, {self.backoff!r}, retry_connection_errors={self.retry_connection_errors}, "
            f"status_codes={self.status_codes}, retry_non_idempotent={self.retry_non_idempotent})"
        )


class Retries:
    """Legacy holder kept for code that imported it from sdk.utils.retries."""

    def __init__(self, config: RetryConfig, status_codes: Tuple[str, ...] = ()) -> None:
        self.config = config
        self.status_codes = status_codes

"""Retry mechanics: Retry-After parsing and the backoff schedule of one logical call.

The configuration classes users build (RetryConfig, BackoffStrategy) live in sdk.utils.retries,
where the original SDK exported them.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Mapping, Optional

from sdk.utils.retries import BackoffStrategy, RetryConfig

__all__ = ["Backoff", "BackoffStrategy", "RetryConfig", "retry_after_seconds"]


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


class Backoff:
    """The waits of one logical call: exponential, jittered, bounded by the elapsed budget."""

    def __init__(self, strategy: BackoffStrategy) -> None:
        self.strategy = strategy
        self.started = time.monotonic()
        self.attempt = 0

    def next_delay(self, retry_after: Optional[float] = None) -> Optional[float]:
        """Seconds to wait before the next attempt, or None when the budget is spent."""
        s = self.strategy
        base = min(s.max_interval, s.initial_interval * (s.exponent**self.attempt)) / 1000.0
        # Equal jitter: at least half the exponential wait, so herds spread without collapsing.
        delay = base / 2 + random.uniform(0, base / 2)
        if retry_after is not None:
            delay = max(retry_after, 0.0)
        elapsed = time.monotonic() - self.started
        if elapsed + delay > s.max_elapsed_time / 1000.0:
            return None
        self.attempt += 1
        return delay

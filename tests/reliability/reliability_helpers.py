"""Shared helpers for the SDK fault-injection tests (public SDK API only)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, List, Optional, Tuple, TypeVar, Union

from fault_server import TOKEN_PATH, FaultServer, RequestRecord

import sdk
from sdk.models import errors, operations, shared
from sdk.utils import BackoffStrategy, RetryConfig

T = TypeVar("T")

LEDGER = "main"
TX_PATH = f"/api/ledger/v2/{LEDGER}/transactions"


def fast_retries(max_elapsed_ms: int = 5000, *, connection_errors: bool = True, **extra: Any) -> RetryConfig:
    """Retries with tiny backoff so a test spends its time on faults, not on sleeping."""
    return RetryConfig("backoff", BackoffStrategy(initial_interval=20, max_interval=200, exponent=1.5,
                                                  max_elapsed_time=max_elapsed_ms),
                       retry_connection_errors=connection_errors, **extra)


def make_sdk(server: FaultServer, *, retry_config: Optional[RetryConfig] = None,
             timeout: Union[None, float, Tuple[float, float]] = (2.0, 5.0),
             client_id: Optional[str] = None, client_secret: Optional[str] = None, **kwargs: Any) -> sdk.SDK:
    if timeout is not None:
        kwargs["timeout"] = timeout
    if retry_config is not None:
        kwargs["retry_config"] = retry_config
    return sdk.SDK(
        server_url=server.url,
        security=shared.Security(client_id=client_id or server.client_id,
                                 client_secret=client_secret or server.client_secret),
        **kwargs,
    )


def tx_request(n: int, *, key: Optional[str] = None, reference: Optional[str] = None,
               ledger: str = LEDGER) -> operations.V2CreateTransactionRequest:
    """A create-transaction request whose metadata `n` identifies the logical write."""
    return operations.V2CreateTransactionRequest(
        ledger=ledger,
        v2_post_transaction=shared.V2PostTransaction(
            metadata={"n": str(n)},
            postings=[shared.V2Posting(amount=100 + n, asset="USD/2", source="world",
                                       destination=f"users:{n:04d}")],
            reference=reference,
        ),
        idempotency_key=key,
    )


def v1_tx_request(n: int, ledger: str = LEDGER) -> operations.CreateTransactionRequest:
    return operations.CreateTransactionRequest(
        ledger=ledger,
        post_transaction=shared.PostTransaction(
            postings=[shared.Posting(amount=100 + n, asset="USD/2", source="world",
                                     destination=f"users:{n:04d}")],
            metadata={"n": str(n)},
        ),
    )


def tx_attempts(server: FaultServer) -> List[RequestRecord]:
    return server.records("POST", "^" + TX_PATH + "$")


def api_attempts(server: FaultServer) -> List[RequestRecord]:
    return [r for r in server.records() if r.path != TOKEN_PATH]


def code_of(exc: Any) -> Any:
    """A typed error's `error_code` as a plain string (enums and open strings alike)."""
    value = getattr(exc, "error_code", None)
    return getattr(value, "value", value)


def run_with_deadline(fn: Callable[[], T], deadline: float) -> Tuple[Any, Any, float]:
    """Run `fn` in a daemon thread; fail the test if it is still running after `deadline` seconds.

    Returns (result or None, exception or None, elapsed). A hung SDK call can't hang the suite.
    """
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["exc"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(deadline)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        raise AssertionError(f"SDK call still running after {deadline:.1f}s: it can hang")
    return box.get("result"), box.get("exc"), elapsed


def assert_typed(exc: Optional[BaseException], expected: Union[type, Tuple[type, ...]]) -> None:
    """The SDK surfaced `expected` (a FormanceError), not a bare library exception."""
    names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
    assert exc is not None, f"expected {names}, but the call succeeded"
    assert isinstance(exc, errors.FormanceError), (
        f"expected {names}, got untyped {type(exc).__module__}.{type(exc).__name__}: {exc!r}")
    assert isinstance(exc, expected), f"expected {names}, got {type(exc).__name__}: {exc}"


def is_transient(exc: BaseException) -> bool:
    """What a careful caller re-tries (with the same idempotency key): no answer, or a 5xx/429/401.

    A 200 whose body could not be read also counts: the write may have landed, and replaying
    the same key returns the original result.
    """
    if isinstance(exc, errors.APIConnectionError):
        return True
    status = getattr(exc, "status_code", None)
    if isinstance(exc, errors.ResponseValidationError):
        return True
    return isinstance(status, int) and (status >= 500 or status in (401, 429))

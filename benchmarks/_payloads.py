"""Deterministic request inputs and response bodies shared by the server and the workloads.

Stdlib only: this module is imported by the benchmark server (current interpreter) and by the
workload processes, which may run under another interpreter (for example a venv holding another
SDK release). Everything here is a pure function of the element index, so every run serves and
sends byte-identical data.

Shapes follow the ledger v2 wire schemas: ``V2TransactionsCursorResponse`` (a cursor page of
``V2ExpandedTransaction``), ``V2CreateTransactionResponse`` (``{"data": V2Transaction}``),
``V2BulkResponse`` (``{"data": [V2BulkElementResultCreateTransaction, ...]}``) and, on the request
side, ``V2PostTransaction`` and ``V2BulkElementCreateTransaction``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, NamedTuple

BASE_TIME = dt.datetime.fromisoformat("2024-09-01T08:00:00+00:00")
ASSET = "USD/2"
WORLD = "world"
FEES = "platform:fees"
# Amounts are ``bigint`` on the wire: the fee posting exceeds 2**64 so exact integer handling is
# exercised (a float round trip would corrupt it).
BIG_OFFSET = 10**20

# Ledger names select the payload size: ``bench-<n>`` -> n elements; ``bench-<n>-noreply`` makes
# the bulk endpoint answer with an empty result list (isolates request encoding).
LEDGER_RE = re.compile(r"^bench-(\d+)(-noreply)?$")
DEFAULT_SIZE = 1000
MAX_SIZE = 1_000_000


def ledger_name(size: int, *, noreply: bool = False) -> str:
    """Ledger path parameter telling the server how many elements to serve."""
    return f"bench-{size}" + ("-noreply" if noreply else "")


def parse_ledger(ledger: str) -> tuple[int, bool]:
    """Inverse of :func:`ledger_name`; unknown names get the default size."""
    m = LEDGER_RE.match(ledger)
    if m is None:
        return DEFAULT_SIZE, False
    return min(int(m.group(1)), MAX_SIZE), m.group(2) is not None


def rfc3339(value: dt.datetime) -> str:
    """UTC datetime -> RFC 3339 with a ``Z`` suffix and microseconds, as the ledger emits."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user(i: int) -> str:
    return f"users:{i % 5000:05d}"


def _timestamp(i: int) -> dt.datetime:
    return BASE_TIME + dt.timedelta(seconds=i, microseconds=(i * 7919) % 1_000_000)


def _amount(i: int) -> int:
    return 100 + (i * 37) % 100_000


def _fee(i: int) -> int:
    return BIG_OFFSET + i


def _metadata(i: int) -> dict[str, str]:
    return {
        "order_id": f"ord_{i:08d}",
        "channel": ("web", "mobile", "api")[i % 3],
        "region": "eu-west-1",
    }


def _reference(i: int) -> str:
    return f"ref-{i:08d}"


# --------------------------------------------------------------------------- responses


def _postings_json(i: int) -> list[dict[str, Any]]:
    user = _user(i)
    return [
        {"amount": _amount(i), "asset": ASSET, "source": WORLD, "destination": user},
        {"amount": _fee(i), "asset": ASSET, "source": user, "destination": FEES},
    ]


def transaction(i: int) -> dict[str, Any]:
    """A ``V2Transaction`` body (id, timestamp, 2 postings, 3 metadata keys, reference)."""
    return {
        "id": i + 1,
        "timestamp": rfc3339(_timestamp(i)),
        "postings": _postings_json(i),
        "metadata": _metadata(i),
        "reference": _reference(i),
        "reverted": False,
    }


def _volume(inp: int, out: int) -> dict[str, int]:
    return {"input": inp, "output": out, "balance": inp - out}


def expanded_transaction(i: int) -> dict[str, Any]:
    """A ``V2ExpandedTransaction``: a transaction plus pre/post commit volumes per account."""
    tx = transaction(i)
    amount, fee = _amount(i), _fee(i)
    w_out = 1_000_000 * (i + 1)
    u_in = 5_000 * (i + 1) + BIG_OFFSET
    u_out = 4_000 * (i + 1) + BIG_OFFSET
    f_in = 3_000 * (i + 1) + BIG_OFFSET
    tx["preCommitVolumes"] = {
        WORLD: {ASSET: _volume(0, w_out)},
        _user(i): {ASSET: _volume(u_in, u_out)},
        FEES: {ASSET: _volume(f_in, 0)},
    }
    tx["postCommitVolumes"] = {
        WORLD: {ASSET: _volume(0, w_out + amount)},
        _user(i): {ASSET: _volume(u_in + amount, u_out + fee)},
        FEES: {ASSET: _volume(f_in + fee, 0)},
    }
    return tx


def cursor_page(size: int) -> dict[str, Any]:
    """A ``V2TransactionsCursorResponse`` page of ``size`` expanded transactions."""
    return {
        "cursor": {
            "pageSize": size,
            "hasMore": True,
            "next": "eyJwYWdlU2l6ZSI6MTAwMCwib2Zmc2V0IjoxMDAwfQ==",
            "data": [expanded_transaction(i) for i in range(size)],
        }
    }


def create_transaction_response() -> dict[str, Any]:
    """A ``V2CreateTransactionResponse``."""
    return {"data": transaction(0)}


def bulk_response(size: int) -> dict[str, Any]:
    """A ``V2BulkResponse`` with ``size`` ``CREATE_TRANSACTION`` results."""
    return {"data": [{"responseType": "CREATE_TRANSACTION", "data": transaction(i)} for i in range(size)]}


def error_body(message: str) -> dict[str, Any]:
    """A ``V2ErrorResponse``."""
    return {"errorCode": "NOT_FOUND", "errorMessage": message}


def dumps(body: Any) -> bytes:
    """Compact JSON encoding used for every served body."""
    return json.dumps(body, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- request inputs


class PostingInput(NamedTuple):
    amount: int
    asset: str
    source: str
    destination: str


class TransactionInput(NamedTuple):
    """Primitive inputs of one ``V2PostTransaction``; workloads turn these into dicts or models."""

    postings: tuple[PostingInput, PostingInput]
    metadata: dict[str, str]
    reference: str
    timestamp: dt.datetime


def transaction_input(i: int) -> TransactionInput:
    user = _user(i)
    return TransactionInput(
        postings=(
            PostingInput(_amount(i), ASSET, WORLD, user),
            PostingInput(_fee(i), ASSET, user, FEES),
        ),
        metadata=_metadata(i),
        reference=_reference(i),
        timestamp=_timestamp(i),
    )


def transaction_inputs(size: int, start: int = 0) -> list[TransactionInput]:
    return [transaction_input(start + i) for i in range(size)]


def expected_fee(i: int) -> int:
    """Fee amount of element ``i``; workloads check it to prove bigints were decoded exactly."""
    return _fee(i)
